/**
 * Test-size models whose heads, FFN width and padded vocabulary all divide by 8, so one model serves
 * N = 2, 4 and 8 (GLM-130B's own 96 heads / 32768 / 150528 divide by 8 the same way).
 */
import { CHATGLM_6B, TINY, type GlmConfig } from '../../../core/models/glm/config.js';

/** GLM-130B's block (1-D rope, GeGLU, tied head), 8 heads of 8. */
export const TP_GLM: GlmConfig = { ...TINY, name: 'tp-glm', numHeads: 8 };
/** ChatGLM-6B's switches (2-D rope, tanh-GeLU MLP, untied head), 8 heads of 8. */
export const TP_CHATGLM: GlmConfig = { ...CHATGLM_6B, name: 'tp-chatglm', numLayers: 2, hiddenSize: 64, numHeads: 8, ffnHiddenSize: 96, vocabSize: 264, paddedVocabSize: 272, maxSequenceLength: 256 };

export const TP_CONFIGS: readonly GlmConfig[] = [TP_GLM, TP_CHATGLM];
export const TP_SIZES = [2, 4, 8] as const;
