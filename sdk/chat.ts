/**
 * Chat on a session: the model family's template (core/generate/chat-template.ts), the reply streamed
 * token by token, the turn added to the history. Aborting the signal stops the reply: the part already
 * generated is kept in the history (marked `stopped: 'aborted'`), because the user saw it and the next
 * turn may refer to it; then the call rejects with the signal's reason.
 */
import { GlmError } from '../core/errors.js';
import { ChatHistory } from '../core/generate/chat-history.js';
import { generateReply } from '../core/generate/chat-reply.js';
import { chatEndTokens, chatPrompt, CHAT_TEMPLATES, defaultTemplate, generationKind, replyForHistory, type ChatTemplateName, type ChatTokenizer } from '../core/generate/chat-template.js';
import type { StrategyStep } from '../core/generate/strategy.js';
import { residualKind } from '../core/models/glm/config.js';
import type { Session } from './session.js';
import { StreamedText, TokenQueue } from './streaming.js';
import { yieldingModel } from './yielding-model.js';

export { ChatHistory };
export type { ChatTurn } from '../core/generate/chat-history.js';
export type { ChatTemplateName };

export interface ChatOptions {
  /** Default: the model's own (ChatGLM-6B for DeepNorm models, else by the tokenizer's role tokens). */
  readonly template?: ChatTemplateName;
  /** Most tokens of one reply (default 256); the session's cache capacity bounds prompt + reply. */
  readonly maxNewTokens?: number;
  /** BaseStrategy sampling; the release's defaults (temperature 1, top-p 0.7, seed 1234) otherwise. */
  readonly sampling?: { temperature?: number; topK?: number; topP?: number; seed?: number };
  readonly signal?: AbortSignal;
}

export interface ChatToken {
  readonly id: number;
  /** The text it adds; '' while a character is incomplete (it comes with the token that completes it). */
  readonly text: string;
}

export interface ChatReply {
  readonly reply: string;
  readonly stopped: 'end' | 'length';
  readonly template: ChatTemplateName;
}

export function chatTemplateOf(session: Session, requested?: ChatTemplateName): ChatTemplateName {
  if (requested !== undefined && !CHAT_TEMPLATES.includes(requested)) throw new GlmError('usage', `chat template must be one of ${CHAT_TEMPLATES.join(', ')}, got ${JSON.stringify(requested)}`);
  return requested ?? defaultTemplate(residualKind(session.model.config), session.model.tokenizer as ChatTokenizer);
}

/** Stream one reply to `message`; the turn is added to `history` when the reply ends or is aborted. */
export async function* chat(session: Session, history: ChatHistory, message: string, options: ChatOptions = {}): AsyncGenerator<ChatToken, ChatReply> {
  if (typeof message !== 'string') throw new GlmError('usage', `chat: the message must be a string, got ${typeof message}`);
  const maxNewTokens = options.maxNewTokens ?? 256;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new GlmError('usage', `maxNewTokens must be an integer >= 1, got ${maxNewTokens}`);
  const template = chatTemplateOf(session, options.template);
  const tokenizer = session.model.tokenizer as ChatTokenizer;
  const prompt = chatPrompt(template, tokenizer, history, message);
  const endTokens = chatEndTokens(template, tokenizer);
  options.signal?.throwIfAborted();

  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const text = new StreamedText((ids) => tokenizer.decode(ids));
  const queue = new TokenQueue<ChatToken>();
  const observer = {
    signal,
    onStep(step: StrategyStep) {
      const id = step.tokens[0]!;
      if (!endTokens.includes(id)) queue.push({ id, text: text.add(id) });
    },
  };
  const outcome = generateReply(yieldingModel(session.modelSession, signal), prompt, {
    kind: generationKind(template),
    rotary: session.model.config.rotary,
    special: tokenizer.special,
    endTokens,
    sampling: { temperature: 1, topK: 0, topP: 0.7, seed: 1234, ...options.sampling },
    maxNewTokens,
    capacity: session.capacity,
    observer,
  }).then((reply) => ({ reply }), (error: unknown) => ({ error }));
  void outcome.then(() => queue.finish());
  const keep = (stopped?: 'aborted' | 'length') => {
    const reply = replyForHistory(template, tokenizer.decode(text.ids));
    history.add({ user: message, assistant: reply, ...(stopped ? { stopped } : {}) });
    return reply;
  };
  try {
    yield* queue.drain(options.signal);
    const settled = await outcome;
    if ('error' in settled) throw settled.error;
    return { reply: keep(settled.reply.stopped === 'length' ? 'length' : undefined), stopped: settled.reply.stopped, template };
  } catch (e) {
    if (options.signal?.aborted) keep('aborted');
    throw e;
  } finally {
    stop.abort();
    await outcome;
  }
}
