/** `glm backends`: every known backend, whether it can run here, and if not exactly why. */
import { surveyBuiltins, surveyOne, type BackendStatus } from '../backends/registry.js';
import { parseArgs } from 'node:util';
import { HELP_OPTION, withUsageErrors } from './parse.js';

export const BACKENDS_HELP = `Usage: glm backends [--backend NAME|PATH|PACKAGE] [--json]

Lists the built-in backends, whether each can run on this host and, when not, why
(a missing library, driver or device, or a backend not part of this build).
Third-party plugins are never scanned for: name one with --backend ./plugin.js (or its
package name) to load and probe it alone; one that cannot be loaded is an error (exit 6).

Options:
  --backend X  only this backend: a built-in name, a plugin path or an installed package
  --json       machine-readable output
  -h, --help   this text`;

export async function backendsCommand(args: string[]): Promise<number> {
  const { values } = withUsageErrors('backends', () =>
    parseArgs({ args, options: { backend: { type: 'string' }, json: { type: 'boolean' }, ...HELP_OPTION }, strict: true }),
  );
  if (values.help) return console.log(BACKENDS_HELP), 0;
  const statuses: BackendStatus[] = values.backend === undefined ? await surveyBuiltins() : [await surveyOne(values.backend)];
  if (values.json) {
    console.log(JSON.stringify(statuses, null, 2));
    return 0;
  }
  const width = Math.max(...statuses.map((s) => s.name.length));
  for (const s of statuses) {
    const state = s.probe.available ? `available    ${s.probe.execution} — ${s.probe.device ?? s.platform}` : `unavailable  ${s.probe.reason ?? ''}`;
    console.log(`${s.name.padEnd(width)}  ${state}`);
  }
  return 0;
}
