/**
 * Lowerings that only re-describe a value — a new shape, strides and offset over the same storage —
 * and the views by which a consumer hosts an input inside its output. They read the IR's attributes
 * (shape, perm, axis, sizes, start, end) and emit nothing themselves: an alias that must land elsewhere
 * (a graph output) becomes the family's copy. Every family whose ops read strided views uses them
 * instead of writing them again.
 */
import type { GraphNode } from '../../core/backend-api/plugin-api.js';
import { isContiguous, normalizeAxis, rowMajorStrides, withShape, type Loc } from './locations.js';
import type { PlanOptions, StepContext } from './lowering-context.js';

/** The same elements in a new row-major shape (copied first when the input is not contiguous). */
export function reshapeView<O extends PlanOptions>(ctx: StepContext<O>): void {
  const x = ctx.input(0)!;
  const shape = ctx.resolve(ctx.node.attrs['shape'] as readonly (number | string)[]);
  const source = isContiguous(x) ? x : ctx.contiguous(x);
  ctx.alias(0, withShape(source, shape, rowMajorStrides(shape)));
}

/** The input read through permuted strides, unless its producer already wrote it into place. */
export function transposeView<O extends PlanOptions>(ctx: StepContext<O>): void {
  if (ctx.writtenByPlacement(0)) {
    ctx.output(0);
    return;
  }
  const x = ctx.input(0)!;
  const perm = ctx.node.attrs['perm'] as readonly number[];
  ctx.alias(0, withShape(x, perm.map((p) => x.shape[p]!), perm.map((p) => x.strides[p]!)));
}

/** Consecutive ranges of one axis. */
export function splitView<O extends PlanOptions>(ctx: StepContext<O>): void {
  const x = ctx.input(0)!;
  const axis = normalizeAxis(ctx.node.attrs['axis'] as number, x.shape.length);
  const sizes = ctx.node.attrs['sizes'] as readonly number[];
  let start = 0;
  sizes.forEach((size, k) => {
    const shape = x.shape.map((d, i) => (i === axis ? size : d));
    ctx.alias(k, withShape(x, shape, x.strides, x.elemOffset + start * x.strides[axis]!));
    start += size;
  });
}

/** One range of one axis; start and end clamp like Python's, negative counting from the end. */
export function sliceView<O extends PlanOptions>(ctx: StepContext<O>): void {
  const x = ctx.input(0)!;
  const axis = normalizeAxis(ctx.node.attrs['axis'] as number, x.shape.length);
  const length = x.shape[axis]!;
  const clamp = (i: number) => Math.min(length, Math.max(0, i < 0 ? i + length : i));
  const start = clamp(ctx.node.attrs['start'] as number);
  const end = clamp((ctx.node.attrs['end'] as number | undefined) ?? 2 ** 31 - 1);
  const count = Math.max(0, end - start);
  ctx.alias(0, withShape(x, x.shape.map((d, i) => (i === axis ? count : d)), x.strides, x.elemOffset + start * x.strides[axis]!));
}

/** A part of a concatenation lies at its offset along the axis (a value given twice has no single place). */
export function concatPartView(host: GraphNode, value: number, out: Loc, shapeOf: (value: number) => readonly number[]): Loc | null {
  if (host.inputs.filter((x) => x === value).length !== 1) return null;
  const axis = normalizeAxis(host.attrs['axis'] as number, out.shape.length);
  let start = 0;
  for (const part of host.inputs) {
    if (part === value) break;
    start += shapeOf(part!)[axis]!;
  }
  return withShape(out, shapeOf(value), out.strides, out.elemOffset + start * out.strides[axis]!);
}

/** A permutation's input is its output read through the inverse permutation. */
export function transposedView(host: GraphNode, value: number, out: Loc, shapeOf: (value: number) => readonly number[]): Loc {
  const perm = host.attrs['perm'] as readonly number[];
  const strides = new Array<number>(perm.length);
  perm.forEach((p, j) => (strides[p] = out.strides[j]!));
  return withShape(out, shapeOf(value), strides, out.elemOffset);
}
