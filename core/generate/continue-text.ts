/**
 * Plain continuation, what the pre-norm families (ChatGLM2/3, GLM-4) do with a prompt: [gMASK] <sop>
 * then the text, continued causally (positions 0, 1, 2, …; every token sees only those before it). The
 * GLM family (GLM-130B, ChatGLM-6B) fills blanks instead (./fill-blanks.ts).
 */
import { GlmError } from '../errors.js';
import type { DecodingModel, PrefillRow } from './decoding-model.js';
import { makeStrategy, type FillBlanksOptions, type FillBlanksResult } from './fill-blanks.js';
import { generateSpan } from './generate-span.js';
import { isMaskToken, type PositionRule } from './glm-inputs.js';
import { ObservedStrategy } from './observed-strategy.js';
import type { Tokenizer } from '../io/tokenizer.js';

/** The prefill row and positions of a causal continuation of `prompt`. */
export function causalInput(prompt: readonly number[]): { row: PrefillRow; rule: PositionRule } {
  const row = { tokens: [...prompt], positions: prompt.map((_, i) => i), contextLength: 0 };
  // The k-th token after the prompt's last one sits at index (n − 1) + k, positioned where it sits.
  return { row, rule: { contextLength: prompt.length - 1, maskIndex: 0, continues: true, rotary: '1d' } };
}

/** `glm run` for a pre-norm model: each beam is the prompt and its continuation. */
export async function continueText(model: DecodingModel, tokenizer: Tokenizer, text: string, options: Omit<FillBlanksOptions, 'rotary'>): Promise<FillBlanksResult> {
  const { special } = tokenizer;
  const ids = tokenizer.encode(text);
  if (ids.some((id) => isMaskToken(id, special) || id === special.sop)) {
    throw new GlmError('input', 'this model continues text (ChatGLM2/3, GLM-4 block): [MASK]/[sMASK]/[gMASK]/[sop] blanks are for the GLM family (GLM-130B, ChatGLM-6B)');
  }
  const prompt = [special.gmask, special.sop, ...ids];
  if (prompt.length > options.outSeqLength - 1) throw new GlmError('input', `the prompt is ${prompt.length} tokens with [gMASK] <sop>; it must leave room in out-seq-length ${options.outSeqLength}`);
  const made = makeStrategy(options.strategy, [special.eop, special.eos]);
  const strategy = options.observer ? new ObservedStrategy(made, options.observer) : made;
  const { row, rule } = causalInput(prompt);
  const { spans, scores } = await generateSpan(model, row, rule, strategy, { outSeqLength: options.outSeqLength });
  const beams = spans.map((span, i) => {
    const generated = tokenizer.decode(span);
    return { text: text + generated, blanks: [generated], score: scores[i] ?? 0 };
  });
  return { inputText: text, beams };
}
