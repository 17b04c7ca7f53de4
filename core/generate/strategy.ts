import type { TopLogits } from './decoding-model.js';

/**
 * What the generation loop needs from a decoding strategy (sampling or beam search): pick the next
 * token of every live row from its logits, say which earlier row each new row continues, and hand back
 * the finished sequences.
 */
export interface StrategyStep {
  /** The new last token of each live row. */
  tokens: number[];
  /** For each live row, the row of the previous step it extends (DecodeStep.parents). */
  parents: number[];
}

export interface FinishedBeam {
  /** The whole sequence: the prefix given to `start`, the generated tokens and the end token if any. */
  tokens: number[];
  score: number;
}

export interface GenerationStrategy {
  readonly endTokens: readonly number[];
  /** True once nothing better can come from further steps; the loop then stops. */
  readonly done: boolean;
  /** Begin one generation after `prefix` (the context ending in [sop]); drops any earlier state. */
  start(prefix: readonly number[]): void;
  /** One step: `logits[r]` are the next-token logits of live row r; ids >= vocabSize are never chosen. */
  step(logits: readonly Float32Array[], vocabSize: number): StrategyStep;
  /**
   * Optional fast path. How many candidates per row (DecodingModel.prefillTop/decodeTop) the next step
   * can usually be decided from; undefined (or absent) when it needs whole rows. Read before each model
   * call, so it may change between steps.
   */
  readonly candidatesWanted?: number | undefined;
  /**
   * The temperature whose log-sum-exp `stepTop` needs besides the plain one (TopLogits.scaledLogSumExp);
   * undefined (or absent) when it needs none.
   */
  readonly candidatesTemperature?: number | undefined;
  /**
   * The next step from each live row's candidates (as many as `candidatesWanted` asked for, or fewer
   * when the model gives fewer), exactly as `step` would have decided it from the whole rows; or
   * undefined when these candidates cannot decide it exactly. Then it must have changed no state (no
   * random draw either): the loop calls `step` with the whole rows of the same model call.
   */
  stepTop?(rows: readonly TopLogits[], vocabSize: number): StrategyStep | undefined;
  /** The results, best first. */
  finish(): FinishedBeam[];
}
