/**
 * Blank filling on a session, as `glm run` does it: every [MASK], then [sMASK], then [gMASK], left
 * to right (a prompt without a blank gets " [gMASK]"). The release's sampling defaults unless a
 * strategy is given: BaseStrategy, temperature 1, top-p 0.7, seed 1234.
 */
import { GlmError } from '../core/errors.js';
import { fillBlanks as fillBlanksCore, type FillBlanksResult, type StrategyOptions } from '../core/generate/fill-blanks.js';
import type { StepObserver } from '../core/generate/observed-strategy.js';
import type { ResultSource, Session } from './session.js';
import { yieldingModel } from './yielding-model.js';

export interface FillBlanksOptions {
  /** sampling (the release's defaults), beam search, or a custom sampler (docs/api.md). */
  readonly strategy?: StrategyOptions;
  /** The longest sequence, context + [sop] + one blank's tokens (default: min(256, the session's capacity)). */
  readonly outSeqLength?: number;
  /** Aborting it stops generation before the next token (timers can fire between tokens); the call rejects with its reason. */
  readonly signal?: AbortSignal;
}

export interface FillResult extends FillBlanksResult {
  /** Which backend and device made it: real hardware, an emulator, or cpu-ref. */
  readonly source: ResultSource;
}

/** The release's BaseStrategy defaults (`glm run` without flags). */
export const RELEASE_SAMPLING: StrategyOptions = Object.freeze({ kind: 'sampling', seed: 1234, temperature: 1, topK: 0, topP: 0.7 });

/** The options as core's fillBlanks takes them, checked against the session before any work. */
export function coreOptions(session: Session, options: FillBlanksOptions, observer?: StepObserver) {
  const outSeqLength = options.outSeqLength ?? Math.min(256, session.capacity);
  if (!Number.isInteger(outSeqLength) || outSeqLength < 2 || outSeqLength > session.capacity) {
    throw new GlmError('usage', `outSeqLength must be an integer in [2, ${session.capacity}] (the session's cache capacity), got ${outSeqLength}`);
  }
  const signal = options.signal;
  return {
    outSeqLength,
    strategy: options.strategy ?? RELEASE_SAMPLING,
    rotary: session.model.config.rotary,
    ...(observer ? { observer } : signal ? { observer: { signal } } : {}),
  };
}

export async function fillBlanks(session: Session, prompt: string, options: FillBlanksOptions = {}): Promise<FillResult> {
  if (typeof prompt !== 'string') throw new GlmError('usage', `fillBlanks: the prompt must be a string, got ${typeof prompt}`);
  options.signal?.throwIfAborted();
  const model = options.signal ? yieldingModel(session.modelSession, options.signal) : session.modelSession;
  const result = await fillBlanksCore(model, session.model.tokenizer, prompt, coreOptions(session, options));
  return { ...result, source: session.source };
}
