/**
 * What generation needs from a model: run rows of tokens and get the logits of each row's last
 * position. The runtime session implements it for any backend; tests implement it with toy tables.
 */
export interface PrefillRow {
  /** Context tokens, ending with [sop]. */
  tokens: number[];
  positions: number[];
  /** 2-D rotary only: 0 on the context, 1, 2, ... from [sop] on. */
  blockPositions?: number[];
  /** Index of [sop]: positions before it are seen bidirectionally. */
  contextLength: number;
}

export interface DecodeStep {
  /** One new token per row. */
  tokens: number[];
  positions: number[];
  blockPositions?: number[];
  /**
   * For each new row, the row of the previous step it continues (beam reordering; the first step
   * after a one-row prefill lists 0 for every beam). Its length is the new batch size.
   */
  parents: number[];
}

/**
 * The k largest next-token logits of one row over the real vocabulary (ids < vocabSize), largest
 * first, equal logits in ascending id order; and the log-sum-exp of the whole real-vocabulary row
 * (so log-probabilities of the candidates need no other logits).
 */
export interface TopLogits {
  readonly ids: Int32Array;
  readonly logits: Float32Array;
  readonly logSumExp: number;
  /**
   * Asked with a temperature T ≠ 1: the log-sum-exp of the row's logits times 1/T (each product rounded
   * to fp32), so a sampler can weigh the candidates at that temperature without the rest of the row.
   */
  readonly scaledLogSumExp?: number;
}

/** A step that returned only candidates; the full rows stay where they were computed until asked for. */
export interface TopLogitsStep {
  readonly rows: readonly TopLogits[];
  /** Every logit of this step's rows (what prefill/decode would have returned). */
  full(): Promise<Float32Array[]>;
}

export interface DecodingModel {
  /** Size of the real vocabulary; logits may be longer (padded rows), ids >= vocabSize are never chosen. */
  readonly vocabSize: number;
  /** Start fresh sequences (drops any earlier state); returns last-position logits per row. */
  prefill(rows: PrefillRow[]): Promise<Float32Array[]>;
  /** Append one token to each row (after reordering rows by `parents`); returns logits per row. */
  decode(step: DecodeStep): Promise<Float32Array[]>;
  /**
   * Optional fast path (a backend selects on the device, so 150k logits are not copied per token):
   * the same calls, returning each row's `k` largest logits; with a `temperature` other than 1, each
   * row's `scaledLogSumExp` too. A model without it is always read in full.
   */
  prefillTop?(rows: PrefillRow[], k: number, temperature?: number): Promise<TopLogitsStep>;
  decodeTop?(step: DecodeStep, k: number, temperature?: number): Promise<TopLogitsStep>;
}
