/**
 * Weight-only quantized linear layers on A2/A3: aclnnWeightQuantBatchMatmulV2, y = x · (w · scale) +
 * bias with one scale per output column (antiquantGroupSize 0), the [N, K] weight read through its
 * transposed (K, N) view. Its k and n must lie in [1, 65535], so the output columns go in chunks of
 * at most 65535 (GLM-130B's 65536-wide up-projection: two calls), each chunk written to scratch and
 * copied into its columns. INT4: CANN reads element 2i from the LOW nibble, GLM packs it in the HIGH
 * one, so the weight's pairs come out swapped; swapping x's input features pairwise (two strided
 * copies) is the same permutation, so x' · w' = x · w and the weight is used as stored.
 */
import type { DType } from '../../../core/backend-api/plugin-api.js';
import { withShape, type Loc } from '../../program/locations.js';
import type { SocGeneration } from '../soc.js';
import { emitOp, reshaped, transposedLast, view, type AclView } from './aclnn-record.js';
import type { AscendStep } from './ascend-lowering.js';
import { emitCopy } from './copy.js';

/** WeightQuantBatchMatmulV2's bound on k and on n per call. */
export const WQBMM_MAX_DIM = 65535;

/** WQBMM exists on A2/A3, takes fp16/bf16 activations and k ≤ 65535 (n is chunked). */
export function quantizedLinearFits(generation: SocGeneration, dtype: DType, k: number): boolean {
  return generation !== 'original910' && (dtype === 'f16' || dtype === 'bf16') && k <= WQBMM_MAX_DIM;
}

/** x [m, k] with every pair of input features swapped, into scratch. */
function pairSwapped(ctx: AscendStep, x: Loc): Loc {
  const [m, k] = x.shape as [number, number];
  const swapped = ctx.temp(x.dtype, [m, k]);
  const half = (loc: Loc, c0: number) => withShape(loc, [m, k / 2], [loc.strides[0]!, 2], loc.elemOffset + c0);
  emitCopy(ctx, half(x, 1), half(swapped, 0));
  emitCopy(ctx, half(x, 0), half(swapped, 1));
  return swapped;
}

function columns(v: AclView, c0: number, count: number): AclView {
  const r = v.shape.length;
  return reshaped(v, [...v.shape.slice(0, r - 1), count], v.strides, v.elemOffset + c0 * v.strides[r - 1]!);
}

export function emitQuantizedLinear(ctx: AscendStep, x: Loc, w: Loc, scale: Loc, bias: Loc | null, y: Loc): void {
  const [n] = w.shape as [number, number];
  const m = x.shape[0]!;
  const input = w.dtype === 'i4' ? pairSwapped(ctx, x) : x;
  const weight = transposedLast(view(w));
  for (let c0 = 0; c0 < n; c0 += WQBMM_MAX_DIM) {
    const count = Math.min(WQBMM_MAX_DIM, n - c0);
    const whole = count === n;
    const out = whole ? y : ctx.temp(y.dtype, [m, count]);
    emitOp(ctx, 'WeightQuantBatchMatmulV2', [
      view(input), columns(weight, c0, count), columns(view(scale), c0, count), null, null, null,
      bias ? columns(view(bias), c0, count) : null, 0, view(out),
    ]);
    if (!whole) emitCopy(ctx, out, withShape(y, [m, count], y.strides, y.elemOffset + c0));
  }
}
