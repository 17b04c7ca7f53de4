/** GLM model shapes: the exact GLM-130B of the release, ChatGLM-6B-style switches, and `tiny`. */
import { GlmError } from '../../errors.js';

export interface GlmConfig {
  readonly name: string;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly numHeads: number;
  /** GeGLU inner size F: the up projection is hidden → 2F for GeGLU, hidden → F for the plain GeLU MLP. */
  readonly ffnHiddenSize: number;
  /** Ids the model may produce: the tokenizer's text ids and its special ids (generation never picks ids beyond). */
  readonly vocabSize: number;
  /** Rows of the embedding matrix (padded for tensor-parallel splits); logits have this width. */
  readonly paddedVocabSize: number;
  readonly maxSequenceLength: number;
  readonly layerNormEps: number;
  /** GLM-130B: 1-D rotary over the whole head dim; ChatGLM-6B: 2-D (positions, block positions). ChatGLM2/3, GLM-4: 1-D positions. */
  readonly rotary: '1d' | '2d';
  readonly rotaryBase: number;
  /**
   * GLM-130B: GeGLU with exact-erf GeLU on the second half; ChatGLM-6B: non-gated MLP with tanh GeLU;
   * ChatGLM2/3 and GLM-4: SwiGLU, silu on the first half (the up projection is hidden → 2F).
   */
  readonly mlp: 'geglu' | 'gelu-tanh' | 'swiglu';
  /** GLM-130B ties the output head to the word embeddings; ChatGLM-6B has its own `lm_head`. */
  readonly tiedOutput: boolean;
  /**
   * DeepNorm's residual multiplier α, declared by the model, never derived from `numLayers`: GLM-130B
   * uses √(2·layers) = √140, but THUDM's ChatGLM-6B code uses √(2·28) whatever its layer count (the
   * block's layer-count argument keeps its default), so a pruned or small ChatGLM-style model has
   * α = √56 with 2 layers. Deriving it would move such a model's outputs by most of their magnitude.
   */
  readonly deepnormAlpha: number;
  /**
   * The block's form. 'deepnorm' (GLM-130B, ChatGLM-6B; the default when absent): post-LN,
   * out = LN(x)·α + f(LN(x)), LayerNorm with weight and bias, a bias on every Linear. 'pre-norm'
   * (ChatGLM2/3, GLM-4): out = x + f(RMSNorm(x)), RMSNorm (weight only), a bias on the QKV projection
   * only, grouped-query attention over `numKvHeads`, causal attention (the GLM mask with context
   * length 0, or 1 = the [sop] index of a `[gMASK]<sop>` prompt, is causal), an untied output layer. core/models/glm/prenorm-block.ts.
   */
  readonly residual?: 'deepnorm' | 'pre-norm';
  /** Key/value heads (grouped-query attention; ChatGLM2/3's multi_query_group_num, GLM-4's num_key_value_heads). Default numHeads. */
  readonly numKvHeads?: number;
  /**
   * How the rotary pairs a head's dims. 'rotate-half' (the default when absent; GLM-130B, ChatGLM-6B):
   * i with i + w/2 over the rotated width; 'half-interleaved' (ChatGLM2/3, GLM-4): neighbours (2i, 2i+1)
   * on the first half of each head, the other half unrotated (the interleaved-rope op).
   */
  readonly rotaryPairing?: 'rotate-half' | 'half-interleaved';
  /**
   * GLM-4-0414 (transformers' Glm4DecoderLayer): the attention output and the MLP output are each
   * RMS-normed (`post_self_attn_layernorm`, `post_mlp_layernorm`) before they are added to the residual:
   * h = x + RMSNorm(attn(RMSNorm(x))), out = h + RMSNorm(mlp(RMSNorm(h))). Pre-norm block only; default false.
   */
  readonly sandwichNorm?: boolean;
}

