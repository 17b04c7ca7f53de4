/**
 * The release's fp32 arithmetic on one row of logits. Sums run in float64 and results are rounded to
 * float32 (Math.fround), which is at least as accurate as torch's fp32 kernels and keeps the scores the
 * strategies compare on the same grid as the release's.
 */

/** What the release writes into filtered or banned logits: the most negative finite fp16. */
export const FILTER_VALUE = -65504;

export function softmaxF32(logits: ArrayLike<number>): Float32Array {
  const max = maxOf(logits);
  const exps = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    exps[i] = Math.exp((logits[i] as number) - max);
    sum += exps[i] as number;
  }
  const out = new Float32Array(logits.length);
  for (let i = 0; i < out.length; i++) out[i] = (exps[i] as number) / sum; // stored rounded to fp32
  return out;
}

export function logSoftmaxF32(logits: ArrayLike<number>): Float32Array {
  const max = maxOf(logits);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] as number) - max);
  const logSum = max + Math.log(sum);
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = (logits[i] as number) - logSum;
  return out;
}

/**
 * Indices of the k largest values, largest first; equal values in ascending index order so results do
 * not depend on a sort's stability. One pass with a small sorted buffer: k is tiny (a few beams) while
 * the row is the whole vocabulary.
 */
export function topKIndices(values: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  if (k <= 0) return best;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (best.length === k && v <= (values[best[k - 1] as number] as number)) continue;
    let at = best.length;
    while (at > 0 && v > (values[best[at - 1] as number] as number)) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/** Index of the largest value; the lowest index among ties (greedy decoding is then deterministic). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

function maxOf(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if ((values[i] as number) > max) max = values[i] as number;
  return max;
}
