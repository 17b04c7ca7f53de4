/**
 * Counts the CANN calls the device makes, by kind, for the last run and per record tag, so the
 * docs and benchmarks can say what a decode step costs the host: a steady-state step should make
 * only launches (aclnnXxx), rebinds (aclSetTensorAddr) and the host steps' small copies.
 */
export type CallKind =
  /** aclnnXxxGetWorkspaceSize, aclSetAclOpExecutorRepeatable, aclDestroyAclOpExecutor. */
  | 'prepare'
  /** aclCreateTensor / Scalar / IntArray / TensorList and their destroys. */
  | 'object'
  /** aclnnXxx: the second phase that runs the op on the stream. */
  | 'launch'
  /** aclSetTensorAddr on a cached executor. */
  | 'rebind'
  /** aclrtMemcpy / aclrtMemset issued by host steps and transfers. */
  | 'transfer'
  /** aclrtSynchronizeStream. */
  | 'sync'
  /** aclrtMalloc / aclrtFree. */
  | 'memory';

export const CALL_KINDS: readonly CallKind[] = ['prepare', 'object', 'launch', 'rebind', 'transfer', 'sync', 'memory'];

export type CallCounts = Record<CallKind, number>;

function zero(): CallCounts {
  return { prepare: 0, object: 0, launch: 0, rebind: 0, transfer: 0, sync: 0, memory: 0 };
}

export class CallCounter {
  /** Since the device was opened. */
  readonly total: CallCounts = zero();
  /** The last (or current) run(). */
  lastRun: CallCounts = zero();
  /** The last run's calls per record tag (graph node index), every kind together. */
  lastRunByTag = new Map<number, number>();
  private tag = -1;

  startRun(): void {
    this.lastRun = zero();
    this.lastRunByTag = new Map();
  }

  atTag(tag: number): void {
    this.tag = tag;
  }

  count(kind: CallKind, n = 1): void {
    this.total[kind] += n;
    this.lastRun[kind] += n;
    if (this.tag >= 0) this.lastRunByTag.set(this.tag, (this.lastRunByTag.get(this.tag) ?? 0) + n);
  }

  /** Calls outside a run (transfers between runs) are not charged to a record. */
  leaveRun(): void {
    this.tag = -1;
  }
}
