/**
 * Streaming generation: blank filling as an async iterator of tokens, cancellable with an
 * AbortSignal (or by leaving the `for await` loop, which stops the work too).
 */
import { GlmError } from '../core/errors.js';
import { fillBlanks as fillBlanksCore } from '../core/generate/fill-blanks.js';
import type { StrategyStep } from '../core/generate/strategy.js';
import { coreOptions, type FillBlanksOptions, type FillResult } from './fill-blanks.js';
import type { Session } from './session.js';
import { StreamedText, TokenQueue } from './streaming.js';
import { yieldingModel } from './yielding-model.js';

export interface GeneratedToken {
  /** The token id. */
  readonly id: number;
  /**
   * The text this token adds to its blank; '' while it ends inside a multi-byte character (the
   * text then comes with the token that completes it). Concatenated, a blank's pieces are its text
   * (fillBlanks's `blanks[i]`), except that a blank ending inside a character (a malformed byte
   * sequence, which fillBlanks shows as a final U+FFFD) ends without it here.
   */
  readonly text: string;
  /** Which blank it belongs to: 0, 1, … in the order blanks are filled ([MASK]s, [sMASK]s, [gMASK]s). */
  readonly blank: number;
}

export type GenerateOptions = FillBlanksOptions;

/**
 * Tokens of every blank as they are generated (end tokens are not yielded); the iterator's return
 * value is the whole result, as fillBlanks gives it. One sequence at a time: beam search's beams are
 * only known at the end, so it is refused here (use fillBlanks).
 */
export async function* generate(session: Session, prompt: string, options: GenerateOptions = {}): AsyncGenerator<GeneratedToken, FillResult> {
  if (options.strategy?.kind === 'beam') throw new GlmError('usage', 'generate streams one sequence: beam search only knows its beams at the end (use fillBlanks)');
  if (typeof prompt !== 'string') throw new GlmError('usage', `generate: the prompt must be a string, got ${typeof prompt}`);
  options.signal?.throwIfAborted();
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const tokenizer = session.model.tokenizer;
  const queue = new TokenQueue<GeneratedToken>();
  let blank = -1;
  let text = new StreamedText((ids) => tokenizer.decode(ids));
  const endTokens = new Set([tokenizer.special.eop, tokenizer.special.eos]);
  const observer = {
    signal,
    onStart() {
      blank += 1;
      text = new StreamedText((ids) => tokenizer.decode(ids));
    },
    onStep(step: StrategyStep) {
      const id = step.tokens[0]!;
      if (!endTokens.has(id)) queue.push({ id, text: text.add(id), blank });
    },
  };
  // Settled, never rejected: an error is rethrown where the consumer awaits it.
  const outcome = fillBlanksCore(yieldingModel(session.modelSession, signal), tokenizer, prompt, coreOptions(session, options, observer)).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  void outcome.then(() => queue.finish());
  try {
    yield* queue.drain(options.signal);
    const settled = await outcome;
    if ('error' in settled) throw settled.error;
    return { ...settled.result, source: session.source };
  } finally {
    // The consumer left early (break, return, throw): stop generating, and let the session settle.
    stop.abort();
    await outcome;
  }
}
