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
import { hcclRankDevices, openHcclRanks } from './hccl-ranks.js';
import type { HcclRank } from './launchers/hccl-rank.js';

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
export type AscendBackend = ProgramBackend<AscendPlanOptions, AscendDevice> & {
  readonly runtime: AclRuntime;
  /** Present on a backend opened alone, absent on a rank (hccl-ranks.ts). */
  openRanks?(worldSize: number): Promise<AscendBackend[]>;
};

/** A rank's place in an HCCL communicator (hccl-ranks.ts), when the backend is one of openRanks(N). */
interface RankSeat {
  readonly runtime: AclRuntime;
  readonly collective: HcclRank;
  /** Called when the rank closes: the last one destroys the communicator. */
  release(): void;
}

function openRuntimeAt(set: AclLibrarySet, deviceIndex: number): AclRuntime {
  try {
    return openRuntime(bindAcl(set), deviceIndex);
  } catch (e) {
    throw new GlmError('backend', `${NAME}: opening device ${deviceIndex} from ${set.dir} failed: ${(e as Error).message}`);
  }
}

async function open(options?: OpenOptions, seat?: RankSeat): Promise<AscendBackend> {
  const set = libraries();
  const runtime = seat?.runtime ?? openRuntimeAt(set, options?.deviceIndex ?? 0);
  const generation = generationOf(runtime.socName);
  const device = new AscendDevice(runtime, seat?.collective);
  const base = ascendPlanOptions(NAME, runtime.socName, generation);
  const planOptions: AscendPlanOptions = seat ? { ...base, collectiveRanks: seat.collective.ranks } : base;
  const described = describe(set, runtime.socName, runtime.cannVersion);
  const backend = new ProgramBackend({
    name: NAME,
    execution: executionOf(set),
    device: seat ? `${described}; rank ${seat.collective.rank} of ${seat.collective.ranks} (HCCL, ${set.dir})` : described,
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
      seat?.release();
    },
    ...(seat ? {} : { openRanks: (worldSize: number) => openRanks(set, worldSize) }),
  });
}

/** openRanks(N): N backends joined by one HCCL communicator (hccl-ranks.ts says where N > 1 runs). */
async function openRanks(set: AclLibrarySet, worldSize: number): Promise<AscendBackend[]> {
  const npus = set.source === 'emulator' ? 0 : visibleNpus(set);
  const devices = hcclRankDevices(NAME, worldSize, set.source === 'emulator', npus);
  const runtimes = devices.map((d) => openRuntimeAt(set, d));
  const group = openHcclRanks(runtimes[0]!.acl, runtimes.map((r) => r.stream));
  let open_ = worldSize;
  const release = () => {
    if (--open_ === 0) group.destroy();
  };
  const ranks: AscendBackend[] = [];
  for (const [r, runtime] of runtimes.entries()) ranks.push(await open(undefined, { runtime, collective: group.ranks[r]!, release }));
  return ranks;
}

/** The NPUs CANN sees (aclrtGetDeviceCount). */
function visibleNpus(set: AclLibrarySet): number {
  const acl = bindAcl(set);
  initialiseAcl(acl);
  const count = new Uint32Array(1);
  return Number(acl.fn['aclrtGetDeviceCount']!(count)) === 0 ? count[0]! : 0;
}

export const plugin: Omit<BackendPlugin, 'open'> & { open(options?: OpenOptions): Promise<AscendBackend> } = {
  name: NAME,
  apiVersion: PLUGIN_API_VERSION,
  description: 'Huawei Ascend 910 / 910B (CANN aclnn through koffi); on hosts without CANN, the emulator with the same C ABI',
  probe,
  open,
};

export default plugin;
