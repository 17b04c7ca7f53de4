/**
 * openRanks(N) of the SIMT family (cuda, rocm-dcu): N backends of one process joined by a native
 * collective group (backends/simt/native/collectives/), each planning its all-reduce records into
 * that group as its rank, rank r on device ordinal r.
 *
 * The addon holds a context per device ordinal (backends/program/native/device.h: select — stream,
 * error flag, allocations, events, BLAS handle, recorded steps), and each rank's backend selects its
 * own on entry to every call (rank-device.ts). The ranks run in turns on the JS thread: a rank's
 * program runs until a collective waits for its peers (ProgramAddon.runFrom), the event loop gives the
 * other ranks their turn, and the last to arrive completes the collective for all. Why one thread, not
 * worker threads or child processes: workers of one process share the loaded addon (its contexts and
 * the emulator's statics), so they would race rather than gain; processes would need every graph,
 * buffer and run to cross a process boundary and NCCL's unique id a transport.
 * - Emulated builds: each rank an emulated device of its own (a context on host memory); any N.
 * - Hardware: one rank per GPU, N above the device count refused naming both. N = 1: ncclAllReduce on
 *   the device's stream, captured with the decode step (CUDA Graphs). N > 1: the last rank to reach an
 *   all-reduce issues every rank's ncclAllReduce in one ncclGroupStart/End (one thread, several GPUs),
 *   and the ranks run uncaptured: a rank's step is one addon call, and the N captures would have to
 *   stay open across the other ranks' calls, with the grouped collective spanning them.
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
  if (!addon.emulated) {
    const count = addon.deviceCount();
    if (worldSize > count) throw new GlmError('unsupported', `${backend}: ${worldSize} tensor-parallel ranks need ${worldSize} GPUs (one rank per GPU); this machine has ${count}`);
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
