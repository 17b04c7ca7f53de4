/**
 * Weight-only dequantization, W = q · scale[row], as Cast + Mul on the vector unit. INT8: Cast to
 * the float type (exact) and Mul by the scale broadcast over the row. INT4 (GLM packs the even
 * element in the HIGH nibble; CANN's DT_INT4 holds element 2i in the LOW nibble):
 *  - A2/A3 read the bytes as DT_INT4, which yields each pair swapped, and the two Muls write the
 *    odd elements to the even columns and back through strided views: the repack costs no copy;
 *  - the original 910 has no DT_INT4, so the nibbles are unpacked from the bytes read as INT8 with
 *    exact fp32 arithmetic: hi = round(b/16 − 15/32) = ⌊b/16⌋ (the signed high nibble; the rounding
 *    is the fp32 add-and-subtract of 1.5·2²³), lo = b − 16·hi ∈ [0, 16), sign-extended the same way.
 */
import { countOf, rowMajorStrides, type Loc } from '../../program/locations.js';
import { ACL_DTYPE } from '../launch-codes.js';
import { emitOp, reshaped, scalar, view, viewAs, type AclView } from './aclnn-record.js';
import type { AscendLowering, AscendStep } from './ascend-lowering.js';
import type { DType } from '../../../core/backend-api/plugin-api.js';

/** Adding and subtracting 1.5·2²³ rounds an fp32 of magnitude < 2²² to the nearest integer. */
const ROUNDING = 1.5 * 2 ** 23;
const F32 = ACL_DTYPE.f32;

/** Columns c0, c0 + 2, … of a row-major [n, k] view: k/2 of them. */
function everyOther(v: AclView, c0: number): AclView {
  const [n, k] = v.shape as [number, number];
  return reshaped(v, [n, k / 2], [v.strides[0]!, 2 * v.strides[1]!], v.elemOffset + c0 * v.strides[1]!);
}

function f32Temp(ctx: AscendStep, shape: readonly number[]): AclView {
  return view(ctx.temp('f32', shape));
}

/** x rounded to the nearest integer (|x| < 2²²), in place. */
function roundInPlace(ctx: AscendStep, x: AclView): void {
  emitOp(ctx, 'Adds', [x, scalar(ROUNDING, F32), scalar(1, F32), x]);
  emitOp(ctx, 'Adds', [x, scalar(-ROUNDING, F32), scalar(1, F32), x]);
}

/** ⌊v/16⌋ for integers v of magnitude < 2²², into `out`. */
function floorDiv16(ctx: AscendStep, v: AclView, out: AclView): void {
  emitOp(ctx, 'Muls', [v, scalar(1 / 16, F32), out]);
  emitOp(ctx, 'Adds', [out, scalar(-15 / 32, F32), scalar(1, F32), out]);
  roundInPlace(ctx, out);
}

/** The 910's unpack: the signed high and low nibbles of every byte of `q` ([n, k] INT4 = [n, k/2] bytes), as fp32. */
function unpackNibbles(ctx: AscendStep, q: Loc): { high: AclView; low: AclView } {
  const [n, k] = q.shape as [number, number];
  const bytesShape = [n, k / 2];
  const bytes = viewAs(q, ACL_DTYPE.i8, bytesShape, rowMajorStrides(bytesShape), q.elemOffset);
  const b = f32Temp(ctx, bytesShape);
  emitOp(ctx, 'Cast', [bytes, F32, b]);
  const high = f32Temp(ctx, bytesShape);
  floorDiv16(ctx, b, high);
  const low = f32Temp(ctx, bytesShape);
  emitOp(ctx, 'Add', [b, high, scalar(-16, F32), low]);
  // Sign-extend: low − 16·⌊(low + 8)/16⌋.
  const carry = f32Temp(ctx, bytesShape);
  emitOp(ctx, 'Adds', [low, scalar(8, F32), scalar(1, F32), carry]);
  floorDiv16(ctx, carry, carry);
  emitOp(ctx, 'Add', [low, carry, scalar(-16, F32), low]);
  return { high, low };
}

/** The INT4 weight's elements as fp32 [n, k] pairs in GLM's order: (even, odd) columns as two views. */
function int4Columns(ctx: AscendStep, q: Loc): { even: AclView; odd: AclView } {
  if (ctx.options.generation === 'original910') {
    const { high, low } = unpackNibbles(ctx, q);
    return { even: high, odd: low };
  }
  // DT_INT4 reads element 2i from the low nibble: the bytes' pairs come out swapped.
  const swapped = f32Temp(ctx, q.shape);
  emitOp(ctx, 'Cast', [view(q), F32, swapped]);
  return { even: everyOther(swapped, 1), odd: everyOther(swapped, 0) };
}

/** W = q · scale as a [n, k] scratch matrix of `dtype`. */
export function emitDequantize(ctx: AscendStep, q: Loc, scale: Loc, dtype: DType): Loc {
  const out = ctx.temp(dtype, q.shape);
  writeDequantized(ctx, q, scale, out);
  return out;
}

function writeDequantized(ctx: AscendStep, q: Loc, scale: Loc, out: Loc): void {
  const [n] = q.shape as [number, number];
  const perRow = reshaped(view(scale), [n, 1], [scale.strides[0]!, 0]);
  if (q.dtype === 'i8') {
    const asFloat = f32Temp(ctx, q.shape);
    emitOp(ctx, 'Cast', [view(q), F32, asFloat]);
    emitOp(ctx, 'Mul', [asFloat, perRow, view(out)]);
    return;
  }
  const { even, odd } = int4Columns(ctx, q);
  emitOp(ctx, 'Mul', [even, perRow, everyOther(view(out), 0)]);
  emitOp(ctx, 'Mul', [odd, perRow, everyOther(view(out), 1)]);
}

export const dequantize: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  if (countOf(out.shape) > 0) writeDequantized(ctx, ctx.input(0)!, ctx.input(1)!, out);
};
