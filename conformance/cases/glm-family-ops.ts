/**
 * The ops of the ChatGLM2/3 and GLM-4 block: rms-norm, swiglu, grouped-query-attention and
 * interleaved-rope, at the real models' sizes (ChatGLM2-6B / GLM-4-9B: hidden 4096, 32 query heads,
 * 2 KV heads, head dim 128, rotary on 64 of them, FFN 13696) cut down in length where time asks, and
 * at ragged and odd sizes. Each runs as built (natively where a backend claims it) and forced through
 * its decomposition. Then the whole pre-norm block (core/models/glm/prenorm-block.ts) at test size,
 * float and INT8/INT4 weights. `glm conformance --filter glm-family` selects them all.
 */
import type { DType } from '../../core/tensor/dtype.js';
import { DTYPE_INFO } from '../../core/tensor/dtype.js';
import { fromFloat64, hostTensor, type HostTensor } from '../../core/tensor/host-tensor.js';
import { CHATGLM2_6B, headDim, kvHeads, type GlmConfig } from '../../core/models/glm/config.js';
import { buildGlmBlockGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import { prepareWeights, quantizeWeights, randomWeights } from '../../core/models/glm/weights.js';
import type { WeightQuantization } from '../../core/models/glm/weights-layout.js';
import type { Backend } from '../../core/backend-api/plugin-contract.js';
import { argmax } from '../../core/generate/logits-math.js';
import { ByteTokenizer } from '../../core/io/byte-tokenizer.js';
import { ModelSession } from '../../core/session/session.js';
import type { GenerationCase, GenerationOutcome, GraphCase } from '../case.js';
import { CaseData, seedOf } from '../seeded.js';
import { toleranceFor } from '../tolerance.js';
import { dims, FLOAT_TYPES, opCases, product } from './op-case.js';

/** The tag every id of this group carries, for --filter. */
export const GLM_FAMILY_TAG = 'glm-family';

/** Rotary angles formed in fp32 move cos/sin by |θ|·2⁻²⁴ (as attention.ts's rope cases allow), in output ε with 4× margin. */
function angleEps(maxPosition: number, dtype: DType): number {
  return (4 * maxPosition * 2 ** -24) / DTYPE_INFO[dtype].epsilon;
}

function rmsNormCases(dtype: DType): GraphCase[] {
  const shapes = [[1, 1], [3, 7], [2, 64], [1, 65], [3, 4096], [2, 5, 4096], [1, 4097]];
  return shapes.flatMap((shape) => [1e-5, 1.5625e-7].flatMap((eps) => [0, 3].flatMap((mean) => {
    if (mean !== 0 && eps !== 1e-5) return []; // one offset-mean case per shape: RMSNorm must not subtract it
    const h = shape[shape.length - 1]!;
    return opCases({
      op: 'rms-norm', dtype, label: `${GLM_FAMILY_TAG}-${dims(shape)}-eps${eps}-mean${mean}`,
      inputs: [{ dtype, shape, data: { kind: 'normal', std: 1, mean } }, { dtype, shape: [h], data: { kind: 'normal', std: 0.2, mean: 1 } }],
      attrs: { eps },
      // The decomposition's layer-norm sums 2H terms; x·rsqrt·g adds two roundings.
      errorClass: 'reduction', reductionLength: 2 * h, flops: 4 * product(shape),
    });
  })));
}

function swigluCases(dtype: DType): GraphCase[] {
  const shapes = [[2], [1, 34], [3, 130], [7, 66], [5, 2 * 17], [1, 1, 2 * 13696], [2, 3, 2 * 1001]];
  return shapes.flatMap((shape) => opCases({
    op: 'swiglu', dtype, label: `${GLM_FAMILY_TAG}-${dims(shape)}`,
    inputs: [{ dtype, shape, data: { kind: 'normal', std: 3 } }],
    errorClass: 'few-roundings', flops: 4 * product(shape),
  }));
}

interface GqaShape {
  label: string;
  b: number;
  h: number;
  kv: number;
  q: number;
  k: number;
  d: number;
  ctx: number[];
  /** Valid keys of a fixed-capacity cache (the length input), absent for all K. */
  length?: number;
  /** An explicit i8 mask [1, 1, Q, K] drawn at random (every row keeps its first key). */
  explicit?: boolean;
}

const GQA_SHAPES: GqaShape[] = [
  { label: 'chatglm2-prefill-causal', b: 1, h: 32, kv: 2, q: 9, k: 9, d: 128, ctx: [0] },
  { label: 'chatglm2-prefill-gmask-sop', b: 1, h: 32, kv: 2, q: 7, k: 7, d: 128, ctx: [2] },
  { label: 'chatglm2-decode-cache65', b: 2, h: 32, kv: 2, q: 1, k: 65, d: 128, ctx: [0, 2] },
  { label: 'multi-query-kv1', b: 1, h: 4, kv: 1, q: 5, k: 5, d: 16, ctx: [0] },
  { label: 'groups-of-1', b: 1, h: 2, kv: 2, q: 3, k: 3, d: 8, ctx: [1] },
  { label: 'odd-6-heads-3-kv-chunk', b: 1, h: 6, kv: 3, q: 3, k: 10, d: 8, ctx: [4] },
  { label: 'length7-of-capacity16', b: 1, h: 8, kv: 2, q: 1, k: 16, d: 32, ctx: [0], length: 7 },
  { label: 'explicit-mask', b: 2, h: 4, kv: 2, q: 4, k: 6, d: 16, ctx: [], explicit: true },
];

function explicitMask(q: number, k: number) {
  return (d: CaseData) => {
    const values = d.values(q * k, { kind: 'uniform', low: 0, high: 1 }).map((u, i) => (i % k === 0 || u >= 0.5 ? 1 : 0));
    return fromFloat64('i8', [1, 1, q, k], values);
  };
}

function gqaCases(dtype: DType): GraphCase[] {
  return GQA_SHAPES.flatMap((s) => {
    const mask = s.explicit
      ? { dtype: 'i8' as const, shape: [1, 1, s.q, s.k], data: explicitMask(s.q, s.k) }
      : { dtype: 'i32' as const, shape: [s.b], data: () => hostTensor('i32', [s.b], Int32Array.from(s.ctx)) };
    const length = s.length === undefined ? null : { dtype: 'i32' as const, shape: [1], data: () => hostTensor('i32', [1], Int32Array.from([s.length!])) };
    return opCases({
      op: 'grouped-query-attention', dtype, label: `${GLM_FAMILY_TAG}-${s.label}-${s.b}x${s.h}q${s.kv}kv-${s.q}of${s.k}-d${s.d}`,
      inputs: [{ dtype, shape: [s.b, s.h, s.q, s.d] }, { dtype, shape: [s.b, s.kv, s.k, s.d] }, { dtype, shape: [s.b, s.kv, s.k, s.d] }, mask, length],
      attrs: { mask: s.explicit ? 'explicit' : 'glm', layerIndex: s.k % 3 },
      errorClass: 'attention', reductionLength: Math.max(s.k, s.d), flops: 4 * s.b * s.h * s.q * s.k * s.d,
    });
  });
}

function positions(kind: 'arange' | 'long', b: number, s: number) {
  return () => hostTensor('i32', [b, s], Int32Array.from({ length: b * s }, (_, i) => (kind === 'arange' ? i % s : 2047 - (i % s))));
}

function interleavedRopeCases(dtype: DType): GraphCase[] {
  const shapes: { shape: [number, number, number, number]; r: number; base?: number }[] = [
    { shape: [1, 1, 1, 4], r: 4 },
    { shape: [2, 3, 5, 8], r: 4 },
    { shape: [1, 2, 7, 16], r: 8 },
    { shape: [1, 3, 5, 12], r: 6 }, // r/2 = 3 pairs: odd
    { shape: [1, 32, 3, 128], r: 64 }, // ChatGLM2-6B / GLM-4-9B: 32 heads of 128, rotary on 64
    { shape: [1, 2, 4, 128], r: 64, base: 5e6 }, // GLM-4-9B-chat: base 10000 · rope_ratio 500
    { shape: [2, 2, 33, 64], r: 64 }, // the whole head
  ];
  return shapes.flatMap(({ shape, r, base }) => (['arange', 'long'] as const).flatMap((kind) => {
    const [b, , s] = shape;
    return opCases({
      op: 'interleaved-rope', dtype, label: `${GLM_FAMILY_TAG}-${dims(shape)}-r${r}${base ? `-base${base}` : ''}-${kind}`,
      inputs: [{ dtype, shape }, { dtype: 'i32', shape: [b, s], data: positions(kind, b, s) }],
      attrs: { rotaryDim: r, ...(base ? { base } : {}) },
      errorClass: 'few-roundings', extraWorstEps: angleEps(kind === 'long' ? 2047 : s, dtype), extraReason: 'fp32 rotary angles',
    });
  }));
}

/** ChatGLM2-6B's block at test size: 4 query heads over 2 KV groups of 16, SwiGLU F = 96. */
const SMALL_CHATGLM2: GlmConfig = { ...CHATGLM2_6B, name: `${GLM_FAMILY_TAG}-small-chatglm2`, numLayers: 2, hiddenSize: 64, numHeads: 4, numKvHeads: 2, ffnHiddenSize: 96, vocabSize: 264, paddedVocabSize: 272, maxSequenceLength: 256 };

interface BlockShape {
  label: string;
  batch: number;
  seq: number;
  past: number;
  /** The [sop] index: 1 for `[gMASK]<sop>…` (causal), 0 once past it. */
  ctx: number;
}

/** One pre-norm block with a functional KV cache of KV heads only; weights random (seeded by the id). */
function prenormBlockCase(c: GlmConfig, dtype: DType, quantization: WeightQuantization, s: BlockShape): GraphCase {
  const id = `block/${c.name}/${dtype}/${quantization}/layer1-${s.label}`;
  return {
    kind: 'graph', id, level: 'block', subject: 'prenorm-block', dtype, composites: 'as-built',
    build() {
      const graph = buildGlmBlockGraph(c, 1, { dtype, quantization });
      const data = new CaseData(id);
      const f32 = prepareWeights(c, randomWeights(c, 'f32', seedOf(id)), dtype, 'none', id);
      const weights = quantization === 'none' ? f32 : quantizeWeights(c, f32, quantization, dtype);
      const inputs: Record<string, HostTensor> = {};
      for (const p of graph.params) inputs[graph.values[p]!.name] = weights.get(graph.values[p]!.name)!;
      inputs[GLM_OUTPUTS.hidden] = data.tensor(dtype, [s.batch, s.seq, c.hiddenSize], { kind: 'normal', std: 1 });
      const i32 = (shape: number[], values: number[]) => hostTensor('i32', shape, Int32Array.from(values));
      inputs[GLM_INPUTS.positions] = i32([s.batch, s.seq], Array.from({ length: s.batch * s.seq }, (_, i) => s.past + (i % s.seq)));
      inputs[GLM_INPUTS.contextLengths] = i32([s.batch], new Array<number>(s.batch).fill(s.ctx));
      inputs[GLM_INPUTS.cacheIndex] = i32([s.batch], Array.from({ length: s.batch }, (_, i) => s.batch - 1 - i));
      const cacheShape = [s.batch, kvHeads(c), s.past, headDim(c)];
      inputs[GLM_INPUTS.pastKey(1)] = data.tensor(dtype, cacheShape, { kind: 'normal', std: 1 });
      inputs[GLM_INPUTS.pastValue(1)] = data.tensor(dtype, cacheShape, { kind: 'normal', std: 1 });
      const h = c.hiddenSize;
      const flops = 2 * s.batch * s.seq * (3 * h * h + 3 * h * c.ffnHiddenSize) + 4 * s.batch * s.seq * (s.past + s.seq) * h;
      return { graph, inputs, tolerance: toleranceFor('chain', dtype), flops };
    },
  };
}

function prenormBlockCases(): GraphCase[] {
  const shapes: BlockShape[] = [
    { label: 'prefill-7-gmask-sop', batch: 1, seq: 7, past: 0, ctx: 1 },
    { label: 'decode-cache5', batch: 2, seq: 1, past: 5, ctx: 0 },
    { label: 'chunk-3-cache6', batch: 1, seq: 3, past: 6, ctx: 1 },
  ];
  return [
    ...FLOAT_TYPES.flatMap((dtype) => shapes.map((s) => prenormBlockCase(SMALL_CHATGLM2, dtype, 'none', s))),
    ...(['int8', 'int4'] as const).map((q) => prenormBlockCase(SMALL_CHATGLM2, 'f16', q, shapes[0]!)),
  ];
}

/**
 * Greedy tokens of the pre-norm model through the runtime session (a fixed-capacity cache of the KV
 * heads, written in place; one decode step a token), prompted as ChatGLM2 is: `[gMASK] <sop> text`,
 * positions 0, 1, 2, … and the [sop] index (1) as context length, which makes the GLM mask causal.
 */
function prenormGreedyCase(c: GlmConfig, dtype: DType, prompt: string, steps: number): GenerationCase {
  const id = `generation/${c.name}/${dtype}/greedy-${prompt.replace(/[^A-Za-z]+/g, '-').toLowerCase()}-${steps}`;
  return {
    kind: 'generation', id, level: 'generation', subject: 'greedy', dtype, composites: 'as-built',
    async run(backend: Backend): Promise<GenerationOutcome> {
      const weights = prepareWeights(c, randomWeights(c, 'f32', seedOf(id)), dtype, 'none', id);
      const session = await ModelSession.open(backend, c, weights, { dtype });
      try {
        const tokenizer = new ByteTokenizer();
        const tokens = [tokenizer.special.gmask, tokenizer.special.sop, ...tokenizer.encode(prompt)];
        let [logits] = await session.prefill([{ tokens, positions: tokens.map((_, i) => i), contextLength: 1 }]);
        const generated: number[] = [];
        let smallestTopGap = Infinity;
        let largestLogit = 0;
        for (let k = 0; k < steps; k++) {
          const real = logits!.subarray(0, c.vocabSize);
          const best = argmax(real);
          let second = -Infinity;
          for (let i = 0; i < real.length; i++) if (i !== best) second = Math.max(second, real[i]!);
          smallestTopGap = Math.min(smallestTopGap, real[best]! - second);
          largestLogit = Math.max(largestLogit, Math.abs(real[best]!));
          generated.push(best);
          [logits] = await session.decode({ tokens: [best], positions: [tokens.length + k], parents: [0] });
        }
        return { tokens: generated, smallestTopGap, largestLogit };
      } finally {
        await session.close();
      }
    },
  };
}

export function glmFamilyOpCases(): (GraphCase | GenerationCase)[] {
  return [
    ...FLOAT_TYPES.flatMap((dtype) => [...rmsNormCases(dtype), ...swigluCases(dtype), ...gqaCases(dtype), ...interleavedRopeCases(dtype)]),
    ...prenormBlockCases(),
    // f32 only: with these random weights the top two logits of some step lie within a few f16/bf16 ulps (cpu-ref
    // itself mistrusts such a comparison); the half-precision paths are the block cases'.
    prenormGreedyCase(SMALL_CHATGLM2, 'f32', 'Once upon a time', 16),
    prenormGreedyCase(SMALL_CHATGLM2, 'f32', 'The cat sat on the', 16),
  ];
}
