/**
 * openRanks(N) of the SIMT family (cuda, rocm-dcu): N backends of one process joined by a native
 * collective group (backends/simt/native/collectives/), each planning its all-reduce records into
 * that group as its rank.
 *
 * Why ranks live in one process, run in turns on the JS thread, rather than in worker threads or
 * child processes: the addon holds one device per process (backends/program/native/device.h: one
 * stream, one error flag, `static` state in its libraries), so worker threads — which load the same
 * addon instance into one process — would share that device, not get one each; and NCCL's in-process
 * unique-id exchange needs no transport between processes. Each rank's program runs until a collective
 * waits for its peers (ProgramAddon.runFrom), and the event loop gives the other ranks their turn.
 * - Emulated builds: every rank shares the emulated device (host memory); any N.
 * - Hardware: one rank per GPU, so N above the device count is refused naming both. With the one
 *   device context per process, N = 1 is what runs (NCCL with one rank, ncclAllReduce on the device's
 *   stream, captured with the decode step); N > 1 GPUs in one process needs a device context per rank
 *   and is refused with that reason.
 */
import { GlmError } from '../../core/backend-api/plugin-api.js';
import type { CollectiveRank } from './plan-options.js';
import type { SimtAddon } from './simt-addon.js';

/** What openRanks needs of the addon beyond the family's surface (simt_addon.h exports it). */
export interface CollectiveAddon extends SimtAddon {
  readonly emulated: boolean;
  deviceCount(): number;
  collectiveOpen(devices: readonly number[]): number;
  collectiveClose(group: number): void;
  collectiveAbort(group: number, why: string): void;
  collectiveLibrary(): string;
}

/** A rank's place: its device and its seat in the group. */
export interface RankSeat {
  readonly deviceIndex: number;
  readonly collective: CollectiveRank;
  /** The collective in words, for the backend's device string. */
  readonly library: string;
  /** Call when the rank fails: its peers stop waiting. */
  abort(why: string): void;
  /** Call when the rank closes: the last one closes the group. */
  release(): void;
}

/** The devices of N ranks, or the reason N cannot run here. */
function rankDevices(backend: string, addon: CollectiveAddon, worldSize: number): number[] {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new GlmError('usage', `a tensor-parallel group needs a positive integer of ranks, got ${worldSize}`);
  if (addon.emulated) return new Array<number>(worldSize).fill(0);
  const count = addon.deviceCount();
  if (worldSize > count) throw new GlmError('unsupported', `${backend}: ${worldSize} tensor-parallel ranks need ${worldSize} GPUs (one rank per GPU); this machine has ${count}`);
  if (worldSize > 1) {
    throw new GlmError('unsupported', `${backend}: ${worldSize} GPU ranks in one process need a device context per rank, and the addon holds one device per process; 1 rank runs (NCCL with one rank)`);
  }
  return Array.from({ length: worldSize }, (_, r) => r);
}

/** Opens the group and gives each rank its seat. */
export function seatRanks(backend: string, addon: CollectiveAddon, worldSize: number): RankSeat[] {
  const devices = rankDevices(backend, addon, worldSize);
  let group: number;
  let library: string;
  try {
    group = addon.collectiveOpen(devices);
    library = addon.collectiveLibrary();
  } catch (e) {
    throw new GlmError('backend', `${backend}: opening a collective group of ${worldSize} ranks failed: ${(e as Error).message}`);
  }
  let open = worldSize;
  return devices.map((deviceIndex, rank) => ({
    deviceIndex,
    collective: { group, rank, worldSize },
    library,
    abort: (why) => addon.collectiveAbort(group, `rank ${rank}: ${why}`),
    release: () => {
      if (--open === 0) addon.collectiveClose(group);
    },
  }));
}
