/**
 * Finds backends by name. Built-ins are imported lazily, only when named, so a backend whose
 * native part is missing can never break another. Third-party plugins are loaded only when named
 * by path or package name — never by scanning.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GlmError, isGlmError } from '../core/errors.js';
import { PLUGIN_API_VERSION, type BackendPlugin, type ProbeResult } from '../core/backend-api/plugin-contract.js';

export interface BuiltinBackend {
  readonly name: string;
  readonly platform: string;
  /** Module path relative to this file's directory in the built package. */
  readonly module: string;
}

export const BUILTIN_BACKENDS: readonly BuiltinBackend[] = [
  { name: 'cpu-ref', platform: 'any CPU (reference)', module: './cpu-ref/index.js' },
  { name: 'cuda', platform: 'NVIDIA GPU (CUDA)', module: './cuda/index.js' },
  { name: 'rocm-dcu', platform: 'Hygon DCU (HIP / DTK)', module: './rocm-dcu/index.js' },
  { name: 'ascend', platform: 'Huawei Ascend 910 (CANN)', module: './ascend/index.js' },
  { name: 'sunway', platform: 'Sunway SW26010 / SW26010-Pro (athread)', module: './sunway/index.js' },
];

function looksLikePath(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec) || /\.(m?js|cjs)$/.test(spec);
}

/** Checks that a module export really is a plugin this SDK can talk to. */
export function checkPlugin(candidate: unknown, origin: string): BackendPlugin {
  const p = candidate as Partial<BackendPlugin> | undefined;
  if (!p || typeof p !== 'object') throw new GlmError('backend', `${origin} does not export a backend plugin (expected a default or "plugin" export)`);
  if (typeof p.apiVersion !== 'number') throw new GlmError('backend', `${origin}: plugin has no numeric apiVersion`);
  if (p.apiVersion !== PLUGIN_API_VERSION) {
    throw new GlmError('backend', `${origin}: plugin "${String(p.name)}" targets plugin API v${p.apiVersion}, this glm-sdk speaks v${PLUGIN_API_VERSION}`);
  }
  for (const key of ['probe', 'open'] as const) {
    if (typeof p[key] !== 'function') throw new GlmError('backend', `${origin}: plugin has no ${key}() function`);
  }
  if (typeof p.name !== 'string' || p.name === '') throw new GlmError('backend', `${origin}: plugin has no name`);
  return p as BackendPlugin;
}

function isMissingModule(e: unknown, url: string): boolean {
  const err = e as { code?: string; url?: string; message?: string };
  return err?.code === 'ERR_MODULE_NOT_FOUND' && (err.url === url || (err.message ?? '').includes(new URL(url).pathname));
}

/** A built-in that is not part of this build: the reason `glm backends` prints. */
export class MissingBuiltin extends GlmError {}

async function importBuiltin(builtin: BuiltinBackend): Promise<BackendPlugin> {
  const url = new URL(builtin.module, import.meta.url).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    if (isMissingModule(e, url)) {
      throw new MissingBuiltin('backend', `backend "${builtin.name}" is not part of this build of glm-sdk (no module at ${new URL(url).pathname})`);
    }
    throw new GlmError('backend', `backend "${builtin.name}" failed to load: ${(e as Error).message}`);
  }
  return checkPlugin(mod['default'] ?? mod['plugin'], `backend "${builtin.name}"`);
}

async function importExternal(spec: string, cwd: string): Promise<BackendPlugin> {
  let url: string;
  if (looksLikePath(spec)) {
    url = pathToFileURL(resolve(cwd, spec)).href;
  } else {
    try {
      url = pathToFileURL(createRequire(join(cwd, 'package.json')).resolve(spec)).href;
    } catch {
      throw new GlmError('backend', `unknown backend "${spec}": not a built-in (${BUILTIN_BACKENDS.map((b) => b.name).join(', ')}) and no package of that name is installed here`);
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND') throw new GlmError('backend', `backend plugin "${spec}" not found (looked for ${new URL(url).pathname})`);
    throw new GlmError('backend', `backend plugin "${spec}" failed to load: ${(e as Error).message}`);
  }
  return checkPlugin(mod['default'] ?? mod['plugin'], `plugin "${spec}"`);
}

/**
 * Where a backend's conformance entry lives (docs/conformance.md): `backends/<name>/conformance.yaml`
 * in this package for a built-in; for a plugin named by path or package, `conformance.yaml` beside its
 * entry module or in a folder above it up to its package's root. Cheap: resolves names, loads nothing.
 */
export function conformanceEntryPath(spec: string, packageRoot: string, cwd = process.cwd()): string | undefined {
  const builtin = BUILTIN_BACKENDS.find((b) => b.name === spec);
  if (builtin) return join(packageRoot, 'backends', builtin.name, 'conformance.yaml');
  let file: string;
  try {
    file = looksLikePath(spec) ? resolve(cwd, spec) : createRequire(join(cwd, 'package.json')).resolve(spec);
  } catch {
    return undefined;
  }
  // Beside the entry module, else at the root of its package (a compiled plugin's entry is in dist/).
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const entry = join(dir, 'conformance.yaml');
    if (existsSync(entry)) return entry;
    if (existsSync(join(dir, 'package.json')) || dirname(dir) === dir) return undefined;
  }
}

/** Load a backend plugin by built-in name, path, or package name. */
export async function loadPlugin(spec: string, cwd = process.cwd()): Promise<BackendPlugin> {
  const builtin = BUILTIN_BACKENDS.find((b) => b.name === spec);
  return builtin ? importBuiltin(builtin) : importExternal(spec, cwd);
}

export interface BackendStatus {
  readonly name: string;
  readonly platform: string;
  readonly probe: ProbeResult;
}

/** Every built-in, available or not and why (for `glm backends`). */
export async function surveyBuiltins(): Promise<BackendStatus[]> {
  return Promise.all(
    BUILTIN_BACKENDS.map(async (b) => {
      try {
        const plugin = await importBuiltin(b);
        return { name: b.name, platform: b.platform, probe: await plugin.probe() };
      } catch (e) {
        const reason = isGlmError(e) ? e.message : String(e);
        return { name: b.name, platform: b.platform, probe: { available: false, reason, execution: 'hardware' as const } };
      }
    }),
  );
}

/**
 * One backend named by built-in name, path or package (`glm backends --backend ./x.js`): loaded and
 * probed. A plugin that cannot be loaded is an error (the user named it), one that loads but cannot run
 * here is a status with its reason.
 */
export async function surveyOne(spec: string, cwd = process.cwd()): Promise<BackendStatus> {
  const builtin = BUILTIN_BACKENDS.find((b) => b.name === spec);
  const plugin = await loadPlugin(spec, cwd);
  return { name: plugin.name, platform: builtin?.platform ?? plugin.description, probe: await plugin.probe() };
}

/** Load and open a backend that must be usable now; unavailability is an error naming the reason. */
export async function openBackend(spec: string, cwd = process.cwd()) {
  const plugin = await loadPlugin(spec, cwd);
  const probe = await plugin.probe();
  if (!probe.available) throw new GlmError('backend', `backend "${plugin.name}" is unavailable: ${probe.reason ?? 'no reason given'}`);
  return { plugin, probe, backend: await plugin.open() };
}
