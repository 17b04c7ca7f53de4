import type { RefKernel } from './kernel.js';
import { rounded } from '../ref-tensor.js';

/** cos and sin of the rotary angles for one position, emb = concat(θ, θ), θᵢ = pos · base^(−2i/dim). */
export function rotaryAngles(position: number, dim: number, base: number): Float64Array {
  const emb = new Float64Array(dim);
  const half = dim / 2;
  for (let i = 0; i < half; i++) {
    const theta = position * base ** ((-2 * i) / dim);
    emb[i] = theta;
    emb[i + half] = theta;
  }
  return emb;
}

export const rotaryTable: RefKernel = ([positions], attrs) => {
  const dim = attrs['dim'] as number;
  const base = attrs['base'] as number;
  const [b, s] = positions!.shape as [number, number];
  const cos = new Float64Array(b * s * dim);
  const sin = new Float64Array(b * s * dim);
  for (let t = 0; t < b * s; t++) {
    const emb = rotaryAngles(positions!.values[t]!, dim, base);
    for (let i = 0; i < dim; i++) {
      cos[t * dim + i] = Math.cos(emb[i]!);
      sin[t * dim + i] = Math.sin(emb[i]!);
    }
  }
  return [rounded('f32', [b, 1, s, dim], cos), rounded('f32', [b, 1, s, dim], sin)];
};
