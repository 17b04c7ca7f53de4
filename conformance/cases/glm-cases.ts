/**
 * Block, model and generation cases: one GLM layer in several configurations, the logits of a
 * prompt through the whole tiny model, and greedy / beam generation compared token for token.
 */
import type { DType } from '../../core/tensor/dtype.js';
import { hostTensor, type HostTensor } from '../../core/tensor/host-tensor.js';
import { CHATGLM_6B, GLM_130B, TINY, headDim, type GlmConfig } from '../../core/models/glm/config.js';
import { buildGlmBlockGraph, buildGlmModelGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import { prepareWeights, quantizeWeights, randomWeights } from '../../core/models/glm/weights.js';
import type { WeightQuantization } from '../../core/models/glm/weights-layout.js';
import { ModelSession } from '../../core/session/session.js';
import { ByteTokenizer } from '../../core/io/byte-tokenizer.js';
import { buildBlankInput, positionRule, prepareContext, nextPositions } from '../../core/generate/glm-inputs.js';
import { argmax } from '../../core/generate/logits-math.js';
import type { Backend } from '../../core/backend-api/plugin-contract.js';
import type { GenerationCase, GenerationOutcome, GraphCase } from '../case.js';
import { CaseData, seedOf } from '../seeded.js';
import { toleranceFor } from '../tolerance.js';
import { FLOAT_TYPES } from './op-case.js';

/** ChatGLM-6B's switches (2-D rope, tanh-GeLU MLP, untied head) at test size. */
const SMALL_CHATGLM: GlmConfig = { ...CHATGLM_6B, name: 'small-chatglm', numLayers: 2, hiddenSize: 64, numHeads: 4, ffnHiddenSize: 96, vocabSize: 264, paddedVocabSize: 272, maxSequenceLength: 256 };
/** GLM-130B's head dim (128), DeepNorm α (√140) and last layer's score scaling (c = 70), two heads wide. */
const GLM130B_HEADS: GlmConfig = { ...GLM_130B, name: 'glm130b-2heads', hiddenSize: 256, numHeads: 2, ffnHiddenSize: 683, vocabSize: 264, paddedVocabSize: 272 };

function i32(shape: number[], values: number[]): HostTensor {
  return hostTensor('i32', shape, Int32Array.from(values));
}

function weightsFor(c: GlmConfig, dtype: DType, quantization: WeightQuantization, id: string): Map<string, HostTensor> {
  const f32 = randomWeights(c, 'f32', seedOf(id));
  const w = prepareWeights(c, f32, dtype, 'none', id);
  return quantization === 'none' ? w : quantizeWeights(c, w, quantization, dtype);
}

interface BlockShape {
  label: string;
  batch: number;
  seq: number;
  past: number;
  ctx: number;
}

function blockCase(c: GlmConfig, layer: number, dtype: DType, quantization: WeightQuantization, s: BlockShape): GraphCase {
  const id = `block/${c.name}/${dtype}/${quantization}/layer${layer}-${s.label}`;
  return {
    kind: 'graph', id, level: 'block', subject: 'glm-block', dtype, composites: 'as-built',
    build() {
      const graph = buildGlmBlockGraph(c, layer, { dtype, quantization });
      const data = new CaseData(id);
      const weights = weightsFor(c, dtype, quantization, id);
      const inputs: Record<string, HostTensor> = {};
      for (const p of graph.params) inputs[graph.values[p]!.name] = weights.get(graph.values[p]!.name)!;
      inputs[GLM_OUTPUTS.hidden] = data.tensor(dtype, [s.batch, s.seq, c.hiddenSize], { kind: 'normal', std: 1 });
      const positions = Array.from({ length: s.batch * s.seq }, (_, i) => s.past + (i % s.seq));
      inputs[GLM_INPUTS.positions] = i32([s.batch, s.seq], positions);
      if (c.rotary === '2d') inputs[GLM_INPUTS.blockPositions] = i32([s.batch, s.seq], positions.map((p) => Math.max(0, p - s.ctx)));
      inputs[GLM_INPUTS.contextLengths] = i32([s.batch], new Array<number>(s.batch).fill(s.ctx));
      inputs[GLM_INPUTS.cacheIndex] = i32([s.batch], Array.from({ length: s.batch }, (_, i) => s.batch - 1 - i));
      const cacheShape = [s.batch, c.numHeads, s.past, headDim(c)];
      inputs[GLM_INPUTS.pastKey(layer)] = data.tensor(dtype, cacheShape, { kind: 'normal', std: 1 });
      inputs[GLM_INPUTS.pastValue(layer)] = data.tensor(dtype, cacheShape, { kind: 'normal', std: 1 });
      const h = c.hiddenSize;
      const flops = 2 * s.batch * s.seq * (4 * h * h + 3 * h * c.ffnHiddenSize) + 4 * s.batch * s.seq * (s.past + s.seq) * h;
      return { graph, inputs, tolerance: toleranceFor('chain', dtype), flops };
    },
  };
}

export function blockCases(): GraphCase[] {
  const shapes: BlockShape[] = [
    { label: 'prefill-7', batch: 1, seq: 7, past: 0, ctx: 4 },
    { label: 'prefill-2x9-bidirectional', batch: 2, seq: 9, past: 0, ctx: 9 },
    { label: 'decode-cache5', batch: 2, seq: 1, past: 5, ctx: 3 },
    { label: 'chunk-3-cache6', batch: 1, seq: 3, past: 6, ctx: 2 },
  ];
  const cases: GraphCase[] = [];
  for (const dtype of FLOAT_TYPES) {
    for (const s of shapes) {
      cases.push(blockCase(TINY, 1, dtype, 'none', s));
      cases.push(blockCase(SMALL_CHATGLM, 0, dtype, 'none', s));
    }
    cases.push(blockCase(GLM130B_HEADS, 69, dtype, 'none', shapes[0]!));
    cases.push(blockCase(GLM130B_HEADS, 69, dtype, 'none', shapes[2]!));
  }
  for (const quantization of ['int8', 'int4'] as const) for (const s of shapes) cases.push(blockCase(TINY, 0, 'f16', quantization, s));
  return cases;
}

function modelLogitsCase(c: GlmConfig, dtype: DType, quantization: WeightQuantization): GraphCase {
  const id = `model/${c.name}/${dtype}/${quantization}/logits-prompt`;
  return {
    kind: 'graph', id, level: 'model', subject: 'glm-model', dtype, composites: 'as-built',
    build() {
      const graph = buildGlmModelGraph(c, { dtype, quantization, logits: 'all' });
      const weights = weightsFor(c, dtype, quantization, id);
      const tokenizer = new ByteTokenizer();
      const tokens = [...prepareContext(tokenizer.encode('GLM fills [MASK] blanks.'), tokenizer.special), tokenizer.special.sop];
      const ctx = tokens.length - 1;
      const maskAt = tokens.indexOf(tokenizer.special.mask);
      const positions = tokens.map((_, i) => (i >= ctx ? maskAt : i));
      const inputs: Record<string, HostTensor> = Object.fromEntries(weights);
      inputs[GLM_INPUTS.inputIds] = i32([1, tokens.length], tokens);
      inputs[GLM_INPUTS.positions] = i32([1, tokens.length], positions);
      if (c.rotary === '2d') inputs[GLM_INPUTS.blockPositions] = i32([1, tokens.length], tokens.map((_, i) => (i >= ctx ? i - ctx + 1 : 0)));
      inputs[GLM_INPUTS.contextLengths] = i32([1], [ctx]);
      inputs[GLM_INPUTS.cacheIndex] = i32([1], [0]);
      for (let l = 0; l < c.numLayers; l++) {
        inputs[GLM_INPUTS.pastKey(l)] = hostTensor(dtype, [1, c.numHeads, 0, headDim(c)]);
        inputs[GLM_INPUTS.pastValue(l)] = hostTensor(dtype, [1, c.numHeads, 0, headDim(c)]);
      }
      return { graph, inputs, tolerance: toleranceFor('chain', dtype), flops: 0 };
    },
  };
}

/** Greedy generation of one blank, token for token; the outcome records how close the choices were. */
function greedyCase(c: GlmConfig, dtype: DType, prompt: string, steps: number): GenerationCase {
  const label = prompt.includes('[MASK]') ? 'mask' : prompt.includes('[sMASK]') ? 'smask' : 'gmask';
  const id = `generation/${c.name}/${dtype}/greedy-${label}-${steps}`;
  return {
    kind: 'generation', id, level: 'generation', subject: 'greedy', dtype, composites: 'as-built',
    async run(backend: Backend): Promise<GenerationOutcome> {
      const weights = weightsFor(c, dtype, 'none', id);
      const session = await ModelSession.open(backend, c, weights, { dtype });
      try {
        const tokenizer = new ByteTokenizer();
        const context = prepareContext(tokenizer.encode(prompt), tokenizer.special);
        const maskAt = context.findIndex((t) => t === tokenizer.special.mask || t === tokenizer.special.smask || t === tokenizer.special.gmask);
        const row = buildBlankInput(context, maskAt, tokenizer.special, { rotary: c.rotary });
        const rule = positionRule(context, maskAt, tokenizer.special, c.rotary);
        let [logits] = await session.prefill([row]);
        const tokens: number[] = [];
        let smallestTopGap = Infinity;
        let largestLogit = 0;
        for (let k = 1; k <= steps; k++) {
          const real = logits!.subarray(0, c.vocabSize);
          const best = argmax(real);
          let second = -Infinity;
          for (let i = 0; i < real.length; i++) if (i !== best) second = Math.max(second, real[i]!);
          smallestTopGap = Math.min(smallestTopGap, real[best]! - second);
          largestLogit = Math.max(largestLogit, Math.abs(real[best]!));
          tokens.push(best);
          const { position, blockPosition } = nextPositions(rule, k);
          [logits] = await session.decode({ tokens: [best], positions: [position], ...(blockPosition === undefined ? {} : { blockPositions: [blockPosition] }), parents: [0] });
        }
        return { tokens, smallestTopGap, largestLogit };
      } finally {
        await session.close();
      }
    },
  };
}

export function modelCases(): GraphCase[] {
  const cases: GraphCase[] = [];
  for (const dtype of FLOAT_TYPES) {
    cases.push(modelLogitsCase(TINY, dtype, 'none'));
    cases.push(modelLogitsCase(SMALL_CHATGLM, dtype, 'none'));
  }
  cases.push(modelLogitsCase(TINY, 'f16', 'int8'), modelLogitsCase(TINY, 'f16', 'int4'));
  return cases;
}

export function generationCases(): GenerationCase[] {
  const prompts = ['The cat sat on the [MASK].', 'Once upon a time', 'First. [sMASK] Last.'];
  return FLOAT_TYPES.flatMap((dtype) => [TINY, SMALL_CHATGLM].flatMap((c) => prompts.map((p) => greedyCase(c, dtype, p, 24))));
}
