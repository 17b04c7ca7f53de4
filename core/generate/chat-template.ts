/**
 * The chat formats of the GLM family, as token ids, after THUDM's published code:
 * - chatglm-6b (THUDM/chatglm-6b modeling_chatglm.py `chat`): "[Round i]\n问：q\n答：r\n" per earlier
 *   turn (i from 0), then "[Round n]\n问：q\n答："; the tokenizer appends [gMASK] <sop> (blank filling).
 * - chatglm2 (THUDM/chatglm2-6b tokenization_chatglm.py `build_prompt`): "[Round i]\n\n问：q\n\n答：r\n\n"
 *   with i from 1, prefixed by [gMASK] sop; causal continuation.
 * - chatglm3 and glm-4 (THUDM/chatglm3-6b and glm-4-9b-chat tokenization_chatglm.py `build_chat_input`):
 *   [gMASK] <sop>, then per message <|role|> + encode("\n") + encode(content), then <|assistant|>;
 *   the reply ends at <|endoftext|>, <|user|> or <|observation|> (generation_config eos_token_id).
 * ChatGLM-6B and ChatGLM2 have no system role: a system prompt is refused for them, not guessed.
 */
import { GlmError } from '../errors.js';
import type { Tokenizer } from '../io/tokenizer.js';
import type { ChatHistory } from './chat-history.js';

export const CHAT_TEMPLATES = ['chatglm-6b', 'chatglm2', 'chatglm3', 'glm-4'] as const;
export type ChatTemplateName = (typeof CHAT_TEMPLATES)[number];

/** A tokenizer that may know role tokens by name and encode text without reading control-token spellings. */
export interface ChatTokenizer extends Tokenizer {
  readonly named?: ReadonlyMap<string, number>;
  encodeOrdinary?(text: string): number[];
}

/** How the reply is generated: filling a [gMASK] blank (ChatGLM-6B) or continuing causally. */
export function generationKind(template: ChatTemplateName): 'blank' | 'causal' {
  return template === 'chatglm-6b' ? 'blank' : 'causal';
}

/** The template a model uses when none is named: DeepNorm → ChatGLM-6B; pre-norm → by its tokenizer's role tokens. */
export function defaultTemplate(residual: 'deepnorm' | 'pre-norm', tokenizer: ChatTokenizer): ChatTemplateName {
  if (residual === 'deepnorm') return 'chatglm-6b';
  if (!tokenizer.named?.has('<|user|>')) return 'chatglm2';
  return tokenizer.name === 'glm4-bpe' ? 'glm-4' : 'chatglm3';
}

const plain = (tokenizer: ChatTokenizer, text: string): number[] => (tokenizer.encodeOrdinary ? tokenizer.encodeOrdinary(text) : tokenizer.encode(text));

function roleToken(tokenizer: ChatTokenizer, role: string): number {
  const id = tokenizer.named?.get(`<|${role}|>`);
  if (id === undefined) throw new GlmError('unsupported', `the ${tokenizer.name} tokenizer has no <|${role}|> token: use a chatglm-6b or chatglm2 template (--template)`);
  return id;
}

function roundsText(template: 'chatglm-6b' | 'chatglm2', history: ChatHistory, message: string): string {
  const [first, gap] = template === 'chatglm-6b' ? [0, '\n'] : [1, '\n\n'];
  let text = '';
  history.turns.forEach((turn, i) => (text += `[Round ${i + first}]${gap}问：${turn.user}${gap}答：${turn.assistant}${gap}`));
  return text + `[Round ${history.turns.length + first}]${gap}问：${message}${gap}答：`;
}

/** The prompt ids of one turn: the history, the new message, and what asks for the reply. */
export function chatPrompt(template: ChatTemplateName, tokenizer: ChatTokenizer, history: ChatHistory, message: string): number[] {
  const { special } = tokenizer;
  if ((template === 'chatglm-6b' || template === 'chatglm2') && history.system !== undefined) {
    throw new GlmError('usage', `the ${template} chat format has no system role (--system needs chatglm3 or glm-4)`);
  }
  if (template === 'chatglm-6b') return [...plain(tokenizer, roundsText(template, history, message)), special.gmask];
  if (template === 'chatglm2') return [special.gmask, special.sop, ...plain(tokenizer, roundsText(template, history, message))];
  const ids = [special.gmask, special.sop];
  const add = (role: string, content: string) => ids.push(roleToken(tokenizer, role), ...plain(tokenizer, '\n'), ...plain(tokenizer, content));
  if (history.system !== undefined) add('system', history.system);
  for (const turn of history.turns) {
    add('user', turn.user);
    add('assistant', turn.assistant);
  }
  add('user', message);
  ids.push(roleToken(tokenizer, 'assistant'));
  return ids;
}

/** Ids that end a reply. */
export function chatEndTokens(template: ChatTemplateName, tokenizer: ChatTokenizer): number[] {
  const { special } = tokenizer;
  const ends = [special.eos, special.eop];
  if (template === 'chatglm3' || template === 'glm-4') ends.push(roleToken(tokenizer, 'user'), roleToken(tokenizer, 'observation'));
  return [...new Set(ends)];
}

/** The reply as history keeps it: role-token formats generate "\n" first, which the template writes itself. */
export function replyForHistory(template: ChatTemplateName, reply: string): string {
  return (template === 'chatglm3' || template === 'glm-4') && reply.startsWith('\n') ? reply.slice(1) : reply;
}