/** Whether the pre-norm block norms each sublayer's output before the residual add (GLM-4-0414). */
export function hasSandwichNorm(c: GlmConfig): boolean {
  return c.sandwichNorm === true;
}

export function residualKind(c: GlmConfig): 'deepnorm' | 'pre-norm' {
  return c.residual ?? 'deepnorm';
}

/** The heads the KV cache holds: numKvHeads (grouped-query attention) or every head. */
export function kvHeads(c: GlmConfig): number {
  return c.numKvHeads ?? c.numHeads;
}

export function headDim(c: GlmConfig): number {
  return c.hiddenSize / c.numHeads;
}

/** DeepNorm's residual multiplier α, as the config declares it (√140 for GLM-130B, √56 for ChatGLM-6B). */
export function deepnormAlpha(c: GlmConfig): number {
  return c.deepnormAlpha;
}

/** GLM-130B's rule, α = √(2·layers): what a GLM-130B-style model trained with the release's code declares. */
export function glm130bDeepnormAlpha(numLayers: number): number {
  return Math.sqrt(2 * numLayers);
}

/** THUDM's ChatGLM-6B rule: α = √(2·28) for every layer count (its GLMBlock's `num_layers` keeps the default 28). */
export const CHATGLM_6B_DEEPNORM_ALPHA = Math.sqrt(2 * 28);

export function upProjectionSize(c: GlmConfig): number {
  return c.mlp === 'gelu-tanh' ? c.ffnHiddenSize : 2 * c.ffnHiddenSize;
}

export const GLM_130B: GlmConfig = {
  name: 'glm-130b',
  numLayers: 70,
  hiddenSize: 12288,
  numHeads: 96,
  ffnHiddenSize: 32768,
  // 150000 text + image ids (icetk), then [MASK] 150000 … [eop] 150005, which generation must be able to emit.
  vocabSize: 150006,
  paddedVocabSize: 150528,
  maxSequenceLength: 2048,
  layerNormEps: 1e-5,
  rotary: '1d',
  rotaryBase: 10000,
  mlp: 'geglu',
  tiedOutput: true,
  deepnormAlpha: glm130bDeepnormAlpha(70),
};

/** ChatGLM-6B's shape, to exercise the family's variations (2-D rope, tanh-GeLU MLP, untied head). */
export const CHATGLM_6B: GlmConfig = {
  name: 'chatglm-6b',
  numLayers: 28,
  hiddenSize: 4096,
  numHeads: 32,
  ffnHiddenSize: 16384,
  vocabSize: 130528,
  paddedVocabSize: 130528,
  maxSequenceLength: 2048,
  layerNormEps: 1e-5,
  rotary: '2d',
  rotaryBase: 10000,
  mlp: 'gelu-tanh',
  tiedOutput: false,
  deepnormAlpha: CHATGLM_6B_DEEPNORM_ALPHA,
};

/**
 * ChatGLM2-6B (THUDM/chatglm2-6b config.json): the pre-norm block with RMSNorm, SwiGLU, 2 KV groups
 * (multi_query_group_num), rotary on half of each head with interleaved pairs, QKV bias only.
 * ChatGLM3-6B has the same shape.
 */
export const CHATGLM2_6B: GlmConfig = {
  name: 'chatglm2-6b',
  numLayers: 28,
  hiddenSize: 4096,
  numHeads: 32,
  ffnHiddenSize: 13696,
  vocabSize: 65024,
  paddedVocabSize: 65024,
  maxSequenceLength: 32768,
  layerNormEps: 1e-5,
  rotary: '1d',
  rotaryBase: 10000,
  mlp: 'swiglu',
  tiedOutput: false,
  deepnormAlpha: 1,
  residual: 'pre-norm',
  numKvHeads: 2,
  rotaryPairing: 'half-interleaved',
};

