/**
 * What THUDM's `rope_ratio` means in a ChatGLM2-family folder. The same config key has two
 * meanings in THUDM's code, and the config alone does not tell them apart:
 * - ChatGLM3-6B(-32K) and glm-4-9b scale the rotary base: `base = base * self.rope_ratio`
 *   (RotaryEmbedding.forward_impl); the SDK builds that (rotaryBase = 10000 · rope_ratio);
 * - ChatGLM2-6B-32K interpolates positions: `seq_idx = torch.arange(seq_len) / self.rope_ratio`
 *   (fractional positions), which the SDK's rotary ops do not take: refused.
 * The model's own modeling_chatglm.py, which the Hugging Face folders ship beside config.json
 * (config.json's auto_map names it), is read as text to say which; without it, the user declares
 * the meaning (`glm convert --rope-ratio-applies-to base|positions`). A ratio of 1 means nothing either way.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GlmError } from '../../../errors.js';

export type RopeRatioMeaning = 'base' | 'positions';

export const MODELING_FILE = 'modeling_chatglm.py';

const SCALES_BASE = /\bbase\s*=\s*base\s*\*\s*self\.rope_ratio\b/;
const DIVIDES_POSITIONS = /\/\s*self\.rope_ratio\b/;

/** What modeling_chatglm.py's text says, or undefined when it says both or neither. */
export function ropeRatioMeaningOf(modelingSource: string): RopeRatioMeaning | undefined {
  const base = SCALES_BASE.test(modelingSource);
  const positions = DIVIDES_POSITIONS.test(modelingSource);
  if (base === positions) return undefined;
  return base ? 'base' : 'positions';
}

/**
 * The rotary base for a ChatGLM2-family config's rope_ratio: 10000 · ratio when the ratio scales
 * the base (declared, or read from the folder's modeling_chatglm.py); a refusal otherwise.
 */
export async function chatGlm2RotaryBase(folder: string, configPath: string, ratio: number, declared: RopeRatioMeaning | undefined): Promise<number> {
  if (ratio === 1) return 10000;
  const meaning = declared ?? (await meaningFromFolder(folder));
  if (meaning === 'positions') {
    throw new GlmError('unsupported', `${configPath}: "rope_ratio" ${ratio} interpolates positions (positions / rope_ratio, ChatGLM2-6B-32K's rotary); the SDK's rotary takes whole positions, so this model is not supported`);
  }
  if (meaning === undefined) {
    throw new GlmError('input', `${configPath}: "rope_ratio" ${ratio} scales the rotary base (ChatGLM3-6B-32K, glm-4-9b) or divides the positions (ChatGLM2-6B-32K) depending on the model's code, and no ${MODELING_FILE} beside it says which; pass --rope-ratio-applies-to base|positions`);
  }
  return 10000 * ratio;
}

async function meaningFromFolder(folder: string): Promise<RopeRatioMeaning | undefined> {
  let source: string;
  try {
    source = await readFile(join(folder, MODELING_FILE), 'utf8');
  } catch {
    return undefined;
  }
  return ropeRatioMeaningOf(source);
}
