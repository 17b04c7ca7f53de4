import { GlmError } from '../errors.js';
import { NUCLEUS_CANDIDATES } from './base-strategy.js';
import type { TopLogits } from './decoding-model.js';
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

/**
 * How far apart two scores compared from candidates must be for the comparison to be trusted: candidate
 * scores use the model's log-sum-exp (fp32 on a GPU), the whole-row path its own float64 sum, so they
 * may differ in the last digits (≈ 1e-6 relative per step); 1e-3 is far beyond that.
 */
const BEAM_MARGIN = 1e-3;

/** One candidate continuation: live row `parent` followed by `token`, with its cumulative score. */
interface Candidate {
  parent: number;
  token: number;
  score: number;
}

/** What one step changes. */
interface BeamState {
  live: LiveBeam[];
  ended: FinishedBeam[];
  isDone: boolean;
}

/**
 * The smallest gap between two scores that a step compared, where the comparison could go the other
 * way if the scores moved by their last digits (steps from candidates refuse to decide below BEAM_MARGIN).
 */
class Closeness {
  smallest = Infinity;
  compare(a: number, b: number): void {
    const gap = Math.abs(a - b);
    if (gap < this.smallest) this.smallest = gap;
  }
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
    const candidates = topKIndices(scores, Math.min(this.candidatesKept, scores.length)).map((flat) => ({
      parent: Math.floor(flat / vocabSize),
      token: flat % vocabSize,
      score: scores[flat] as number,
    }));
    return this.commit(this.advance(candidates, new Closeness()));
  }

  /**
   * Candidates per row a step from candidates needs: the `candidatesKept` best of the row, and one more
   * to show that the rest of the row falls below them. Undefined (whole rows) while any row has banned
   * tokens (end tokens before min-gen-length, repeated n-grams): their logits change the row's
   * log-softmax, and they need not be among the candidates. Capped at the GPU selection kernels' k.
   */
  get candidatesWanted(): number | undefined {
    const k = this.candidatesKept + 1;
    if (k > NUCLEUS_CANDIDATES || this.live.some((beam) => this.bannedTokens(beam).length > 0)) return undefined;
    return k;
  }

  /**
   * `step` from each live row's candidates (largest logits first, ties in ascending id order) and its
   * log-sum-exp: each candidate's score is logit − log-sum-exp + the beam's score, rounded as
   * logSoftmaxF32 and the score array round them. The whole rows' best `candidatesKept` are then among the
   * candidates when every row's last candidate ranks below them; undefined, with nothing changed, when
   * that is not so, when a row has banned tokens, or when any comparison the step makes (the order of
   * the kept candidates, the cut after them, the ended list, the stop test) is closer than BEAM_MARGIN.
   * With a float64 log-sum-exp computed as logSoftmaxF32 does it, the scores are those of `step` bit for
   * bit; with an fp32 one they may differ in the last digits, which no decision taken here depends on.
   */
  stepTop(rows: readonly TopLogits[], vocabSize: number): StrategyStep | undefined {
    if (rows.length !== this.live.length) {
      throw new GlmError('usage', `beam search has ${this.live.length} live beams but got ${rows.length} rows of candidates`);
    }
    if (this.live.some((beam) => this.bannedTokens(beam).length > 0)) return undefined;
    const merged: (Candidate & { logit: number })[] = [];
    const lastOfRow: number[] = []; // score of each row's last candidate when the row has tokens beyond them
    for (const [r, row] of rows.entries()) {
      const beam = this.live[r] as LiveBeam;
      if (!Number.isFinite(row.logSumExp)) return undefined;
      let count = 0;
      let last = 0;
      for (let j = 0; j < row.ids.length; j++) {
        const token = row.ids[j] as number;
        if (token >= vocabSize) continue;
        const logit = row.logits[j] as number;
        last = Math.fround(Math.fround(logit - row.logSumExp) + beam.score);
        merged.push({ parent: r, token, score: last, logit });
        count += 1;
      }
      if (count === 0) return undefined;
      if (count < vocabSize) lastOfRow.push(last);
    }
    // topKIndices' order over the flattened rows: score, then the flat index.
    merged.sort((a, b) => b.score - a.score || a.parent * vocabSize + a.token - (b.parent * vocabSize + b.token));
    const kept = Math.min(this.candidatesKept, this.live.length * vocabSize);
    if (merged.length <= kept && lastOfRow.length > 0) return undefined;
    const closeness = new Closeness();
    for (let i = 0; i + 1 < merged.length && i < kept; i++) {
      const a = merged[i]!, b = merged[i + 1]!;
      // Two tokens of one row with the same logit keep their order whatever the log-sum-exp; any other
      // pair, and the cut after the kept ones, must not be a near-tie.
      if (i + 1 < kept && a.parent === b.parent && a.logit === b.logit) continue;
      closeness.compare(a.score, b.score);
    }
    const cut = merged[kept - 1]!.score;
    for (const last of lastOfRow) {
      if (!(cut > last)) return undefined; // a row's unseen tokens could rank among the kept ones
      closeness.compare(cut, last);
    }
    const state = this.advance(merged.slice(0, kept), closeness);
    return closeness.smallest > BEAM_MARGIN ? this.commit(state) : undefined;
  }

  /** consider_end: unless the search ended early, the beams still alive compete with the ended ones. */
  finish(): FinishedBeam[] {
    if (!this.isDone) for (const beam of this.live) this.ended = this.withEnded(this.ended, beam.tokens, beam.score, new Closeness());
    return this.ended.map((beam) => ({ tokens: [...beam.tokens], score: beam.score }));
  }

  /**
   * Enough candidates that numBeams continue even if every beam's best tokens are end tokens. On the
   * first step there is one row, so only its tokens compete, as in the release.
   */
  private get candidatesKept(): number {
    return (Math.max(1, this.endTokens.length) + 1) * this.numBeams;
  }

  /** The step's new state from its candidates (best first), recording the comparisons it makes. */
  private advance(candidates: readonly Candidate[], closeness: Closeness): BeamState {
    let ended = this.ended;
    const live: LiveBeam[] = [];
    for (const { parent, token, score } of candidates) {
      const beam = this.live[parent] as LiveBeam;
      if (!this.isDone && this.endTokens.includes(token)) {
        ended = this.withEnded(ended, [...beam.tokens, token], score, closeness);
      } else if (live.length < this.numBeams) {
        live.push({ tokens: [...beam.tokens, token], score, parent, bans: this.extendBans(beam, token) });
      } else {
        break;
      }
    }
    return { live, ended, isDone: this.searchIsOver(live, ended, closeness) };
  }

  private commit(state: BeamState): StrategyStep {
    this.live = state.live;
    this.ended = state.ended;
    this.isDone = state.isDone;
    this.generated += 1;
    return { tokens: state.live.map((beam) => beam.tokens[beam.tokens.length - 1] as number), parents: state.live.map((b) => b.parent) };
  }

  /** Tokens a live row may not take this step: end tokens before min-gen-length, repeated n-grams. */
  private bannedTokens(beam: LiveBeam): readonly number[] {
    const banned: number[] = [];
    if (this.generated < this.minGenLength) banned.push(...this.endTokens);
    const n = this.noRepeatNgramSize;
    if (n > 0 && beam.tokens.length > n) banned.push(...(beam.bans.get(ngramKey(beam.tokens, n)) ?? []));
    return banned;
  }

  /** log_softmax of every live row after the bans, plus the row's cumulative score; rows flattened. */
  private candidateScores(logits: readonly Float32Array[], vocabSize: number): Float32Array {
    const scores = new Float32Array(this.live.length * vocabSize);
    this.live.forEach((beam, r) => {
      const row = Float32Array.from((logits[r] as Float32Array).subarray(0, vocabSize));
      if (row.length < vocabSize) throw new GlmError('shape', `logits row has ${row.length} entries, vocabulary ${vocabSize}`);
      for (const banned of this.bannedTokens(beam)) if (banned < vocabSize) row[banned] = FILTER_VALUE;
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

  /** `ended` with a new beam, kept best first (a new beam goes before equal scores, as the release's loop does). */
  private withEnded(ended: readonly FinishedBeam[], tokens: number[], score: number, closeness: Closeness): FinishedBeam[] {
    const penalised = Math.fround(score / this.penalty(tokens.length));
    let at = ended.length;
    while (at > 0) {
      const other = (ended[at - 1] as FinishedBeam).score;
      closeness.compare(penalised, other);
      if (!(penalised >= other)) break;
      at--;
    }
    const next = [...ended];
    next.splice(at, 0, { tokens, score: penalised });
    next.length = Math.min(next.length, this.numBeams);
    return next;
  }

  /**
   * The release stops once numBeams beams have ended and the worst of them is at least the best live
   * score, that live score penalised for the current length (the release's exact test).
   */
  private searchIsOver(live: readonly LiveBeam[], ended: readonly FinishedBeam[], closeness: Closeness): boolean {
    if (live.length === 0) return true;
    if (ended.length < this.numBeams) return false;
    const worstEnded = (ended[ended.length - 1] as FinishedBeam).score;
    const bestLive = Math.max(...live.map((beam) => beam.score));
    const length = (live[0] as LiveBeam).tokens.length;
    const penalisedLive = Math.fround(bestLive / this.penalty(length));
    closeness.compare(worstEnded, penalisedLive);
    return worstEnded >= penalisedLive;
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
