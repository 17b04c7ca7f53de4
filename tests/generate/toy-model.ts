import type { DecodeStep, DecodingModel, PrefillRow, TopLogits, TopLogitsStep } from '../../core/generate/decoding-model.js';
import { topKIndices } from '../../core/generate/logits-math.js';
import { Rng } from '../../core/random/rng.js';

/** Logit of every token a toy table leaves out: e^-30 ≈ 1e-13, negligible next to the listed ones. */
export const UNLISTED_LOGIT = -30;

/** Logits whose softmax is (to ~1e-12) the given distribution: logit = ln p. */
export function logitsFromProbs(width: number, probs: Readonly<Record<number, number>>): Float32Array {
  const logits = new Float32Array(width).fill(UNLISTED_LOGIT);
  for (const [id, p] of Object.entries(probs)) logits[Number(id)] = Math.log(p);
  return logits;
}

/** max + log Σ exp(x − max) in float64, ascending ids (as logSoftmaxF32 computes it). */
function logSumExpOf(values: Iterable<number>): number {
  const all = [...values];
  let max = -Infinity;
  for (const x of all) if (x > max) max = x;
  let sum = 0;
  for (const x of all) sum += Math.exp(x - max);
  return max + Math.log(sum);
}

/**
 * The TopLogits of one row as a backend must return them: the k largest logits over ids < vocabSize,
 * largest first, ties in ascending id order; the log-sum-exp in float64 the way logSoftmaxF32 computes
 * it, so scores match the whole-row path bit for bit; with a temperature ≠ 1, the log-sum-exp of the
 * logits times 1/T, each product rounded to fp32 (as a device computes it).
 */
export function topLogitsOf(logits: Float32Array, vocabSize: number, k: number, temperature = 1): TopLogits {
  const row = logits.subarray(0, vocabSize);
  const ids = Int32Array.from(topKIndices(row, k));
  const top = { ids, logits: Float32Array.from(ids, (id) => row[id] as number), logSumExp: logSumExpOf(row) };
  if (temperature === 1) return top;
  return { ...top, scaledLogSumExp: logSumExpOf(Array.from(row, (x) => Math.fround(x * (1 / temperature)))) };
}

/**
 * A DecodingModel whose next-token logits are a function of the whole row so far. It keeps each row's
 * tokens the way a KV cache would (reordered by `parents`) and records every call for assertions.
 * prefillTop/decodeTop run the same calls (recorded in `prefills`/`decodes` too) and return candidates
 * computed from the whole rows; `topCalls` records each k asked for and `fullReads` counts `full()`.
 * `withoutTop` gives the same model without them (the whole-row path).
 */
export class ToyModel implements DecodingModel {
  readonly prefills: PrefillRow[][] = [];
  readonly decodes: DecodeStep[] = [];
  /** k of every prefillTop/decodeTop call. */
  readonly topCalls: number[] = [];
  /** The temperature of every prefillTop/decodeTop call (1 when none was given). */
  readonly topTemperatures: number[] = [];
  /** How often a TopLogitsStep's `full()` was called. */
  fullReads = 0;
  /** Every row of logits computed, in call order (whichever path asked for it). */
  readonly outputs: Float32Array[] = [];
  private rows: number[][] = [];

  constructor(
    readonly vocabSize: number,
    private readonly next: (sequence: readonly number[]) => Float32Array,
  ) {}

  async prefill(rows: PrefillRow[]): Promise<Float32Array[]> {
    this.prefills.push(structuredClone(rows));
    this.rows = rows.map((row) => [...row.tokens]);
    return this.emit();
  }

  async decode(step: DecodeStep): Promise<Float32Array[]> {
    this.decodes.push(structuredClone(step));
    if (step.parents.length !== step.tokens.length || step.positions.length !== step.tokens.length) {
      throw new Error('decode step with mismatched lengths');
    }
    this.rows = step.parents.map((parent, i) => {
      const row = this.rows[parent];
      if (row === undefined) throw new Error(`parent ${parent} does not exist`);
      return [...row, step.tokens[i] as number];
    });
    return this.emit();
  }

  async prefillTop(rows: PrefillRow[], k: number, temperature = 1): Promise<TopLogitsStep> {
    this.topCalls.push(k);
    this.topTemperatures.push(temperature);
    return this.topStep(await this.prefill(rows), k, temperature);
  }

  async decodeTop(step: DecodeStep, k: number, temperature = 1): Promise<TopLogitsStep> {
    this.topCalls.push(k);
    this.topTemperatures.push(temperature);
    return this.topStep(await this.decode(step), k, temperature);
  }

  /** The same model with only prefill/decode: generation reads whole rows. Calls are recorded here. */
  withoutTop(): DecodingModel {
    return { vocabSize: this.vocabSize, prefill: (rows) => this.prefill(rows), decode: (step) => this.decode(step) };
  }

  private emit(): Float32Array[] {
    const logits = this.rows.map((row) => this.next(row));
    this.outputs.push(...logits);
    return logits;
  }

  private topStep(full: Float32Array[], k: number, temperature: number): TopLogitsStep {
    return {
      rows: full.map((row) => topLogitsOf(row, this.vocabSize, k, temperature)),
      full: async () => {
        this.fullReads += 1;
        return full;
      },
    };
  }
}

/** A model whose distribution depends only on the last token: `table[last]` (unlisted → uniform junk). */
export function lastTokenModel(vocabSize: number, table: Readonly<Record<number, Readonly<Record<number, number>>>>): ToyModel {
  return new ToyModel(vocabSize, (sequence) => logitsFromProbs(vocabSize, table[sequence[sequence.length - 1] as number] ?? {}));
}

/** A seed for the row so far (FNV-1a over the ids), so logits are a fixed function of the sequence. */
function hashSequence(sequence: readonly number[], salt: number): number {
  let h = 0x811c9dc5 ^ salt;
  for (const t of sequence) h = Math.imul(h ^ t, 0x01000193) >>> 0;
  return h;
}

export interface RandomModelOptions {
  vocabSize: number;
  /** Extra padded entries after the real vocabulary, with logits that would win if they were read. */
  padding?: number;
  /** Round logits to multiples of this (coarse steps make ties at the cut-off common); 0 = off. */
  quantum?: number;
  scale?: number;
  offset?: number;
  salt?: number;
  /** This token's logit is 1 lower (an end token a little less likely than the rest); default 0. */
  endToken?: number;
}

/** Pseudo-random logits (normal × scale + offset), the end token a little less likely than the rest. */
export function randomModel(options: RandomModelOptions): ToyModel {
  const { vocabSize, padding = 0, quantum = 0, scale = 2, offset = 0, salt = 0, endToken = 0 } = options;
  return new ToyModel(vocabSize, (sequence) => {
    const rng = new Rng(hashSequence(sequence, salt));
    const logits = new Float32Array(vocabSize + padding).fill(1000);
    for (let i = 0; i < vocabSize; i++) {
      const x = rng.normal() * scale - (i === endToken ? 1 : 0);
      logits[i] = (quantum > 0 ? Math.round(x / quantum) * quantum : x) + offset;
    }
    return logits;
  });
}
