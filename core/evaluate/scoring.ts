/**
 * Turning samples into model calls, as the release's evaluation does: multiple choice scores each
 * choice by the SUM of its tokens' log-probabilities after [sop] (context bidirectional, the choice
 * causal, choice positions at the mask's position for [MASK], continuing for [gMASK]); generation
 * fills the blank; language modelling sums the targets' negative log-likelihood.
 */
import type { PrefillRow } from '../generate/decoding-model.js';
import { fillBlanks, type StrategyOptions } from '../generate/fill-blanks.js';
import { logSoftmaxF32 } from '../generate/logits-math.js';
import type { Tokenizer } from '../io/tokenizer.js';
import type { GlmSession } from '../session/open-session.js';
import type { Sample } from './dataset.js';
import type { TaskConfig } from './task-config.js';

/** context + the blank's mask token; the index of that mask token. */
function contextWithMask(tokenizer: Tokenizer, text: string, useTaskMask: boolean): { context: number[]; maskIndex: number; gmask: boolean } {
  const s = tokenizer.special;
  const tokens = tokenizer.encode(text);
  const existing = tokens.findIndex((t) => t === s.mask || t === s.smask || t === s.gmask);
  if (existing >= 0) return { context: tokens, maskIndex: existing, gmask: tokens[existing] === s.gmask };
  const mask = useTaskMask ? s.gmask : s.mask;
  return { context: [...tokens, mask], maskIndex: tokens.length, gmask: useTaskMask };
}

/** Keep the last `limit` tokens of the context (the mask token is at its end or kept in view). */
function truncateLeft(context: number[], maskIndex: number, limit: number): { context: number[]; maskIndex: number } {
  const drop = Math.max(0, context.length - limit);
  return { context: context.slice(drop), maskIndex: Math.max(0, maskIndex - drop) };
}

/**
 * Sum of log-probabilities of each continuation after context + [sop]. The context is run once;
 * the continuations then decode side by side as rows that all continue the context's cache
 * (parents [0, 0, …]), each seeing the context bidirectionally and itself causally — the attention
 * pattern of the release's packed multiple-choice sequence, without recomputing the context.
 */
async function continuationLogProbs(session: GlmSession, tokenizer: Tokenizer, built: { context: number[]; maskIndex: number; gmask: boolean }, continuations: number[][], maxSeqLength: number): Promise<number[]> {
  const longest = Math.max(...continuations.map((c) => c.length));
  const { context, maskIndex } = truncateLeft(built.context, built.maskIndex, Math.max(1, maxSeqLength - longest));
  const sopIndex = context.length;
  const tokens = [...context, tokenizer.special.sop];
  const positionAt = (i: number) => (i < sopIndex ? i : built.gmask ? i : maskIndex);
  const row: PrefillRow = { tokens, positions: tokens.map((_, i) => positionAt(i)), contextLength: sopIndex };
  let [logits] = await session.prefill([row]);
  let rows = continuations.map(() => logits!);
  const sums = continuations.map(() => 0);
  for (let t = 0; t < longest; t++) {
    continuations.forEach((c, r) => {
      // Over the real vocabulary: padded embedding rows are not tokens.
      if (t < c.length) sums[r]! += logSoftmaxF32(rows[r]!.subarray(0, session.vocabSize))[c[t]!]!;
    });
    if (t === longest - 1) break;
    // Rows whose continuation has ended feed their last token again; their outputs are ignored.
    const next = continuations.map((c) => c[Math.min(t, c.length - 1)]!);
    const position = positionAt(sopIndex + 1 + t);
    rows = await session.decode({ tokens: next, positions: next.map(() => position), parents: t === 0 ? continuations.map(() => 0) : continuations.map((_, r) => r) });
  }
  return sums;
}

export async function scoreChoices(session: GlmSession, tokenizer: Tokenizer, task: TaskConfig, sample: Sample): Promise<number[]> {
  const built = contextWithMask(tokenizer, sample.inputs, task.useTaskMask);
  return continuationLogProbs(session, tokenizer, built, sample.choices.map((c) => tokenizer.encode(c)), task.maxSeqLength);
}

export async function generateAnswer(session: GlmSession, tokenizer: Tokenizer, task: TaskConfig, sample: Sample, rotary: '1d' | '2d'): Promise<string> {
  const mask = task.useTaskMask ? '[gMASK]' : '[MASK]';
  const text = /\[[sg]?MASK\]/.test(sample.inputs) ? sample.inputs : `${sample.inputs} ${mask}`;
  const strategy: StrategyOptions =
    task.samplingStrategy === 'BeamSearchStrategy'
      ? { kind: 'beam', numBeams: task.numBeams, lengthPenalty: task.lengthPenalty, noRepeatNgramSize: task.noRepeatNgramSize, minGenLength: task.minGenLength }
      : { kind: 'sampling', topK: 1, seed: 1234 };
  const contextLength = tokenizer.encode(text).length + 1;
  const result = await fillBlanks(session, tokenizer, text, { outSeqLength: Math.min(task.maxSeqLength, contextLength + 1 + task.maxGenLength), strategy, rotary });
  return (result.beams[0]?.blanks[0] ?? '').trim();
}

/** Negative log-likelihood of the targets (or of the inputs when there are no targets) and its word count. */
export async function languageModelLoss(session: GlmSession, tokenizer: Tokenizer, task: TaskConfig, sample: Sample): Promise<{ loss: number; text: string }> {
  const text = sample.targets.length > 0 ? sample.targets[0]! : sample.inputs;
  const context = sample.targets.length > 0 ? sample.inputs : '';
  const s = tokenizer.special;
  const built = { context: [...tokenizer.encode(context), s.gmask], maskIndex: 0, gmask: true };
  built.maskIndex = built.context.length - 1;
  const target = tokenizer.encode(text).slice(0, Math.max(1, task.generationLength));
  const [logProb] = await continuationLogProbs(session, tokenizer, built, [target], task.maxSeqLength);
  return { loss: -logProb!, text };
}
