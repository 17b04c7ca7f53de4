/**
 * fp32 products on the original 910, exactly. Its Cube has no fp32 mode: aclnnMatmul rejects fp32
 * with cubeMathType 0 and computes it in fp16 with 1, which would silently lose 13 bits. So the
 * product goes to the vector unit: Mul broadcasts a [..., M, 1, K] against b [..., 1, N, K] into an
 * fp32 scratch of terms, ReduceSum adds each row of K terms in fp32 — the Cube's own accumulation —
 * and the output is written. The scratch is bounded (AscendPlanOptions.exactProductChunk terms):
 * rows and columns are taken in chunks, two calls per chunk.
 */
import { countOf, rowMajorStrides } from '../../program/locations.js';
import { ACL_DTYPE } from '../launch-codes.js';
import { emitOp, reshaped, viewAs, type AclView } from './aclnn-record.js';
import type { AscendStep } from './ascend-lowering.js';

/** Batch dims of the product (numpy broadcasting of a's and b's leading dims). */
function batchOf(a: AclView, b: AclView): number[] {
  const x = a.shape.slice(0, -2);
  const y = b.shape.slice(0, -2);
  const rank = Math.max(x.length, y.length);
  return Array.from({ length: rank }, (_, i) => {
    const p = x[i - (rank - x.length)] ?? 1;
    const q = y[i - (rank - y.length)] ?? 1;
    return p === 1 ? q : p;
  });
}

/** `v` ([..., R, C]) restricted to rows [r0, r0 + rows) and columns [c0, c0 + cols). */
function block(v: AclView, r0: number, rows: number, c0: number, cols: number): AclView {
  const r = v.shape.length;
  const offset = v.elemOffset + r0 * v.strides[r - 2]! + c0 * v.strides[r - 1]!;
  return reshaped(v, [...v.shape.slice(0, r - 2), rows, cols], v.strides, offset);
}

/** [..., R, C] seen as [..., R, 1, C] (insertAt 2 from the end) or [..., 1, R, C] (3 from the end). */
function withUnitDim(v: AclView, fromEnd: 2 | 3): AclView {
  const at = v.shape.length - fromEnd + 1;
  return reshaped(v, [...v.shape.slice(0, at), 1, ...v.shape.slice(at)], [...v.strides.slice(0, at), 0, ...v.strides.slice(at)]);
}

/** out = a · b exactly in fp32: a [..., M, K], b [..., K, N] (any strides), out [..., M, N]. */
export function emitExactProduct(ctx: AscendStep, a: AclView, b: AclView, out: AclView): void {
  const r = a.shape.length;
  const [m, k] = [a.shape[r - 2]!, a.shape[r - 1]!];
  const n = b.shape[b.shape.length - 1]!;
  const batch = countOf(batchOf(a, b));
  const limit = ctx.options.exactProductChunk;
  const cols = Math.max(1, Math.min(n, Math.floor(limit / Math.max(1, batch * k))));
  const rows = Math.max(1, Math.min(m, Math.floor(limit / Math.max(1, batch * cols * k))));
  // b as [..., N, K]: the terms of one output element lie along the last dim.
  const bNK = reshaped(b, [...b.shape.slice(0, -2), n, b.shape[b.shape.length - 2]!], [...b.strides.slice(0, -2), b.strides.at(-1)!, b.strides.at(-2)!]);
  const scratch = ctx.temp('f32', [batch * rows * cols * k]);
  for (let r0 = 0; r0 < m; r0 += rows) {
    const mr = Math.min(rows, m - r0);
    for (let c0 = 0; c0 < n; c0 += cols) {
      const nc = Math.min(cols, n - c0);
      const termsShape = [...batchOf(a, b), mr, nc, k];
      const terms = viewAs(scratch, ACL_DTYPE.f32, termsShape, rowMajorStrides(termsShape));
      emitOp(ctx, 'Mul', [withUnitDim(block(a, r0, mr, 0, k), 2), withUnitDim(block(bNK, c0, nc, 0, k), 3), terms]);
      emitOp(ctx, 'ReduceSum', [terms, [-1], false, ACL_DTYPE.f32, block(out, r0, mr, c0, nc)]);
    }
  }
}
