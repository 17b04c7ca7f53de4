import { GlmError } from '../errors.js';
import type { DecodeStep, DecodingModel, PrefillRow, TopLogits, TopLogitsStep } from './decoding-model.js';
import { nextPositions, type PositionRule } from './glm-inputs.js';
import type { GenerationStrategy, StrategyStep } from './strategy.js';

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
 *
 * When the strategy can decide a step from candidates (`candidatesWanted`, `stepTop`) and the model
 * returns them (`prefillTop` / `decodeTop`), only those are read; a step the candidates cannot decide
 * reads that call's whole rows (`full()`). Either way a step decides as the whole-row path would from
 * the same state (beam search's scores then carry the model's log-sum-exp, which may differ from the
 * whole rows' float64 one in the last digits; see BeamSearchStrategy.stepTop).
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
    let logits = await prefill(model, strategy, row);
    for (let k = 1; ; k++) {
      const step = await takeStep(strategy, logits, model.vocabSize);
      length += 1;
      if (strategy.done || step.tokens.length === 0 || length >= options.outSeqLength) break;
      // Every row has the same length, so one position (and block position) serves them all.
      const { position, blockPosition } = nextPositions(rule, k);
      logits = await decode(model, strategy, {
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

/** What one model call gave: whole rows, or each row's candidates (whole rows on request). */
type StepLogits = { full: Float32Array[] } | { top: TopLogitsStep };

/**
 * Candidates per row to ask for, or undefined for whole rows: also when the strategy wants more than the
 * vocabulary holds, as those candidates would be the whole row (models may refuse k > vocabSize).
 */
function candidatesToAsk(model: DecodingModel, strategy: GenerationStrategy): number | undefined {
  const k = strategy.candidatesWanted;
  return strategy.stepTop !== undefined && k !== undefined && Number.isInteger(k) && k >= 1 && k <= model.vocabSize ? k : undefined;
}

async function prefill(model: DecodingModel, strategy: GenerationStrategy, row: PrefillRow): Promise<StepLogits> {
  const k = candidatesToAsk(model, strategy);
  if (k === undefined || model.prefillTop === undefined) return { full: await model.prefill([row]) };
  return { top: checkTop(await model.prefillTop([row], k, strategy.candidatesTemperature), 1, k, model.vocabSize) };
}

async function decode(model: DecodingModel, strategy: GenerationStrategy, step: DecodeStep): Promise<StepLogits> {
  const k = candidatesToAsk(model, strategy);
  if (k === undefined || model.decodeTop === undefined) return { full: await model.decode(step) };
  return { top: checkTop(await model.decodeTop(step, k, strategy.candidatesTemperature), step.tokens.length, k, model.vocabSize) };
}

async function takeStep(strategy: GenerationStrategy, logits: StepLogits, vocabSize: number): Promise<StrategyStep> {
  if ('full' in logits) return strategy.step(logits.full, vocabSize);
  return strategy.stepTop?.(logits.top.rows, vocabSize) ?? strategy.step(await logits.top.full(), vocabSize);
}

/**
 * The candidates' contract, checked because a step decided from wrong candidates would silently differ
 * from the whole-row path: one entry per row, at most k distinct real ids (the strategy reads whole
 * rows when it gets fewer than it needs), largest logit first, equal logits in ascending id order.
 */
function checkTop(step: TopLogitsStep, rowCount: number, k: number, vocabSize: number): TopLogitsStep {
  const fail = (why: string): never => {
    throw new GlmError('backend', `the model's top-${k} logits break their contract: ${why}`);
  };
  if (step.rows.length !== rowCount) fail(`${step.rows.length} rows for ${rowCount}`);
  step.rows.forEach((row: TopLogits, r) => {
    const { ids, logits } = row;
    if (ids.length !== logits.length) fail(`row ${r} has ${ids.length} ids and ${logits.length} logits`);
    if (ids.length > k) fail(`row ${r} has ${ids.length} candidates`);
    const seen = new Set<number>();
    for (let j = 0; j < ids.length; j++) {
      const id = ids[j] as number;
      if (!(id >= 0 && id < vocabSize) || seen.has(id)) fail(`row ${r} lists id ${id} (vocabulary ${vocabSize}) out of range or twice`);
      seen.add(id);
      if (j > 0) {
        const previous = logits[j - 1] as number;
        const here = logits[j] as number;
        if (here > previous || (here === previous && id < (ids[j - 1] as number))) fail(`row ${r} is out of order at ${j}`);
      }
    }
  });
  return step;
}
