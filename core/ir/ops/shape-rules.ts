/** Shape rules shared by several ops. */
import { dimsEqual, formatShape, type Dim, type Shape } from '../dim.js';
import type { TensorType } from '../graph.js';
import { typeFail } from '../op-definition.js';

/** numpy broadcasting: align from the right; a static 1 stretches. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (dimsEqual(x, y) || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else typeFail(`shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
  }
  return out;
}

export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) typeFail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function sameDtype(a: TensorType, b: TensorType, what: string): void {
  if (a.dtype !== b.dtype) typeFail(`${what}: dtypes differ (${a.dtype} vs ${b.dtype})`);
}

export function requireRank(t: TensorType, rank: number, what: string): void {
  if (t.shape.length !== rank) typeFail(`${what} must have rank ${rank}, got ${formatShape(t.shape)}`);
}

export function requireDim(actual: Dim, expected: Dim, what: string): void {
  if (!dimsEqual(actual, expected)) typeFail(`${what}: expected ${expected}, got ${actual}`);
}

/** Shorthand for the single input of element-wise ops. */
export function only<T>(types: readonly (T | null)[]): T {
  return types[0]!;
}
