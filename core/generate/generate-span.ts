import { GlmError } from '../errors.js';
import type { DecodingModel, PrefillRow } from './decoding-model.js';
import { nextPositions, type PositionRule } from './glm-inputs.js';
import type { GenerationStrategy } from './strategy.js';

export interface SpanResult {
  /** Generated tokens of each beam, best first, without the end token (one entry when sampling). */
  spans: number[][];
  /** The strategy's score of each beam (beam search: length-penalised log-probability). */
  scores: number[];
}

export interface GenerateSpanOptions {
  /** The release's `--out-seq-length`: context + [sop] + generated tokens never exceed it. */
  outSeqLength: number;
}

/**
 * Generate one blank: prefill the context and [sop], then one decode step per token, until the
 * strategy is done (an end token when sampling) or the sequence reaches `outSeqLength`.
 */
export async function generateSpan(
  model: DecodingModel,
  row: PrefillRow,
  rule: PositionRule,
  strategy: GenerationStrategy,
  options: GenerateSpanOptions,
): Promise<SpanResult> {
  if (!Number.isInteger(options.outSeqLength) || options.outSeqLength < 1) {
    throw new GlmError('usage', `out-seq-length must be a positive integer, got ${options.outSeqLength}`);
  }
  strategy.start(row.tokens);
  let length = row.tokens.length;
  if (length < options.outSeqLength) {
    let logits = await model.prefill([row]);
    for (let k = 1; ; k++) {
      const step = strategy.step(logits, model.vocabSize);
      length += 1;
      if (strategy.done || step.tokens.length === 0 || length >= options.outSeqLength) break;
      // Every row has the same length, so one position (and block position) serves them all.
      const { position, blockPosition } = nextPositions(rule, k);
      logits = await model.decode({
        tokens: step.tokens,
        positions: step.tokens.map(() => position),
        ...(blockPosition === undefined ? {} : { blockPositions: step.tokens.map(() => blockPosition) }),
        parents: step.parents,
      });
    }
  }
  const beams = strategy.finish();
  return {
    spans: beams.map((beam) => {
      const span = beam.tokens.slice(row.tokens.length);
      const last = span[span.length - 1];
      return last !== undefined && strategy.endTokens.includes(last) ? span.slice(0, -1) : span;
    }),
    scores: beams.map((beam) => beam.score),
  };
}
