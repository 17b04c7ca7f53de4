/**
 * A rank's side of HCCL as the launchers see it (the device holds it; hccl-ranks.ts makes it) and the
 * stop a launcher signals while the other ranks have not reached a collective. Its own file so that
 * the launcher's environment (launcher.ts) and the allReduce launcher (collective.ts) need not import
 * each other.
 */

/** A rank's side of HCCL: sum `count` elements of ACL dtype `dtype` from `send` into `recv`. */
export interface HcclRank {
  readonly rank: number;
  readonly ranks: number;
  /** 'again': the other ranks have not arrived yet (the emulator's HCCL_E_AGAIN); call again later. */
  allReduce(send: number, recv: number, count: number, dtype: number): 'done' | 'again';
}

/** Thrown by the launcher when the collective waits for other ranks: the run stops at this record. */
export class PeersNotReady extends Error {
  constructor() {
    super('the other ranks have not reached this all-reduce yet');
  }
}
