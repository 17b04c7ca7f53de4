import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';
import { glmMayAttend } from './glm-mask-fill.js';
import { softmaxLine } from './softmax.js';
import { validLength } from './valid-length.js';

/** The release's masked-score value: masked keys get exp(−10000 − max) ≈ 0, and an all-masked row becomes uniform. */
const MASKED_SCORE = -10000;

export const attention: RefKernel = ([q, k, v, mask, length], attrs) => {
  const [batch, heads, queries, d] = q!.shape as [number, number, number, number];
  const capacity = k!.shape[2]!;
  // Keys at positions >= length (a fixed-capacity cache's unused tail) are never read.
  const keys = validLength(length, queries, capacity);
  const explicit = attrs['mask'] === 'explicit';
  const maskBatch = explicit ? mask!.shape[0]! : 1;
  const maskHeads = explicit ? mask!.shape[1]! : 1;
  const scale = 1 / Math.sqrt(d);
  const out = new Float64Array(q!.values.length);
  const scores = new Float64Array(keys);
  const probs = new Float64Array(keys);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const head = (b * heads + h) * capacity * d;
      for (let i = 0; i < queries; i++) {
        const qRow = ((b * heads + h) * queries + i) * d;
        const p = keys - queries + i;
        for (let j = 0; j < keys; j++) {
          const allowed = explicit
            ? mask!.values[(((maskBatch === 1 ? 0 : b) * maskHeads + (maskHeads === 1 ? 0 : h)) * queries + i) * capacity + j] !== 0
            : glmMayAttend(j, p, mask!.values[b]!);
          let dot = 0;
          for (let t = 0; t < d; t++) dot += q!.values[qRow + t]! * k!.values[head + j * d + t]!;
          scores[j] = allowed ? dot * scale : MASKED_SCORE;
        }
        softmaxLine(scores, probs, 0, keys, 1);
        for (let t = 0; t < d; t++) {
          let sum = 0;
          for (let j = 0; j < keys; j++) sum += probs[j]! * v!.values[head + j * d + t]!;
          out[qRow + t] = sum;
        }
      }
    }
  }
  return [rounded(q!.dtype, q!.shape, out)];
};
