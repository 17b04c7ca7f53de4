/**
 * A custom sampling strategy as one function: given the next-token logits of the one sequence being
 * generated, return the token to take. The loop, end tokens, scores and the seeded random stream are
 * handled here, so a caller writes only the choice (docs/api.md has an example).
 */
import { GlmError } from '../errors.js';
import { logSoftmaxF32 } from './logits-math.js';
import { Rng } from '../random/rng.js';
import type { FinishedBeam, GenerationStrategy, StrategyStep } from './strategy.js';

export interface SamplerContext {
  /** Ids >= vocabSize are padding and may not be returned. */
  readonly vocabSize: number;
  /** Uniform in [0, 1), from the seeded xoshiro128** stream (the same seed gives the same draws). */
  readonly random: () => number;
  /** The tokens generated so far in this blank (not the prompt). */
  readonly generated: readonly number[];
  /** Tokens that end the blank ([eop], [eos]); returning one ends it. */
  readonly endTokens: readonly number[];
}

/** Picks the next token from the row's logits (exactly `vocabSize` of them: the real vocabulary). */
export type TokenSampler = (logits: Float32Array, context: SamplerContext) => number;

export class CustomSamplerStrategy implements GenerationStrategy {
  readonly endTokens: readonly number[];
  private readonly rng: Rng;
  private prefixLength = 0;
  private sequence: number[] = [];
  private score = 0;
  private ended = false;

  constructor(
    private readonly sampler: TokenSampler,
    options: { endTokens: readonly number[]; rng: Rng },
  ) {
    if (typeof sampler !== 'function') throw new GlmError('usage', `a custom sampling strategy needs a sample(logits, context) function, got ${typeof sampler}`);
    this.endTokens = [...options.endTokens];
    this.rng = options.rng;
  }

  get done(): boolean {
    return this.ended;
  }

  start(prefix: readonly number[]): void {
    this.sequence = [...prefix];
    this.prefixLength = prefix.length;
    this.score = 0;
    this.ended = false;
  }

  step(logits: readonly Float32Array[], vocabSize: number): StrategyStep {
    const row = logits[0];
    if (row === undefined || logits.length !== 1) throw new GlmError('usage', `a custom sampler decodes one row at a time, got ${logits.length}`);
    const real = row.slice(0, vocabSize);
    const context: SamplerContext = {
      vocabSize,
      random: () => this.rng.nextFloat(),
      generated: this.sequence.slice(this.prefixLength),
      endTokens: this.endTokens,
    };
    const token = this.sampler(real, context);
    if (!Number.isInteger(token) || token < 0 || token >= vocabSize) {
      throw new GlmError('usage', `the custom sampler returned ${String(token)}: a token id must be an integer in [0, ${vocabSize})`);
    }
    // The score BaseStrategy reports: the model's log-probability of the chosen tokens (temperature 1).
    this.score = Math.fround(this.score + (logSoftmaxF32(row.subarray(0, vocabSize))[token] as number));
    this.sequence.push(token);
    if (this.endTokens.includes(token)) this.ended = true;
    return { tokens: [token], parents: [0] };
  }

  finish(): FinishedBeam[] {
    return [{ tokens: [...this.sequence], score: this.score }];
  }
}
