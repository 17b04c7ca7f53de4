import type { DecodeStep, DecodingModel, PrefillRow } from '../../core/generate/decoding-model.js';

/** Logit of every token a toy table leaves out: e^-30 ≈ 1e-13, negligible next to the listed ones. */
export const UNLISTED_LOGIT = -30;

/** Logits whose softmax is (to ~1e-12) the given distribution: logit = ln p. */
export function logitsFromProbs(width: number, probs: Readonly<Record<number, number>>): Float32Array {
  const logits = new Float32Array(width).fill(UNLISTED_LOGIT);
  for (const [id, p] of Object.entries(probs)) logits[Number(id)] = Math.log(p);
  return logits;
}

/**
 * A DecodingModel whose next-token logits are a function of the whole row so far. It keeps each row's
 * tokens the way a KV cache would (reordered by `parents`) and records every call for assertions.
 */
export class ToyModel implements DecodingModel {
  readonly prefills: PrefillRow[][] = [];
  readonly decodes: DecodeStep[] = [];
  private rows: number[][] = [];

  constructor(
    readonly vocabSize: number,
    private readonly next: (sequence: readonly number[]) => Float32Array,
  ) {}

  async prefill(rows: PrefillRow[]): Promise<Float32Array[]> {
    this.prefills.push(structuredClone(rows));
    this.rows = rows.map((row) => [...row.tokens]);
    return this.rows.map((row) => this.next(row));
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
    return this.rows.map((row) => this.next(row));
  }
}

/** A model whose distribution depends only on the last token: `table[last]` (unlisted → uniform junk). */
export function lastTokenModel(vocabSize: number, table: Readonly<Record<number, Readonly<Record<number, number>>>>): ToyModel {
  return new ToyModel(vocabSize, (sequence) => logitsFromProbs(vocabSize, table[sequence[sequence.length - 1] as number] ?? {}));
}
