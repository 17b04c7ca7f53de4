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

export interface DecodingModel {
  /** Size of the real vocabulary; logits may be longer (padded rows), ids >= vocabSize are never chosen. */
  readonly vocabSize: number;
  /** Start fresh sequences (drops any earlier state); returns last-position logits per row. */
  prefill(rows: PrefillRow[]): Promise<Float32Array[]>;
  /** Append one token to each row (after reordering rows by `parents`); returns logits per row. */
  decode(step: DecodeStep): Promise<Float32Array[]>;
}
