import { GlmError } from '../errors.js';
import type { PrefillRow } from './decoding-model.js';
import type { SpecialTokens } from '../io/tokenizer.js';

/** GLM-130B rotates with one position id per token; ChatGLM-style models add a block position. */
export type Rotary = '1d' | '2d';

export function isMaskToken(id: number, special: SpecialTokens): boolean {
  return id === special.mask || id === special.gmask || id === special.smask;
}

/**
 * The release's prompt completion: a prompt without a blank gets a long-generation blank at the end,
 * and a prompt that does not end in a blank gets eos, so the model sees where the text stops.
 */
export function prepareContext(tokens: readonly number[], special: SpecialTokens): number[] {
  const context = [...tokens];
  if (!context.some((id) => isMaskToken(id, special))) context.push(special.gmask);
  const last = context[context.length - 1];
  if (last === undefined || !isMaskToken(last, special)) context.push(special.eos);
  return context;
}

/** How the tokens from [sop] on are positioned while one blank is generated. */
export interface PositionRule {
  /** Index of [sop]. */
  contextLength: number;
  maskIndex: number;
  /** 1-D [gMASK] only: positions keep counting past the context instead of sticking to the mask. */
  continues: boolean;
  rotary: Rotary;
}

export function positionRule(
  context: readonly number[],
  maskIndex: number,
  special: SpecialTokens,
  rotary: Rotary,
): PositionRule {
  const maskToken = context[maskIndex];
  if (maskToken === undefined || !isMaskToken(maskToken, special)) {
    throw new GlmError('input', `no mask token at index ${maskIndex} of the context`);
  }
  return {
    contextLength: context.length,
    maskIndex,
    // The spec: [MASK]/[sMASK] spans sit at the blank's position, [gMASK] text just continues; the 2-D
    // scheme always uses the mask position and tells the span's tokens apart by the block position.
    continues: rotary === '1d' && maskToken === special.gmask,
    rotary,
  };
}

export interface TokenPositions {
  position: number;
  /** Present for 2-D rotary only. */
  blockPosition?: number;
}

/**
 * Positions of the k-th token after the context: k = 0 is [sop], k = 1 the first generated token, so
 * the token sits at index `contextLength + k`.
 */
export function nextPositions(rule: PositionRule, k: number): TokenPositions {
  const index = rule.contextLength + k;
  const position = rule.continues ? index : rule.maskIndex;
  return rule.rotary === '2d' ? { position, blockPosition: k + 1 } : { position };
}

/** The prefill row of one blank: the context, [sop], and their positions. */
export function buildBlankInput(
  context: readonly number[],
  maskIndex: number,
  special: SpecialTokens,
  options: { rotary: Rotary },
): PrefillRow {
  const rule = positionRule(context, maskIndex, special, options.rotary);
  const positions = context.map((_, i) => i);
  positions.push(nextPositions(rule, 0).position);
  const row: PrefillRow = { tokens: [...context, special.sop], positions, contextLength: context.length };
  if (options.rotary === '2d') row.blockPositions = [...context.map(() => 0), 1];
  return row;
}

/** The GLM mask (true = may attend): the context is seen bidirectionally, the rest causally. */
export function glmAttentionMask(contextLength: number, total: number): boolean[][] {
  return Array.from({ length: total }, (_, i) =>
    Array.from({ length: total }, (_, j) => j < contextLength || j <= i),
  );
}
