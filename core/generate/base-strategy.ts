import { GlmError } from '../errors.js';
import type { TopLogits } from './decoding-model.js';
import { argmax, FILTER_VALUE, logSoftmaxF32, softmaxF32, topKIndices } from './logits-math.js';
import { Rng } from '../random/rng.js';
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
 * Candidates asked for by top-p sampling without top-k (the GPU selection kernels' largest k): a
 * language model's nucleus is usually far smaller, and a step whose nucleus is not is read in full.
 */
export const NUCLEUS_CANDIDATES = 256;

/**
 * How far the candidates' running probability must stay from top-p for the cut to be trusted: their
 * probabilities come from the model's log-sum-exp (fp32 on a GPU), the full path's from its own
 * float64 sum, so they may differ in the last bits (≈ 1e-6 relative); 5e-4 is far beyond that.
 */
const NUCLEUS_MARGIN = 5e-4;

/**
 * The release's `top_k_logits` on one row, after dividing by the temperature. Filtered logits become
 * −65504 rather than −∞ because the release's logits are fp16.
 */
export function filterLogits(logits: ArrayLike<number>, vocabSize: number, filter: SamplingFilter): Float32Array {
  const size = Math.min(vocabSize, logits.length);
  const out = divideByTemperature(logits, size, filter.temperature);

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

/**
 * logits / T in fp32, as the release divides. A very small T (1e-38) overflows that to ±∞, and the
 * softmax of ∞ − ∞ is NaN: garbage where the limit T → 0 is plain greedy decoding. Softmax does not
 * change when every logit moves by the same amount, so then the row is shifted first:
 * (logit − max) / T is 0 for the largest logits and −∞ (probability exactly 0) for any other —
 * the limit itself. Rows that do not overflow are divided exactly as before.
 */
function divideByTemperature(logits: ArrayLike<number>, size: number, temperature: number): Float32Array {
  const out = new Float32Array(size);
  let overflow = false;
  for (let i = 0; i < size; i++) {
    const x = logits[i] as number;
    out[i] = x / temperature;
    if (Number.isFinite(x) && !Number.isFinite(out[i]!)) overflow = true;
  }
  if (!overflow) return out;
  let max = -Infinity;
  for (let i = 0; i < size; i++) if ((logits[i] as number) > max) max = logits[i] as number;
  for (let i = 0; i < size; i++) {
    const shifted = (logits[i] as number) - max; // exact for fp32 inputs of one sign; ≤ 0 always
    out[i] = shifted === 0 ? 0 : shifted / temperature;
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
 *
 * With top-k >= 1 a step can be decided from the row's largest logits alone (`candidatesWanted`,
 * `stepTop`), choosing exactly the token `step` would choose from the whole row, with the same random
 * draws; when the candidates cannot show that (a tie at the top-k cut-off, too few candidates), `stepTop`
 * asks for the whole row. Top-p without top-k works the same way from NUCLEUS_CANDIDATES candidates
 * and the row's log-sum-exp at the temperature (`candidatesTemperature`, TopLogits.scaledLogSumExp
 * when it is not 1), when the nucleus ends inside them. The score of a step then comes from the
 * model's log-sum-exp: it is the same as `step`'s when that was computed in float64 like
 * logSoftmaxF32; a backend that computes it in fp32 gives scores that may differ in their last bits
 * (the chosen tokens do not depend on it).
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

  /**
   * Greedy needs only the largest logit (its lowest id on ties, which candidates list first). Top-k
   * sampling needs one more than k: the (k+1)-th shows whether tokens tie with the k-th, which the full
   * path keeps too. Top-p alone needs the nucleus: NUCLEUS_CANDIDATES, below top-p 1 (which keeps
   * every token). Otherwise every token may be drawn: whole rows.
   */
  get candidatesWanted(): number | undefined {
    const { topK } = this.filter;
    if (topK === 1) return 1;
    if (topK > 1) return topK + 1;
    return this.nucleusFromCandidates ? NUCLEUS_CANDIDATES : undefined;
  }

  /** The nucleus is weighed at the temperature, so it needs the row's log-sum-exp there too. */
  get candidatesTemperature(): number | undefined {
    return this.nucleusFromCandidates && this.filter.temperature !== 1 ? this.filter.temperature : undefined;
  }

  private get nucleusFromCandidates(): boolean {
    const { topK, topP } = this.filter;
    return topK === 0 && topP > 0 && topP < 1;
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
    return this.accept(token, logSoftmaxF32(row.subarray(0, vocabSize))[token] as number);
  }

  /**
   * `step` from the row's candidates (TopLogits: largest first, ties in ascending id order); undefined,
   * with nothing drawn or changed, when they cannot decide it exactly.
   */
  stepTop(rows: readonly TopLogits[], vocabSize: number): StrategyStep | undefined {
    const row = rows[0];
    if (row === undefined || rows.length !== 1) {
      throw new GlmError('usage', `sampling decodes one row at a time, got ${rows.length}`);
    }
    const { topK } = this.filter;
    const at = topK === 1 ? (row.ids.length > 0 ? 0 : undefined) : topK > 1 ? this.sampleCandidates(row, vocabSize) : this.sampleNucleus(row);
    if (at === undefined) return undefined;
    // logSoftmaxF32's value: logit − log-sum-exp, rounded to fp32.
    return this.accept(row.ids[at] as number, Math.fround((row.logits[at] as number) - row.logSumExp));
  }

  finish(): FinishedBeam[] {
    return [{ tokens: [...this.sequence], score: this.score }];
  }

  private accept(token: number, logProb: number): StrategyStep {
    this.score = Math.fround(this.score + logProb);
    this.sequence.push(token);
    if (this.endTokens.includes(token)) this.ended = true;
    return { tokens: [token], parents: [0] };
  }

  /**
   * The index (into the candidates) of the token `sample(samplingDistribution(row))` would draw from the
   * whole row, making the same draw; undefined, before drawing, when the candidates cannot tell it.
   * Top-k >= 2 only. Every step below mirrors filterLogits and softmaxF32 on the tokens that survive:
   * the others hold FILTER_VALUE there, whose probability is exactly 0, and sums over ids in ascending
   * order that skip exact zeros are the same sums.
   */
  private sampleCandidates(row: TopLogits, vocabSize: number): number | undefined {
    const { temperature, topK, topP } = this.filter;
    // Fewer than k + 1 candidates: the vocabulary has at most k tokens (the full path then filters none).
    if (row.ids.length <= topK || vocabSize <= topK) return undefined;
    // filterLogits compares logits after dividing by the temperature and rounding to fp32, which is
    // monotonic but can merge neighbouring logits into ties: test the tie on those values.
    const scaled = (j: number): number => Math.fround((row.logits[j] as number) / temperature);
    const kth = scaled(topK - 1);
    // The (k+1)-th ties with the k-th (or NaN): the full path keeps every tied token, some of them
    // perhaps beyond the candidates. Otherwise every other token is below the k-th and filtered.
    if (!(scaled(topK) < kth)) return undefined;
    // Filtered tokens get probability exp(FILTER_VALUE − max) = exactly 0 only while max is well above
    // FILTER_VALUE (exp underflows below −745); beyond that, or at +∞, only the whole row tells.
    const max = scaled(0);
    if (!Number.isFinite(max) || !(max - FILTER_VALUE > 800)) return undefined;

    const values = Array.from({ length: topK }, (_, j) => scaled(j));
    const kept = values.map(() => true);
    if (topP > 0) {
      const order: number[] = [];
      for (let j = 0; j < topK; j++) if ((values[j] as number) > FILTER_VALUE) order.push(j);
      const idOf = (j: number): number => row.ids[j] as number;
      order.sort((a, b) => (values[b] as number) - (values[a] as number) || idOf(a) - idOf(b));
      const probs = softmaxF32(order.map((j) => values[j] as number));
      let cumulative = 0;
      for (let r = 0; r < order.length; r++) {
        if (r > 0 && cumulative > topP) kept[order[r] as number] = false;
        cumulative = Math.fround(cumulative + (probs[r] as number));
      }
    }
    const survivors: number[] = [];
    for (let j = 0; j < topK; j++) if (kept[j]) survivors.push(j);
    survivors.sort((a, b) => (row.ids[a] as number) - (row.ids[b] as number));
    const probs = softmaxF32(survivors.map((j) => values[j] as number));
    return survivors[this.sample(probs)];
  }

  /**
   * Top-p alone: the index (into the candidates) of the token the whole row would give, making the
   * same draw; undefined, before drawing, when the candidates cannot tell it. filterLogits divides by
   * the temperature (rounding to fp32, which keeps the order), sorts every token (largest first, ties
   * by ascending id — the candidates' order), accumulates their fp32 probabilities and keeps a token
   * while the sum before it is at most top-p (and always the first): the kept tokens are the first
   * `cut` candidates when the sum passes top-p inside them, with the margin above on both sides of the
   * cut. The probabilities come from the row's log-sum-exp at the temperature (the model's, whose
   * products x · (1/T) may differ from x / T in the last bit: the margin covers it). The draw is then
   * the one sampleCandidates makes.
   */
  private sampleNucleus(row: TopLogits): number | undefined {
    const { topP, temperature } = this.filter;
    const logSumExp = temperature === 1 ? row.logSumExp : row.scaledLogSumExp;
    if (logSumExp === undefined) return undefined; // a model that did not weigh the row at the temperature
    const scaled = (j: number): number => Math.fround((row.logits[j] as number) / temperature);
    const max = row.logits.length > 0 ? scaled(0) : undefined;
    if (max === undefined || !Number.isFinite(max) || !(max - FILTER_VALUE > 800) || !(logSumExp >= max)) return undefined;
    let before = 0; // fp32 sum of the probabilities before position r
    let cut = -1;
    for (let r = 0; r < row.ids.length; r++) {
      if (r > 0 && before > topP) {
        cut = r;
        break;
      }
      if (r > 0 && before > topP - NUCLEUS_MARGIN) return undefined; // too close to the threshold to trust
      const x = scaled(r);
      if (!(x > FILTER_VALUE)) return undefined; // the full path leaves such tokens out of its sort
      before = Math.fround(before + Math.fround(Math.exp(x - logSumExp)));
    }
    if (cut < 0 || !(before > topP + NUCLEUS_MARGIN)) return undefined; // the nucleus reaches past the candidates, or too close
    const survivors = Array.from({ length: cut }, (_, j) => j).sort((a, b) => (row.ids[a] as number) - (row.ids[b] as number));
    const probs = softmaxF32(survivors.map(scaled));
    return survivors[this.sample(probs)];
  }

  /** Inverse-CDF draw of an index into `probs` (a token id for a whole row); probability 0 is never hit. */
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
