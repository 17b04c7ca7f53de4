import { GlmError } from '../errors.js';
import { FILTER_VALUE, logSoftmaxF32, topKIndices } from './logits-math.js';
import type { FinishedBeam, GenerationStrategy, StrategyStep } from './strategy.js';

export interface BeamSearchOptions {
  numBeams: number;
  /** Exponent of the OpenNMT length penalty ((5 + len) / 6) ** lengthPenalty; 0 = none. */
  lengthPenalty?: number;
  /** Never generate an n-gram twice within one blank; 0 = off. */
  noRepeatNgramSize?: number;
  /** End tokens are banned until this many tokens have been generated. */
  minGenLength?: number;
  endTokens?: readonly number[];
}

interface LiveBeam {
  /** Whole sequence, context included: the release's length penalty and n-gram keys use all of it. */
  tokens: number[];
  /** Cumulative log-probability (fp32). */
  score: number;
  /** Row of the previous step this beam extends. */
  parent: number;
  /** n-gram bans: key = the (n − 1) tokens before, value = tokens already generated after them. */
  bans: Map<string, number[]>;
}

/**
 * GLM-130B's BeamSearchStrategy as generate.py uses it (consider_end=True; deterministic top-k
 * candidate selection instead of multinomial draws), for one sequence.
 */
export class BeamSearchStrategy implements GenerationStrategy {
  readonly numBeams: number;
  readonly lengthPenalty: number;
  readonly noRepeatNgramSize: number;
  readonly minGenLength: number;
  readonly endTokens: readonly number[];

  private live: LiveBeam[] = [];
  private ended: FinishedBeam[] = []; // best first, scores already length-penalised
  private generated = 0;
  private isDone = false;

  constructor(options: BeamSearchOptions) {
    this.numBeams = options.numBeams;
    this.lengthPenalty = options.lengthPenalty ?? 1;
    this.noRepeatNgramSize = options.noRepeatNgramSize ?? 0;
    this.minGenLength = options.minGenLength ?? 0;
    this.endTokens = [...(options.endTokens ?? [])];
    if (!Number.isInteger(this.numBeams) || this.numBeams < 1) {
      throw new GlmError('usage', `num-beams must be an integer >= 1, got ${this.numBeams}`);
    }
    if (!Number.isFinite(this.lengthPenalty)) {
      throw new GlmError('usage', `length-penalty must be a number, got ${this.lengthPenalty}`);
    }
    for (const [name, value] of [
      ['no-repeat-ngram-size', this.noRepeatNgramSize],
      ['min-gen-length', this.minGenLength],
    ] as const) {
      if (!Number.isInteger(value) || value < 0) throw new GlmError('usage', `${name} must be an integer >= 0, got ${value}`);
    }
  }

  get done(): boolean {
    return this.isDone;
  }

  /** Ended beams so far, best first (penalised scores). */
  get endedBeams(): readonly FinishedBeam[] {
    return this.ended;
  }

  /** Live beams: whole sequences and cumulative scores. */
  get liveBeams(): readonly FinishedBeam[] {
    return this.live.map((beam) => ({ tokens: beam.tokens, score: beam.score }));
  }

  start(prefix: readonly number[]): void {
    this.live = [{ tokens: [...prefix], score: 0, parent: 0, bans: new Map() }];
    this.ended = [];
    this.generated = 0;
    this.isDone = false;
  }

  step(logits: readonly Float32Array[], vocabSize: number): StrategyStep {
    if (logits.length !== this.live.length) {
      throw new GlmError('usage', `beam search has ${this.live.length} live beams but got ${logits.length} rows of logits`);
    }
    const scores = this.candidateScores(logits, vocabSize);
    // Enough candidates that numBeams continue even if every beam's best tokens are end tokens. On the
    // first step there is one row, so only its tokens compete, as in the release.
    const wanted = (Math.max(1, this.endTokens.length) + 1) * this.numBeams;
    const candidates = topKIndices(scores, Math.min(wanted, scores.length));

    const next: LiveBeam[] = [];
    for (const flat of candidates) {
      const parent = Math.floor(flat / vocabSize);
      const token = flat % vocabSize;
      const score = scores[flat] as number;
      const beam = this.live[parent] as LiveBeam;
      if (!this.isDone && this.endTokens.includes(token)) {
        this.addEnded([...beam.tokens, token], score);
      } else if (next.length < this.numBeams) {
        next.push({ tokens: [...beam.tokens, token], score, parent, bans: this.extendBans(beam, token) });
      } else {
        break;
      }
    }
    this.live = next;
    this.generated += 1;
    this.isDone = this.searchIsOver();
    return { tokens: next.map((beam) => beam.tokens[beam.tokens.length - 1] as number), parents: next.map((b) => b.parent) };
  }