/** GLM-4-9B-chat (THUDM/glm-4-9b-chat config.json): ChatGLM2's block, 40 layers, rope_ratio 500 (base 5·10⁶), eps 1.5625e-7. */
export const GLM_4_9B: GlmConfig = {
  ...CHATGLM2_6B,
  name: 'glm-4-9b',
  numLayers: 40,
  vocabSize: 151552,
  paddedVocabSize: 151552,
  maxSequenceLength: 131072,
  layerNormEps: 1.5625e-7,
  rotaryBase: 10000 * 500,
};

/** Small enough for tests and the built-in default; the vocabulary fits the byte tokenizer (264 ids). */
export const TINY: GlmConfig = {
  name: 'tiny',
  numLayers: 2,
  hiddenSize: 64,
  numHeads: 4,
  ffnHiddenSize: 128,
  vocabSize: 264,
  paddedVocabSize: 272,
  maxSequenceLength: 512,
  layerNormEps: 1e-5,
  rotary: '1d',
  rotaryBase: 10000,
  mlp: 'geglu',
  tiedOutput: true,
  deepnormAlpha: glm130bDeepnormAlpha(2),
};

export const BUILTIN_CONFIGS: Readonly<Record<string, GlmConfig>> = { 'glm-130b': GLM_130B, 'chatglm-6b': CHATGLM_6B, tiny: TINY };

/**
 * The config as config.json holds it (what parseGlmConfig reads back to an equal config): the pre-norm
 * block has no residual multiplier, so its deepnormAlpha (1, unused) is left out.
 */
export function configJson(c: GlmConfig): Record<string, unknown> {
  if (residualKind(c) !== 'pre-norm') return { ...c };
  const { deepnormAlpha: _unused, ...rest } = c;
  return rest;
}

/** Parse an untrusted config (e.g. a model folder's config.json); every problem is one clear line. */
export function parseGlmConfig(raw: unknown, source: string): GlmConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new GlmError('input', `${source}: config must be a JSON object`);
  const r = raw as Record<string, unknown>;
  const int = (key: string, min = 1): number => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new GlmError('input', `${source}: "${key}" must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return v;
  };
  const oneOf = <T extends string>(key: string, options: readonly T[], fallback: T): T => {
    const v = r[key] ?? fallback;
    if (!options.includes(v as T)) throw new GlmError('input', `${source}: "${key}" must be one of ${options.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  };
  const number = (key: string, fallback: number): number => {
    const v = r[key] ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) throw new GlmError('input', `${source}: "${key}" must be a positive number`);
    return v;
  };
  const config: GlmConfig = {
    name: typeof r['name'] === 'string' ? r['name'] : 'unnamed',
    numLayers: int('numLayers'),
    hiddenSize: int('hiddenSize'),
    numHeads: int('numHeads'),
    ffnHiddenSize: int('ffnHiddenSize'),
    vocabSize: int('vocabSize'),
    paddedVocabSize: int('paddedVocabSize'),
    maxSequenceLength: int('maxSequenceLength'),
    layerNormEps: number('layerNormEps', 1e-5),
    rotary: oneOf('rotary', ['1d', '2d'] as const, '1d'),
    rotaryBase: number('rotaryBase', 10000),
    mlp: oneOf('mlp', ['geglu', 'gelu-tanh', 'swiglu'] as const, 'geglu'),
    tiedOutput: r['tiedOutput'] === undefined ? true : r['tiedOutput'] === true,
    ...prenormFields(r, source, int),
  };
  checkConfig(config, source);
  return config;
}

/**
 * The block's form: 'deepnorm' (absent: every config.json written before ChatGLM2 support) needs α
 * declared; 'pre-norm' has no residual multiplier and may declare numKvHeads.
 */
