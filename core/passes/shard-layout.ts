/**
 * Megatron-style tensor parallelism of the GLM block, as data: how each weight is divided among N
 * ranks, and which N a model admits. The rank graphs (shard-graph.ts) and the weight slicing
 * (shard-weights.ts) both read this one table, so they cannot disagree.
 *
 * - QKV and the up-projection are column-parallel (split by output rows of the [out, in] weight):
 *   QKV's rows hold head after head, each as [q_h | k_h | v_h], so a contiguous block of rows is whole
 *   heads; GeGLU's rows are [a | b] with the pair (a_j, b_j) = (row j, row F + j), so a rank takes the
 *   same block of both halves ('pair-rows') and every pair stays on one rank.
 * - The attention dense and the down-projection are row-parallel (split by input columns); each rank's
 *   partial product is summed by an all-reduce, and the bias is added once after it.
 * - The word embedding (and an untied lm_head) is vocabulary-parallel: rank r holds rows
 *   [r·Vp/N, (r+1)·Vp/N) of the padded vocabulary.
 * - LayerNorms, biases of row-parallel layers and per-row scales of row-parallel layers are replicated
 *   (a per-output-row scale applies unchanged to any block of that row's columns).
 */
import { GlmError } from '../errors.js';
import type { GlmConfig } from '../models/glm/config.js';

export type ParamShard =
  | { readonly kind: 'replicated' }
  /** Contiguous blocks of axis 0. */
  | { readonly kind: 'rows' }
  /** Axis 0 is two halves [a | b]; a rank takes the same block of each (GeGLU pairs). */
  | { readonly kind: 'pair-rows' }
  /** Contiguous blocks of axis 1 (the input features of a [out, in] weight). */
  | { readonly kind: 'columns' };

/** The layout function: a weight's name → how it is divided. Tests pass a broken one to show the checks catch it. */
export type ShardRule = (name: string, c: GlmConfig) => ParamShard;

const REPLICATED: ParamShard = { kind: 'replicated' };

export const glmShardRule: ShardRule = (name, c) => {
  if (name === 'transformer.word_embeddings.weight' || name === 'lm_head.weight') return { kind: 'rows' };
  const linear = /\.(attention\.query_key_value|attention\.dense|mlp\.dense_h_to_4h|mlp\.dense_4h_to_h)\.(weight|weight_scale|bias)$/.exec(name);
  if (!linear) return REPLICATED;
  const [, layer, part] = linear;
  if (layer === 'attention.query_key_value') return { kind: 'rows' };
  if (layer === 'mlp.dense_h_to_4h') return c.mlp === 'geglu' ? { kind: 'pair-rows' } : { kind: 'rows' };
  return part === 'weight' ? { kind: 'columns' } : REPLICATED;
};

/** Is this weight one of the row-parallel layers whose partial products an all-reduce sums? */
export function isRowParallelWeight(name: string): boolean {
  return /\.(attention\.dense|mlp\.dense_4h_to_h)\.weight$/.test(name);
}

export function isVocabularyTable(name: string): boolean {
  return name === 'transformer.word_embeddings.weight' || name === 'lm_head.weight';
}

/** The sizes N must divide, named for the refusal. */
function undividedParts(c: GlmConfig, worldSize: number): string[] {
  const parts: [string, number][] = [
    [`attention heads (${c.numHeads})`, c.numHeads],
    [`FFN width (${c.ffnHiddenSize})`, c.ffnHiddenSize],
    [`padded vocabulary (${c.paddedVocabSize})`, c.paddedVocabSize],
  ];
  return parts.filter(([, n]) => n % worldSize !== 0).map(([what]) => what);
}

/** Why N ranks cannot split this model, or undefined when they can. */
export function tensorParallelRefusal(c: GlmConfig, worldSize: number): string | undefined {
  if (!Number.isInteger(worldSize) || worldSize < 1) return `the tensor-parallel size must be a positive integer, got ${worldSize}`;
  // The split rules above know the DeepNorm block's names and layouts only; a pre-norm model would be replicated, not split.
  if (worldSize > 1 && c.residual === 'pre-norm') return `${c.name}: tensor parallelism of the pre-norm block (ChatGLM2/3, GLM-4: grouped-query attention, SwiGLU) is not implemented; run it on one rank`;
  const bad = undividedParts(c, worldSize);
  if (bad.length === 0) return undefined;
  return `${worldSize} ranks cannot split ${c.name}: ${worldSize} does not divide its ${bad.join(', ')}; valid sizes: ${tensorParallelSizes(c).join(', ')}`;
}

/** Every N that divides the heads, the FFN width and the padded vocabulary (1, 2, 4, 8, … for GLM-130B). */
export function tensorParallelSizes(c: GlmConfig): number[] {
  const sizes: number[] = [];
  for (let n = 1; n <= c.numHeads; n++) if (undividedParts(c, n).length === 0) sizes.push(n);
  return sizes;
}

/** Refuse an N the model cannot be split into, with the reason (exit 2: the size was the caller's choice). */
export function checkTensorParallel(c: GlmConfig, worldSize: number): void {
  const why = tensorParallelRefusal(c, worldSize);
  if (why !== undefined) throw new GlmError('usage', why);
}
