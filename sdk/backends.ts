/** Which backends exist and whether each can run here (what `glm backends` prints). */
import { surveyBuiltins, surveyOne, type BackendStatus } from '../backends/registry.js';

/** Every built-in backend with its probe: available, or why not. Plugins are never scanned for. */
export function listBackends(): Promise<BackendStatus[]> {
  return surveyBuiltins();
}

/** One backend named by built-in name, plugin path or package name: loaded and probed. */
export function probeBackend(spec: string, options: { cwd?: string } = {}): Promise<BackendStatus> {
  return surveyOne(spec, options.cwd);
}