function prenormFields(r: Record<string, unknown>, source: string, int: (key: string) => number) {
  const residual = r['residual'] ?? 'deepnorm';
  if (residual !== 'deepnorm' && residual !== 'pre-norm') throw new GlmError('input', `${source}: "residual" must be one of deepnorm, pre-norm, got ${JSON.stringify(residual)}`);
  if (residual === 'deepnorm') {
    if (r['numKvHeads'] !== undefined) throw new GlmError('input', `${source}: "numKvHeads" needs "residual": "pre-norm" (the DeepNorm block has no grouped-query attention)`);
    if (r['sandwichNorm'] !== undefined) throw new GlmError('input', `${source}: "sandwichNorm" needs "residual": "pre-norm" (GLM-4-0414's norms of the sublayer outputs)`);
    return { deepnormAlpha: declaredAlpha(r, source) };
  }
  if (r['deepnormAlpha'] !== undefined) throw new GlmError('input', `${source}: "deepnormAlpha" is meaningless with "residual": "pre-norm" (x + f(norm(x)) has no multiplier)`);
  const rotaryPairing = r['rotaryPairing'] ?? 'half-interleaved';
  if (rotaryPairing !== 'half-interleaved') throw new GlmError('input', `${source}: "rotaryPairing" of a pre-norm model must be half-interleaved, got ${JSON.stringify(rotaryPairing)}`);
  const sandwich = r['sandwichNorm'] ?? false;
  if (typeof sandwich !== 'boolean') throw new GlmError('input', `${source}: "sandwichNorm" must be true or false, got ${JSON.stringify(sandwich)}`);
  return {
    deepnormAlpha: 1,
    residual: 'pre-norm' as const,
    rotaryPairing: 'half-interleaved' as const,
    numKvHeads: r['numKvHeads'] === undefined ? int('numHeads') : int('numKvHeads'),
    ...(sandwich ? { sandwichNorm: true } : {}),
  };
}

/** α must be declared: the rule differs by family (GLM-130B √(2·layers), ChatGLM-6B √56 always). */
function declaredAlpha(r: Record<string, unknown>, source: string): number {
  const v = r['deepnormAlpha'];
  if (v === undefined) {
    throw new GlmError(
      'input',
      `${source}: "deepnormAlpha" is missing: declare DeepNorm's residual multiplier (GLM-130B-style: √(2·numLayers); ChatGLM-6B-style: √56 = ${CHATGLM_6B_DEEPNORM_ALPHA} for any layer count)`,
    );
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new GlmError('input', `${source}: "deepnormAlpha" must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

export function checkConfig(c: GlmConfig, source: string): void {
  const fail = (msg: string) => {
    throw new GlmError('input', `${source}: ${msg}`);
  };
  if (c.hiddenSize % c.numHeads !== 0) fail(`hiddenSize ${c.hiddenSize} is not a multiple of numHeads ${c.numHeads}`);
  const d = headDim(c);
  const multiple = c.rotary === '1d' && c.rotaryPairing !== 'half-interleaved' ? 2 : 4;
  if (d % multiple !== 0) fail(`head dim ${d} must be divisible by ${multiple} for ${c.rotary} rotary`);
  const prenorm = residualKind(c) === 'pre-norm';
  const halfInterleaved = c.rotaryPairing === 'half-interleaved';
  if (prenorm !== halfInterleaved || prenorm !== (c.mlp === 'swiglu') || (prenorm && c.rotary !== '1d')) {
    fail(`"residual": "pre-norm" goes with "rotary": "1d", "rotaryPairing": "half-interleaved" and "mlp": "swiglu" (the ChatGLM2/3, GLM-4 block), and only with them; got ${residualKind(c)}, ${c.rotary}, ${c.rotaryPairing ?? 'rotate-half'}, ${c.mlp}`);
  }
  if (c.sandwichNorm && !prenorm) fail('"sandwichNorm" needs "residual": "pre-norm"');
  if (c.numHeads % kvHeads(c) !== 0) fail(`numKvHeads ${kvHeads(c)} does not divide numHeads ${c.numHeads}`);
  if (c.paddedVocabSize < c.vocabSize) fail(`paddedVocabSize ${c.paddedVocabSize} is smaller than vocabSize ${c.vocabSize}`);
}
