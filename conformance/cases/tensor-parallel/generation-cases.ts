/**
 * Tensor-parallel generation: blank filling through N ranks of the backend (TensorParallelSession:
 * in-place KV cache split by heads, gathered logits) against the unsharded session on cpu-ref, token
 * for token — greedy for every N, and beam search (which reorders the ranks' caches) at N = 2.
 */
import type { DType } from '../../../core/tensor/dtype.js';
import { DTYPE_INFO } from '../../../core/tensor/dtype.js';
import type { GlmConfig } from '../../../core/models/glm/config.js';
import type { Backend } from '../../../core/backend-api/plugin-contract.js';
import type { DecodingModel } from '../../../core/generate/decoding-model.js';
import { fillBlanks, type StrategyOptions } from '../../../core/generate/fill-blanks.js';
import { ByteTokenizer } from '../../../core/io/byte-tokenizer.js';
import { GlmError } from '../../../core/errors.js';
import { openGlmSession } from '../../../core/session/open-session.js';
import { plugin as cpuRef } from '../../../backends/cpu-ref/index.js';
import type { GenerationCase, GenerationOutcome } from '../../case.js';
import { tpWeights } from './graph-cases.js';
import { TP_CONFIGS, TP_GLM, TP_SIZES } from './configs.js';

/** Records each step's top-two gap of the logits it passes on, so ties can be told from errors. */
class GapRecorder implements DecodingModel {
  smallestTopGap = Infinity;
  largestLogit = 0;
  constructor(private readonly inner: DecodingModel) {}
  get vocabSize() {
    return this.inner.vocabSize;
  }
  private observe(rows: Float32Array[]): Float32Array[] {
    for (const row of rows) {
      const real = Array.from(row.subarray(0, this.vocabSize)).sort((a, b) => b - a);
      this.smallestTopGap = Math.min(this.smallestTopGap, real[0]! - real[1]!);
      this.largestLogit = Math.max(this.largestLogit, Math.abs(real[0]!));
    }
    return rows;
  }
  async prefill(rows: Parameters<DecodingModel['prefill']>[0]) {
    return this.observe(await this.inner.prefill(rows));
  }
  async decode(step: Parameters<DecodingModel['decode']>[0]) {
    return this.observe(await this.inner.decode(step));
  }
}

export interface GenerationSetup {
  readonly config: GlmConfig;
  readonly dtype: DType;
  readonly prompt: string;
  readonly strategy: StrategyOptions;
  readonly outSeqLength: number;
  readonly id: string;
}

/** The generated token ids' text of every beam, on `backend` with `tensorParallel` ranks. */
export async function generate(backend: Backend, tensorParallel: number, s: GenerationSetup): Promise<{ texts: string[]; recorder: GapRecorder }> {
  const weights = tpWeights(s.config, s.dtype, 'none', s.id);
  const session = await openGlmSession(backend, s.config, weights, { dtype: s.dtype, cacheCapacity: s.outSeqLength, tensorParallel });
  const recorder = new GapRecorder(session);
  try {
    const result = await fillBlanks(recorder, new ByteTokenizer(), s.prompt, { outSeqLength: s.outSeqLength, strategy: s.strategy, rotary: s.config.rotary });
    return { texts: result.beams.map((b) => b.text), recorder };
  } finally {
    await session.close();
  }
}

/** Throws unless N ranks of `backend` generate what the unsharded model generates on cpu-ref. */
export async function checkShardedGeneration(backend: Backend, worldSize: number, s: GenerationSetup): Promise<GenerationOutcome> {
  const sharded = await generate(backend, worldSize, s);
  const oracle = await cpuRef.open();
  const single = await generate(oracle, 1, s);
  await oracle.close();
  const blur = s.dtype === 'f32' ? 0 : 8 * DTYPE_INFO[s.dtype].epsilon * Math.max(1, single.recorder.largestLogit);
  const same = sharded.texts.length === single.texts.length && sharded.texts.every((t, i) => t === single.texts[i]);
  if (!same && single.recorder.smallestTopGap >= blur) {
    throw new GlmError('backend', `TP ${worldSize} generated ${JSON.stringify(sharded.texts)}, the unsharded model ${JSON.stringify(single.texts)}`);
  }
  const tokens = [...new TextEncoder().encode(sharded.texts.join('\n'))];
  return { tokens, smallestTopGap: single.recorder.smallestTopGap, largestLogit: single.recorder.largestLogit };
}

function generationCase(worldSize: number, setup: Omit<GenerationSetup, 'id'>, label: string): GenerationCase {
  const id = `tensor-parallel/generation/${setup.config.name}/tp${worldSize}/${setup.dtype}/${label}`;
  return {
    kind: 'generation', id, level: 'generation', subject: 'tensor-parallel', dtype: setup.dtype, composites: 'as-built',
    run: (backend) => checkShardedGeneration(backend, worldSize, { ...setup, id }),
  };
}

export function tensorParallelGenerationCases(): GenerationCase[] {
  const greedy: StrategyOptions = { kind: 'sampling', topK: 1, topP: 0, temperature: 1, seed: 1 };
  const cases: GenerationCase[] = [];
  for (const n of TP_SIZES) {
    for (const dtype of ['f32', 'f16'] as const) {
      for (const config of TP_CONFIGS) cases.push(generationCase(n, { config, dtype, prompt: 'The cat sat on the [MASK].', strategy: greedy, outSeqLength: 48 }, 'greedy-mask'));
    }
  }
  const beam: StrategyOptions = { kind: 'beam', numBeams: 3, lengthPenalty: 1, noRepeatNgramSize: 3, minGenLength: 0 };
  cases.push(generationCase(2, { config: TP_GLM, dtype: 'f32', prompt: 'Once upon a time', strategy: beam, outSeqLength: 40 }, 'beam3-gmask'));
  return cases;
}
