/**
 * One chat reply: the prompt of ./chat-template.ts, generated as its family does it — ChatGLM-6B fills
 * the [gMASK] blank at the end (2-D positions, [sop] appended), the pre-norm families continue the
 * sequence causally (positions 0, 1, 2, …; every token sees only those before it).
 */
import { GlmError } from '../errors.js';
import { BaseStrategy, type BaseStrategyOptions } from './base-strategy.js';
import type { DecodingModel } from './decoding-model.js';
import { causalInput } from './continue-text.js';
import { generateSpan } from './generate-span.js';
import { buildBlankInput, positionRule, type Rotary } from './glm-inputs.js';
import { ObservedStrategy, type StepObserver } from './observed-strategy.js';
import { Rng } from '../random/rng.js';
import type { SpecialTokens } from '../io/tokenizer.js';

export interface ReplyOptions {
  readonly kind: 'blank' | 'causal';
  readonly rotary: Rotary;
  readonly special: SpecialTokens;
  readonly endTokens: readonly number[];
  readonly sampling: Omit<BaseStrategyOptions, 'endTokens' | 'rng'> & { seed?: number };
  readonly maxNewTokens: number;
  /** Tokens the session's cache holds: prompt + reply must fit. */
  readonly capacity: number;
  readonly observer?: StepObserver;
}

export interface Reply {
  /** Generated ids without the end token. */
  readonly tokens: number[];
  /** 'end': an end token came; 'length': maxNewTokens (or the cache) ran out first. */
  readonly stopped: 'end' | 'length';
}

export async function generateReply(model: DecodingModel, prompt: readonly number[], o: ReplyOptions): Promise<Reply> {
  if (prompt.length === 0) throw new GlmError('input', 'the chat prompt is empty');
  const { row, rule } =
    o.kind === 'causal'
      ? causalInput(prompt)
      : { row: buildBlankInput(prompt, prompt.length - 1, o.special, { rotary: o.rotary }), rule: positionRule(prompt, prompt.length - 1, o.special, o.rotary) };
  if (row.tokens.length >= o.capacity) {
    throw new GlmError('input', `the conversation is ${row.tokens.length} tokens; the session holds ${o.capacity} (start a new chat or open the session with a larger capacity)`);
  }
  const outSeqLength = Math.min(o.capacity, row.tokens.length + o.maxNewTokens);
  const { seed, ...filter } = o.sampling;
  const base = new BaseStrategy({ ...filter, endTokens: [...o.endTokens], rng: new Rng(seed ?? 1234) });
  const strategy = o.observer ? new ObservedStrategy(base, o.observer) : base;
  const { spans } = await generateSpan(model, row, rule, strategy, { outSeqLength });
  const tokens = spans[0] ?? [];
  const ended = row.tokens.length + tokens.length < outSeqLength;
  return { tokens, stopped: ended ? 'end' : 'length' };
}
