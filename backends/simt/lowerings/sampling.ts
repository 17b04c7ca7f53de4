/** top-k and log-sum-exp over the last axis (on-device sampling): kernels in passes over chunks, scratch between them. */
import { dtypeCode, LOG_SUM_EXP_CHUNK, OP, TOP_K_CHUNK } from '../launch-codes.js';
import { countOf, ptrOf } from '../../program/locations.js';
import type { SimtLowering } from './simt-lowering.js';

/** Rows and row length of x [..., N]. */
function rowsOf(shape: readonly number[]): { rows: number; n: number } {
  const n = shape[shape.length - 1]!;
  return { rows: countOf(shape.slice(0, -1)), n };
}

/** Keys a top-k pass leaves for a row of `len` keys: k per chunk. */
function keysAfter(len: number, k: number): number {
  return Math.ceil(len / TOP_K_CHUNK) * k;
}

export const topK: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const values = ctx.output(0);
  const indices = ctx.output(1);
  const k = ctx.node.attrs['k'] as number;
  const { rows, n } = rowsOf(x.shape);
  if (rows === 0) return;
  // A row longer than a chunk goes through passes that alternate between two key buffers (8 bytes a key):
  // the first pass's, then the second's (native top_k_scratch_keys, checked there).
  const first = n > TOP_K_CHUNK ? keysAfter(n, k) : 0;
  const bytes = rows * (first + (first > TOP_K_CHUNK ? keysAfter(first, k) : 0)) * 8;
  const scratch = bytes > 0 ? ptrOf(ctx.scratch(bytes)) : null;
  ctx.emit(OP.topK, [dtypeCode(x.dtype), ptrOf(values), ptrOf(indices), ptrOf(x), rows, n, k, TOP_K_CHUNK, scratch, bytes]);
};

export const logSumExp: SimtLowering = (ctx) => {
  const x = ctx.contiguous(ctx.input(0)!);
  const out = ctx.output(0);
  const { rows, n } = rowsOf(x.shape);
  if (rows === 0) return;
  // (max, Σ exp) per chunk of each row, as two floats.
  const chunks = Math.ceil(n / LOG_SUM_EXP_CHUNK);
  const partial = chunks > 0 ? ptrOf(ctx.scratch(rows * chunks * 8)) : null;
  ctx.emit(OP.logSumExp, [dtypeCode(x.dtype), ptrOf(out), ptrOf(x), rows, n, LOG_SUM_EXP_CHUNK, partial]);
};
