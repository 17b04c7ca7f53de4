/**
 * ascend: GLM on Huawei Ascend NPUs through CANN's aclnn operator API, called through koffi. On a host
 * without CANN the same code runs against the emulator's libraries (backends/ascend/emulator), which
 * have CANN's names and C ABI: discovery (acl/discovery.ts) picks the directory, and that — with the
 * execution label — is the only difference. The SoC generation, read from aclrtGetSocName by exact
 * name, chooses the PlanTarget: the original 910's, or A2/A3's with the fused ops.
 * Loading this module touches no library: probe() and open() do.
 */
import { GlmError, PLUGIN_API_VERSION, type BackendPlugin, type ExecutionKind, type OpenOptions, type ProbeResult } from '../../core/backend-api/plugin-api.js';
import { ProgramBackend } from '../program/program-backend.js';
import { bindAcl } from './acl/binding.js';
import { discoverLibraries, type AclLibrarySet } from './acl/discovery.js';
import { cannVersionOf, initialiseAcl, openRuntime, type AclRuntime } from './acl/runtime.js';
import { AscendDevice } from './ascend-device.js';
import { ascendTarget } from './ascend-target.js';
import { ascendPlanOptions, type AscendPlanOptions } from './plan-options.js';
import { generationOf } from './soc.js';

export const NAME = 'ascend';

/** Ops refused on request (GLM_ASCEND_REFUSE=attention,linear): to compare against the decompositions. */
const REFUSE_VARIABLE = 'GLM_ASCEND_REFUSE';

function executionOf(set: AclLibrarySet): ExecutionKind {
  return set.source === 'emulator' ? 'emulator' : 'hardware';
}

/** "emulator (no CANN at …), SoC Ascend910A" or "CANN 8.0.RC2 on Ascend910B1". */
function describe(set: AclLibrarySet, socName: string, version: string): string {
  if (set.source === 'cann') return `CANN ${version} on ${socName} (${set.dir})`;
  const why = process.env['GLM_ASCEND_EMULATOR'] === '1' ? 'selected by GLM_ASCEND_EMULATOR=1' : set.looked.length ? `no CANN at ${set.looked.join(', ')}` : `libraries at ${set.dir}`;
  return `emulator (${why}), SoC ${socName}`;
}

function libraries(): AclLibrarySet {
  const found = discoverLibraries();
  if ('missing' in found) throw new GlmError('backend', `${NAME} is unavailable: ${found.missing}`);
  return found.found;
}

async function probe(): Promise<ProbeResult> {
  const found = discoverLibraries();
  const wanted: ExecutionKind = process.env['GLM_ASCEND_EMULATOR'] === '1' ? 'emulator' : 'hardware';
  if ('missing' in found) return { available: false, reason: found.missing, execution: wanted };
  const set = found.found;
  try {
    const acl = bindAcl(set);
    const socName = initialiseAcl(acl);
    generationOf(socName);
    return { available: true, device: describe(set, socName, cannVersionOf(acl)), execution: executionOf(set) };
  } catch (e) {
    return { available: false, reason: `${set.dir}: ${(e as Error).message}`, execution: executionOf(set) };
  }
}

/** The backend object, with the device (its call counts: stats()) exposed for tests and benchmarks. */
export type AscendBackend = ProgramBackend<AscendPlanOptions, AscendDevice> & { readonly runtime: AclRuntime };

async function open(options?: OpenOptions): Promise<AscendBackend> {
  const set = libraries();
  let runtime: AclRuntime;
  try {
    runtime = openRuntime(bindAcl(set), options?.deviceIndex ?? 0);
  } catch (e) {
    throw new GlmError('backend', `${NAME}: opening device ${options?.deviceIndex ?? 0} from ${set.dir} failed: ${(e as Error).message}`);
  }
  const generation = generationOf(runtime.socName);
  const device = new AscendDevice(runtime);
  const planOptions = ascendPlanOptions(NAME, runtime.socName, generation);
  const backend = new ProgramBackend({
    name: NAME,
    execution: executionOf(set),
    device: describe(set, runtime.socName, runtime.cannVersion),
    native: device,
    target: ascendTarget(planOptions),
    options: planOptions,
    refuseVariable: REFUSE_VARIABLE,
  });
  const releaseArena = backend.close;
  return Object.assign(backend, {
    runtime,
    close: async () => {
      await releaseArena();
      device.close();
    },
  });
}

export const plugin: Omit<BackendPlugin, 'open'> & { open(options?: OpenOptions): Promise<AscendBackend> } = {
  name: NAME,
  apiVersion: PLUGIN_API_VERSION,
  description: 'Huawei Ascend 910 / 910B (CANN aclnn through koffi); on hosts without CANN, the emulator with the same C ABI',
  probe,
  open,
};

export default plugin;
