/** The SIMT family's planner choices (GEMV rows, attention materialisation) and their defaults. */
import type { PlanOptions } from '../program/lowering-context.js';

export interface SimtPlanOptions extends PlanOptions {
  /** A vendor BLAS is loaded (cuBLASLt, hipBLAS): the native side routes float products to it. */
  readonly vendorBlas: boolean;
  readonly multiprocessors: number;
  /** Float linear layers with at most this many rows use the GEMV kernel rather than a GEMM. */
  readonly gemvMaxRows: number;
  /** Attention with at least this many queries materialises the scores through two GEMMs. */
  readonly attentionMaterializeFrom: number;
  /** Scores of one chunk of heads in the materialised attention (sized to stay in L2). */
  readonly attentionChunkBytes: number;
  /** The fused attention splits its keys until it has about this many blocks per multiprocessor (decode). */
  readonly attentionBlocksPerMultiprocessor: number;
  /**
   * Set on the ranks of openRanks(N): the native collective group (collectives/group.h) this backend's
   * all-reduce records join, as which rank, and its size. Absent on a single backend: an all-reduce of
   * one rank is then a view.
   */
  readonly collective?: CollectiveRank;
}

export interface CollectiveRank {
  readonly group: number;
  readonly rank: number;
  readonly worldSize: number;
}

/** A number from the environment, or `fallback` when the variable is unset, empty or not a number. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  return Number.isFinite(v) ? v : fallback;
}

/**
 * The planner's choices for a device: its multiprocessors and L2 size, a backend's default GEMV row
 * limit, and `<envPrefix>_GEMV_ROWS`, `_ATTENTION_MATERIALIZE`, `_ATTENTION_CHUNK_BYTES` and
 * `_ATTENTION_BLOCKS_PER_SM` from the environment (they exist for benchmarking variants).
 */
export function planOptionsFor(
  backend: string,
  envPrefix: string,
  device: { readonly multiprocessors: number; readonly l2Bytes: number },
  vendorBlas: boolean,
  gemvRowsDefault: number,
): SimtPlanOptions {
  return {
    backend,
    vendorBlas,
    multiprocessors: Math.max(1, device.multiprocessors),
    gemvMaxRows: Math.min(16, Math.max(0, envNumber(`${envPrefix}_GEMV_ROWS`, gemvRowsDefault))),
    attentionMaterializeFrom: Math.max(2, envNumber(`${envPrefix}_ATTENTION_MATERIALIZE`, 32)),
    // Scores of one chunk of heads sized to stay in L2 (60 % of it, between 1 and 32 MiB).
    attentionChunkBytes: envNumber(`${envPrefix}_ATTENTION_CHUNK_BYTES`, Math.max(2 ** 20, Math.min(device.l2Bytes * 0.6 || 2 ** 25, 2 ** 25))),
    attentionBlocksPerMultiprocessor: Math.min(64, Math.max(1, envNumber(`${envPrefix}_ATTENTION_BLOCKS_PER_SM`, 4))),
  };
}
