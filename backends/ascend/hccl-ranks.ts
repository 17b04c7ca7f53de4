/**
 * openRanks(N) of ascend: one HCCL communicator for N ranks of this process, made from one root info
 * (HcclGetRootInfo, then HcclCommInitRootInfo per rank: the root info is exchanged in-process), and
 * each rank's all-reduce issued with HcclAllReduce on its own stream (launchers/collective.ts).
 *
 * Where N > 1 runs: on the emulator, whose HCCL (emulator/hccl/hccl.cpp) lets the ranks' programs run
 * in turns on one thread (HCCL_E_AGAIN until every rank has arrived) and whose ranks share its device
 * 0, each with a stream of its own. On CANN, N is checked against the NPUs, and N > 1 is refused:
 * CANN's current device is per thread and HcclCommInitRootInfo blocks until every rank has joined, so
 * one thread cannot host several NPU ranks (that needs a thread or process per rank).
 */
import { GlmError } from '../../core/backend-api/plugin-api.js';
import { HCCL_ROOT_INFO_BYTES, ACL_ENUMS } from './acl/abi.js';
import type { AclBinding } from './acl/binding.js';
import type { HcclRank } from './launchers/hccl-rank.js';
import { ACL_DTYPE } from './launch-codes.js';

/** hccl_types.h HcclResult values this SDK names. */
const HCCL_RESULTS: Readonly<Record<number, string>> = {
  1: 'HCCL_E_PARA',
  2: 'HCCL_E_PTR',
  3: 'HCCL_E_MEMORY',
  4: 'HCCL_E_INTERNAL',
  5: 'HCCL_E_NOT_SUPPORT',
  7: 'HCCL_E_UNAVAIL',
  9: 'HCCL_E_TIMEOUT',
  20: 'HCCL_E_AGAIN',
};
const HCCL_E_AGAIN = 20;

const HCCL_DTYPE = ACL_ENUMS['HcclDataType']!;
const HCCL_OF_ACL: Readonly<Record<number, number>> = {
  [ACL_DTYPE.f32]: HCCL_DTYPE['HCCL_DATA_TYPE_FP32']!,
  [ACL_DTYPE.f16]: HCCL_DTYPE['HCCL_DATA_TYPE_FP16']!,
  [ACL_DTYPE.bf16]: HCCL_DTYPE['HCCL_DATA_TYPE_BFP16']!,
};
const SUM = ACL_ENUMS['HcclReduceOp']!['HCCL_REDUCE_SUM']!;

function check(call: string, status: unknown): void {
  const code = Number(status);
  if (code !== 0) throw new GlmError('backend', `${call} failed: ${HCCL_RESULTS[code] ?? 'HcclResult'} (${code})`);
}

/** The ranks' device indices, or the reason N cannot run here. */
export function hcclRankDevices(backend: string, worldSize: number, emulator: boolean, npus: number): number[] {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new GlmError('usage', `a tensor-parallel group needs a positive integer of ranks, got ${worldSize}`);
  if (emulator) return new Array<number>(worldSize).fill(0);
  if (worldSize > npus) throw new GlmError('unsupported', `${backend}: ${worldSize} tensor-parallel ranks need ${worldSize} NPUs (one rank per NPU); this machine has ${npus}`);
  if (worldSize > 1) throw new GlmError('unsupported', `${backend}: ${worldSize} NPU ranks in one thread are not possible with CANN (a current device per thread; HcclCommInitRootInfo waits for every rank)`);
  return [0];
}

/** One communicator of `streams.length` ranks: rank r issues on streams[r]. */
export function openHcclRanks(acl: AclBinding, streams: readonly (bigint | number)[]): { ranks: HcclRank[]; destroy(): void } {
  for (const name of ['HcclGetRootInfo', 'HcclCommInitRootInfo', 'HcclAllReduce', 'HcclCommDestroy']) {
    if (acl.missing.has(name)) throw new GlmError('backend', `HCCL is not available: ${name} ${acl.missing.get(name)}`);
  }
  const root = Buffer.alloc(HCCL_ROOT_INFO_BYTES);
  check('HcclGetRootInfo', acl.fn['HcclGetRootInfo']!(root));
  const comms = streams.map((_, rank) => {
    const out = new BigUint64Array(1);
    check(`HcclCommInitRootInfo (rank ${rank} of ${streams.length})`, acl.fn['HcclCommInitRootInfo']!(streams.length, root, rank, out));
    return out[0]!;
  });
  const ranks = comms.map(
    (comm, rank): HcclRank => ({
      rank,
      ranks: streams.length,
      allReduce(send, recv, count, dtype) {
        const hcclType = HCCL_OF_ACL[dtype];
        if (hcclType === undefined) throw new GlmError('unsupported', `HcclAllReduce of ACL dtype ${dtype} (fp32, fp16 and bf16 are summed)`);
        const status = Number(acl.fn['HcclAllReduce']!(send, recv, count, hcclType, SUM, comm, streams[rank]!));
        if (status === HCCL_E_AGAIN) return 'again';
        check(`HcclAllReduce (rank ${rank})`, status);
        return 'done';
      },
    }),
  );
  return { ranks, destroy: () => comms.forEach((c) => check('HcclCommDestroy', acl.fn['HcclCommDestroy']!(c))) };
}
