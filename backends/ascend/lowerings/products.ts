/**
 * matmul and linear. Half-precision products go to the Cube (aclnnMatmul: torch.matmul shapes with
 * broadcast batches; aclnnAddmm when linear has a bias), the weight read through its transposed view
 * ([N, K] storage seen as (K, N): strides swapped, no copy). fp32 products: on A2/A3 the Cube keeps
 * fp32 (cubeMathType 0); the original 910's Cube has no fp32 mode — cubeMathType 1 would compute them
 * in fp16 — so there they take an exact path on the vector unit (exact-product.ts). Quantized
 * weights: WeightQuantBatchMatmulV2 on A2/A3 (quantized-linear.ts), dequantize + product elsewhere.
 */
import { countOf, type Loc } from '../../program/locations.js';
import { CUBE_KEEP_DTYPE, ACL_DTYPE } from '../launch-codes.js';
import { emitOp, scalar, transposedLast, view, type AclView } from './aclnn-record.js';
import type { AscendLowering, AscendStep } from './ascend-lowering.js';
import { emitDequantize } from './dequantize.js';
import { emitExactProduct } from './exact-product.js';
import { emitQuantizedLinear, quantizedLinearFits } from './quantized-linear.js';

/** The original 910 computes fp32 Cube products in fp16: fp32 products take the exact path there. */
function cubeKeepsDtype(ctx: AscendStep, dtype: string): boolean {
  return dtype !== 'f32' || ctx.options.generation !== 'original910';
}

/** out = a · b (b as (…, K, N)), with `bias` [N] added when given. */
export function emitProduct(ctx: AscendStep, a: AclView, b: AclView, out: Loc, bias: Loc | null): void {
  if (!cubeKeepsDtype(ctx, out.dtype)) {
    emitExactProduct(ctx, a, b, view(out));
    if (bias) emitOp(ctx, 'Add', [view(out), view(bias), scalar(1, ACL_DTYPE.f32), view(out)]);
    return;
  }
  if (bias) emitOp(ctx, 'Addmm', [view(bias), a, b, scalar(1, ACL_DTYPE.f32), scalar(1, ACL_DTYPE.f32), view(out), CUBE_KEEP_DTYPE]);
  else emitOp(ctx, 'Matmul', [a, b, view(out), CUBE_KEEP_DTYPE]);
}

export const matmul: AscendLowering = (ctx) => {
  const a = view(ctx.input(0)!);
  const b = view(ctx.input(1)!);
  const out = ctx.output(0);
  if (countOf(out.shape) === 0) return;
  emitProduct(ctx, a, ctx.node.attrs['transposeB'] === true ? transposedLast(b) : b, out, null);
};

/** x [..., K] as the matrix [rows, K] (contiguous rows merge; a strided x is copied first). */
function rowsOf(ctx: AscendStep, x: Loc): Loc {
  const c = ctx.contiguous(x);
  const k = c.shape[c.shape.length - 1]!;
  const rows = countOf(c.shape) / k;
  return { ...c, shape: [rows, k], strides: [k, 1] };
}

export const linear: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  const w = ctx.input(1)!;
  const bias = ctx.input(2);
  const scale = ctx.input(3);
  const [n, k] = w.shape as [number, number];
  if (countOf(out.shape) === 0 || k === 0) return;
  const x = rowsOf(ctx, ctx.input(0)!);
  const y: Loc = { ...out, shape: [x.shape[0]!, n], strides: [n, 1] };
  if (scale && quantizedLinearFits(ctx.options.generation, x.dtype, k)) {
    emitQuantizedLinear(ctx, x, w, ctx.contiguous(scale), bias, y);
    return;
  }
  const weight = scale ? emitDequantize(ctx, w, ctx.contiguous(scale), x.dtype) : w;
  emitProduct(ctx, view(x), transposedLast(view(weight)), y, bias);
};