  /** consider_end: unless the search ended early, the beams still alive compete with the ended ones. */
  finish(): FinishedBeam[] {
    if (!this.isDone) for (const beam of this.live) this.addEnded(beam.tokens, beam.score);
    return this.ended.map((beam) => ({ tokens: [...beam.tokens], score: beam.score }));
  }

  /** log_softmax of every live row after the bans, plus the row's cumulative score; rows flattened. */
  private candidateScores(logits: readonly Float32Array[], vocabSize: number): Float32Array {
    const scores = new Float32Array(this.live.length * vocabSize);
    this.live.forEach((beam, r) => {
      const row = Float32Array.from((logits[r] as Float32Array).subarray(0, vocabSize));
      if (row.length < vocabSize) throw new GlmError('shape', `logits row has ${row.length} entries, vocabulary ${vocabSize}`);
      if (this.generated < this.minGenLength) {
        for (const end of this.endTokens) if (end < vocabSize) row[end] = FILTER_VALUE;
      }
      const n = this.noRepeatNgramSize;
      if (n > 0 && beam.tokens.length > n) {
        for (const banned of beam.bans.get(ngramKey(beam.tokens, n)) ?? []) row[banned] = FILTER_VALUE;
      }
      const logProbs = logSoftmaxF32(row);
      for (let j = 0; j < vocabSize; j++) scores[r * vocabSize + j] = (logProbs[j] as number) + beam.score;
    });
    return scores;
  }

  /** The parent's bans plus "after the parent's last n − 1 tokens comes `token`". */
  private extendBans(parent: LiveBeam, token: number): Map<string, number[]> {
    const n = this.noRepeatNgramSize;
    if (n === 0) return parent.bans;
    const bans = new Map(parent.bans);
    const key = ngramKey(parent.tokens, n);
    bans.set(key, [...(bans.get(key) ?? []), token]);
    return bans;
  }

  /** Insert keeping the list best first (a new beam goes before equal scores, as the release's loop does). */
  private addEnded(tokens: number[], score: number): void {
    const penalised = Math.fround(score / this.penalty(tokens.length));
    let at = this.ended.length;
    while (at > 0 && penalised >= (this.ended[at - 1] as FinishedBeam).score) at--;
    this.ended.splice(at, 0, { tokens, score: penalised });
    this.ended.length = Math.min(this.ended.length, this.numBeams);
  }

  /**
   * The release stops once numBeams beams have ended and the worst of them is at least the best live
   * score, that live score penalised for the current length (the release's exact test).
   */
  private searchIsOver(): boolean {
    if (this.live.length === 0) return true;
    if (this.ended.length < this.numBeams) return false;
    const worstEnded = (this.ended[this.ended.length - 1] as FinishedBeam).score;
    const bestLive = Math.max(...this.live.map((beam) => beam.score));
    const length = (this.live[0] as LiveBeam).tokens.length;
    return worstEnded >= Math.fround(bestLive / this.penalty(length));
  }

  private penalty(length: number): number {
    return ((5 + length) / 6) ** this.lengthPenalty;
  }
}

/**
 * The last n − 1 tokens as a map key. For n = 1 the key is empty, so every token generated so far is
 * banned: the intended meaning; the release's slice `[-(n-1):]` takes the whole sequence there (its
 * "TODO ngram=1"), which bans nothing.
 */
function ngramKey(tokens: readonly number[], n: number): string {
  return tokens.slice(tokens.length - (n - 1)).join(',');
}
