/** Copies of sub-blocks along one axis: the common core of split, slice and concat. */
export function axisGeometry(shape: readonly number[], axis: number): { outer: number; length: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  return { outer, length: shape[axis]!, inner };
}

/** Copy `count` positions of the axis from src (starting at srcStart) into dst (starting at dstStart). */
export function copyAxisRange(
  src: Float64Array, srcLength: number, srcStart: number,
  dst: Float64Array, dstLength: number, dstStart: number,
  outer: number, inner: number, count: number,
): void {
  for (let o = 0; o < outer; o++) {
    const from = (o * srcLength + srcStart) * inner;
    const to = (o * dstLength + dstStart) * inner;
    dst.set(src.subarray(from, from + count * inner), to);
  }
}
