import { GlmError } from '../errors.js';
import { argmax, FILTER_VALUE, logSoftmaxF32, softmaxF32, topKIndices } from './logits-math.js';
import { Rng } from './rng.js';
import type { FinishedBeam, GenerationStrategy, StrategyStep } from './strategy.js';

export interface SamplingFilter {
  /** Logits are divided by it; > 0. */
  temperature: number;
  /** Keep the k largest logits (ties with the k-th are kept too, as torch's `<` test does); 0 = off. */
  topK: number;
  /** Nucleus filtering; 0 = off. */
  topP: number;
}

export interface BaseStrategyOptions extends Partial<SamplingFilter> {
  endTokens?: readonly number[];
  /** The stream to sample from; one stream serves every blank of a prompt, as the release seeds once. */
  rng?: Rng;
}

/** The release's default `--seed`. */
const DEFAULT_SEED = 1234;

/**
 * The release's `top_k_logits` on one row, after dividing by the temperature. Filtered logits become
 * −65504 rather than −∞ because the release's logits are fp16.
 */
export function filterLogits(logits: ArrayLike<number>, vocabSize: number, filter: SamplingFilter): Float32Array {
  const size = Math.min(vocabSize, logits.length);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (logits[i] as number) / filter.temperature;

  if (filter.topK > 0 && filter.topK < size) {
    const kth = out[topKIndices(out, filter.topK)[filter.topK - 1] as number] as number;
    for (let i = 0; i < size; i++) if ((out[i] as number) < kth) out[i] = FILTER_VALUE;
  }

  if (filter.topP > 0) {
    // Already-filtered entries have probability 0: leaving them out of the sort changes nothing.
    const order: number[] = [];
    for (let i = 0; i < size; i++) if ((out[i] as number) > FILTER_VALUE) order.push(i);
    order.sort((a, b) => (out[b] as number) - (out[a] as number) || a - b);
    const probs = softmaxF32(order.map((i) => out[i] as number));
    // The release shifts the "cumulative > top_p" flags right by one: the token that crosses the
    // threshold is kept, and so is the first token whatever its probability.
    let cumulative = 0;
    for (let r = 0; r < order.length; r++) {
      if (r > 0 && cumulative > filter.topP) out[order[r] as number] = FILTER_VALUE;
      cumulative = Math.fround(cumulative + (probs[r] as number));
    }
  }
  return out;
}

/** The distribution BaseStrategy samples from: filtered logits through an fp32 softmax. */
export function samplingDistribution(logits: ArrayLike<number>, vocabSize: number, filter: SamplingFilter): Float32Array {
  return softmaxF32(filterLogits(logits, vocabSize, filter));
}

/**
 * The release's BaseStrategy for one sequence: temperature, top-k, top-p, sample; done at an end token.
 * top-k = 1 is greedy decoding and takes the argmax directly (lowest id on ties) without drawing.
 * The score reported is the sum of the model's log-probabilities (temperature 1, unfiltered) of the
 * chosen tokens; the release reports none, but it lets callers compare samples.
 */
export class BaseStrategy implements GenerationStrategy {
  readonly endTokens: readonly number[];
  private readonly filter: SamplingFilter;
  private readonly rng: Rng;
  private sequence: number[] = [];
  private score = 0;
  private ended = false;

  constructor(options: BaseStrategyOptions = {}) {
    this.filter = {
      temperature: options.temperature ?? 1,
      topK: options.topK ?? 0,
      topP: options.topP ?? 0,
    };
    const { temperature, topK, topP } = this.filter;
    if (!(temperature > 0) || !Number.isFinite(temperature)) {
      throw new GlmError('usage', `temperature must be a positive number, got ${temperature}`);
    }
    if (!Number.isInteger(topK) || topK < 0) throw new GlmError('usage', `top-k must be an integer >= 0, got ${topK}`);
    if (!(topP >= 0 && topP <= 1)) throw new GlmError('usage', `top-p must be in [0, 1], got ${topP}`);
    this.endTokens = [...(options.endTokens ?? [])];
    this.rng = options.rng ?? new Rng(DEFAULT_SEED);
  }

  get done(): boolean {
    return this.ended;
  }

  start(prefix: readonly number[]): void {
    this.sequence = [...prefix];
    this.score = 0;
    this.ended = false;
  }

  step(logits: readonly Float32Array[], vocabSize: number): StrategyStep {
    const row = logits[0];
    if (row === undefined || logits.length !== 1) {
      throw new GlmError('usage', `sampling decodes one row at a time, got ${logits.length}`);
    }
    const token =
      this.filter.topK === 1 ? argmax(row.subarray(0, vocabSize)) : this.sample(samplingDistribution(row, vocabSize, this.filter));
    this.score = Math.fround(this.score + (logSoftmaxF32(row.subarray(0, vocabSize))[token] as number));
    this.sequence.push(token);
    if (this.endTokens.includes(token)) this.ended = true;
    return { tokens: [token], parents: [0] };
  }

  finish(): FinishedBeam[] {
    return [{ tokens: [...this.sequence], score: this.score }];
  }

  /** Inverse-CDF draw; tokens of probability 0 can never be hit. */
  private sample(probs: Float32Array): number {
    let total = 0;
    for (const p of probs) total += p;
    const target = this.rng.nextFloat() * total;
    let cumulative = 0;
    let lastPossible = 0;
    for (let i = 0; i < probs.length; i++) {
      const p = probs[i] as number;
      if (p <= 0) continue;
      cumulative += p;
      lastPossible = i;
      if (target < cumulative) return i;
    }
    return lastPossible; // rounding left target just above the final sum
  }
}
