/**
 * Weight-only quantization of the release: for the four Linear weights of each block, one scale
 * per output row s = max|W_row| / (2^(b−1) − 1), q = round(W / s). Embeddings, LayerNorms and
 * biases stay in the model dtype.
 */
import type { DType } from '../tensor/dtype.js';
import type { GlmConfig } from '../models/glm/config.js';
import { weightSpecs } from '../models/glm/weights-layout.js';
import { fromFloat64, toFloat64, type HostTensor } from '../tensor/host-tensor.js';
import { roundHalfEven } from '../tensor/float16.js';

export function quantizeRows(weight: HostTensor, bits: 8 | 4, scaleDtype: DType): { q: HostTensor; scale: HostTensor } {
  const [rows, columns] = weight.shape as [number, number];
  const w = toFloat64(weight);
  const levels = 2 ** (bits - 1) - 1;
  // The scale is rounded to its storage dtype first, so q is computed against the scale actually used.
  const rawScales = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < columns; c++) max = Math.max(max, Math.abs(w[r * columns + c]!));
    rawScales[r] = max === 0 ? 1 : max / levels;
  }
  const scale = fromFloat64(scaleDtype, [rows], rawScales);
  const s = toFloat64(scale);
  const q = new Float64Array(rows * columns);
  for (let i = 0; i < q.length; i++) {
    const v = w[i]! / s[Math.floor(i / columns)]!;
    q[i] = Math.max(-levels, Math.min(levels, Math.sign(v) * roundHalfEven(Math.abs(v))));
  }
  return { q: fromFloat64(bits === 8 ? 'i8' : 'i4', [rows, columns], q), scale };
}

/**
 * The weights quantization applies to: those the config's layout gives a scale — the four Linear
 * weights of each block, in every family's names (the release's `transformer.layers.N.attention.…`,
 * the pre-norm family's `transformer.encoder.layers.N.self_attention.…`).
 */
export function quantizedLinearNames(c: GlmConfig): Set<string> {
  const names = new Set<string>();
  for (const spec of weightSpecs(c, 'f32', 'int8')) if (spec.name.endsWith('.weight_scale')) names.add(spec.name.slice(0, -'_scale'.length));
  return names;
}
