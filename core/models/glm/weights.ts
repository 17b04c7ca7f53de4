/** Model weights: seeded random ones for tests and the default, checks of loaded ones against the layout. */
import { GlmError } from '../../errors.js';
import type { DType } from '../../tensor/dtype.js';
import { fromFloat64, toFloat64, type HostTensor } from '../../tensor/host-tensor.js';
import { Rng } from '../../random/rng.js';
import { quantizeRows } from '../../passes/quantize-weights.js';
import type { GlmConfig } from './config.js';
import { weightSpecs, type WeightQuantization, type WeightSpec } from './weights-layout.js';
import { firstNonFinite, nonFiniteWord } from './weights-finite.js';

export type Weights = ReadonlyMap<string, HostTensor>;

/**
 * Deterministic random weights: matrices N(0, 0.02²) (the release's init std), LayerNorm weights
 * 1 + N(0, 0.1²) and biases N(0, 0.02²) — not the trivial ones/zeros, so every term of the math is exercised.
 */
export function randomWeights(c: GlmConfig, dtype: DType, seed: number): Map<string, HostTensor> {
  const rng = new Rng(seed);
  const weights = new Map<string, HostTensor>();
  for (const spec of weightSpecs(c, dtype)) {
    const count = spec.shape.reduce((p, d) => p * d, 1);
    const values = new Float64Array(count);
    const std = spec.init === 'normal' ? 0.02 : spec.init === 'ones' ? 0.1 : 0.02;
    const mean = spec.init === 'ones' ? 1 : 0;
    for (let i = 0; i < count; i++) values[i] = mean + std * rng.normal();
    weights.set(spec.name, fromFloat64(dtype, spec.shape, values));
  }
  return weights;
}

/** Quantize the four Linear weights of every block (adds `<name>.weight_scale`). */
export function quantizeWeights(c: GlmConfig, weights: Weights, quantization: Exclude<WeightQuantization, 'none'>, scaleDtype: DType): Map<string, HostTensor> {
  const out = new Map(weights);
  // The quantized weights are those the layout gives a scale: the four Linear layers of each block, in every family's names.
  for (const spec of weightSpecs(c, scaleDtype, quantization)) {
    if (!spec.name.endsWith('.weight_scale')) continue;
    const name = spec.name.slice(0, -'_scale'.length);
    const { q, scale } = quantizeRows(weights.get(name)!, quantization === 'int8' ? 8 : 4, scaleDtype);
    out.set(name, q);
    out.set(spec.name, scale);
  }
  return out;
}

/**
 * Check loaded weights against the layout and convert float tensors to the run dtype. Missing,
 * misshapen, non-finite or unexpected tensors are errors that name the tensor.
 */
export function prepareWeights(c: GlmConfig, weights: Weights, dtype: DType, quantization: WeightQuantization, source: string): Map<string, HostTensor> {
  const specs = weightSpecs(c, dtype, quantization);
  const expected = new Set(specs.map((s) => s.name));
  for (const name of weights.keys()) {
    if (!expected.has(name)) throw new GlmError('input', `${source}: unexpected tensor "${name}" for a ${c.name} model`);
  }
  const out = new Map<string, HostTensor>();
  for (const spec of specs) {
    const t = weights.get(spec.name);
    if (!t) throw new GlmError('input', `${source}: tensor "${spec.name}" is missing`);
    checkWeightKind(spec, t, source);
    out.set(spec.name, finiteInRunDtype(spec, t, dtype, source));
  }
  return out;
}

/** Shape and dtype of a tensor (or of its header entry) against its spec. */
export function checkWeightKind(spec: WeightSpec, t: Pick<HostTensor, 'shape' | 'dtype'>, source: string): void {
  if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
    throw new GlmError('input', `${source}: tensor "${spec.name}" has shape [${t.shape}], expected [${spec.shape}]`);
  }
  const integer = spec.dtype === 'i8' || spec.dtype === 'i4';
  if (integer && t.dtype !== spec.dtype) throw new GlmError('input', `${source}: tensor "${spec.name}" is ${t.dtype}, expected ${spec.dtype}`);
  if (!integer && t.dtype !== 'f32' && t.dtype !== 'f16' && t.dtype !== 'bf16') {
    throw new GlmError('input', `${source}: tensor "${spec.name}" is ${t.dtype}, expected a float dtype`);
  }
}

/** Refuse NaN/Inf (naming the tensor and the element), then convert a float tensor to the run dtype. */
export function finiteInRunDtype(spec: WeightSpec, t: HostTensor, dtype: DType, source: string): HostTensor {
  const bad = firstNonFinite(t);
  if (bad >= 0) {
    const at = spec.shape.length === 2 ? `[${Math.floor(bad / spec.shape[1]!)}, ${bad % spec.shape[1]!}]` : `[${bad}]`;
    throw new GlmError('input', `${source}: tensor "${spec.name}" holds ${nonFiniteWord(t, bad)} at ${at} (weights must be finite)`);
  }
  const integer = spec.dtype === 'i8' || spec.dtype === 'i4';
  return integer || t.dtype === dtype ? t : fromFloat64(dtype, t.shape, toFloat64(t));
}
