/**
 * The name tables of the layouts `glm convert` reads: for each source tensor, the SDK tensor it
 * becomes (docs/weights.md lists the same tables) and how model-parallel parts merge.
 *
 * SwissArmyTransformer (the GLM-130B release, `mp_rank_XX_model_states.pt`), as its parallel layers
 * split them and GLM-130B's tools/convert_tp.py merges them:
 * - vocabulary-parallel embedding: rank r holds rows [r·V/N, (r+1)·V/N) → rows in rank order;
 * - column-parallel QKV: each rank holds whole heads, each head [q_h | k_h | v_h] → rows in rank
 *   order (the merged tensor stays interleaved per head, as docs/weights.md requires);
 * - column-parallel GeGLU up-projection: each rank holds [its share of x1 | its share of x2] → all
 *   x1 shares, then all x2 shares ("glu-rows"; concatenating whole ranks would mix the halves);
 * - row-parallel attention dense and down-projection: columns in rank order; their biases, the
 *   LayerNorms and the final LayerNorm are replicated (checked equal across ranks);
 * - `attention.rotary_emb.inv_freq` is a buffer the SDK recomputes from the config: dropped.
 * ChatGLM (Hugging Face, `pytorch_model*.bin` or safetensors shards): the same names, one part each,
 * plus the untied `lm_head.weight`; `rotary_emb.inv_freq` dropped.
 * The pre-norm family's Hugging Face layouts (ChatGLM2/3 and THUDM's glm-4-9b: THUDM's names, the
 * SDK's own; transformers' GlmForCausalLM / Glm4ForCausalLM: separate q, k, v projections fused into
 * the SDK's query_key_value) are in prenorm-layouts.ts.
 */
export type MergeRule = 'replicated' | 'rows' | 'columns' | 'glu-rows' | 'drop' | 'zeros';
/**
 * How the model-parallel parts of one source tensor merge: every rule but 'drop' (a source with no SDK
 * tensor: a recomputed buffer) and 'zeros' (an SDK tensor with no source, `source` ''): a bias the
 * model's config switches off, written as zeros, which computes the same.
 */
export type PartsMerge = Exclude<MergeRule, 'drop' | 'zeros'>;

export interface LayoutRow {
  /** The source name, `{i}` standing for a layer index. */
  readonly source: string;
  /** The SDK name, `{i}` standing for the same layer index. */
  readonly target: string;
  readonly merge: MergeRule;
  /**
   * Several sources concatenated on the output axis (rows) make one SDK tensor: this source's place
   * among them (transformers' q_proj 0, k_proj 1, v_proj 2 → query_key_value). Absent: the only source.
   */
  readonly part?: number;
}

const LAYER = 'transformer.layers.{i}';
/** The first all-digit component of a name is its layer index (`transformer.layers.3.…`, `model.layers.3.…`). */
const LAYER_INDEX = /\.(\d+)\./;

export const SAT_TABLE: readonly LayoutRow[] = [
  { source: 'transformer.word_embeddings.weight', target: 'transformer.word_embeddings.weight', merge: 'rows' },
  ...['input_layernorm', 'post_attention_layernorm'].flatMap((ln) =>
    ['weight', 'bias'].map((p): LayoutRow => ({ source: `${LAYER}.${ln}.${p}`, target: `${LAYER}.${ln}.${p}`, merge: 'replicated' })),
  ),
  { source: `${LAYER}.attention.query_key_value.weight`, target: `${LAYER}.attention.query_key_value.weight`, merge: 'rows' },
  { source: `${LAYER}.attention.query_key_value.bias`, target: `${LAYER}.attention.query_key_value.bias`, merge: 'rows' },
  { source: `${LAYER}.attention.dense.weight`, target: `${LAYER}.attention.dense.weight`, merge: 'columns' },
  { source: `${LAYER}.attention.dense.bias`, target: `${LAYER}.attention.dense.bias`, merge: 'replicated' },
  { source: `${LAYER}.mlp.dense_h_to_4h.weight`, target: `${LAYER}.mlp.dense_h_to_4h.weight`, merge: 'glu-rows' },
  { source: `${LAYER}.mlp.dense_h_to_4h.bias`, target: `${LAYER}.mlp.dense_h_to_4h.bias`, merge: 'glu-rows' },
  { source: `${LAYER}.mlp.dense_4h_to_h.weight`, target: `${LAYER}.mlp.dense_4h_to_h.weight`, merge: 'columns' },
  { source: `${LAYER}.mlp.dense_4h_to_h.bias`, target: `${LAYER}.mlp.dense_4h_to_h.bias`, merge: 'replicated' },
  { source: `${LAYER}.attention.rotary_emb.inv_freq`, target: '', merge: 'drop' },
  { source: 'transformer.final_layernorm.weight', target: 'transformer.final_layernorm.weight', merge: 'replicated' },
  { source: 'transformer.final_layernorm.bias', target: 'transformer.final_layernorm.bias', merge: 'replicated' },
];

export const CHATGLM_TABLE: readonly LayoutRow[] = [
  ...SAT_TABLE.map((row): LayoutRow => ({ ...row, merge: row.merge === 'drop' ? 'drop' : 'replicated' })),
  { source: 'lm_head.weight', target: 'lm_head.weight', merge: 'replicated' },
];

/** The rows for a source name with the SDK names they become (two where a tied embedding is also the head); empty when the table has none. */
export function lookUp(table: readonly LayoutRow[], name: string): { row: LayoutRow; target: string }[] {
  const m = LAYER_INDEX.exec(name);
  const key = m ? name.replace(LAYER_INDEX, '.{i}.') : name;
  return table.filter((r) => r.source === key).map((row) => ({ row, target: m ? row.target.replace('{i}', m[1]!) : row.target }));
}

/** The rows that make one SDK tensor, with their source names for its layer, in part order. */
function rowsFor(table: readonly LayoutRow[], target: string): { row: LayoutRow; source: string }[] {
  const m = LAYER_INDEX.exec(target);
  const key = m ? target.replace(LAYER_INDEX, '.{i}.') : target;
  return table
    .filter((r) => r.merge !== 'drop' && r.target === key)
    .sort((a, b) => (a.part ?? 0) - (b.part ?? 0))
    .map((row) => ({ row, source: m ? row.source.replace('{i}', m[1]!) : row.source }));
}

/** The source names a table maps to one SDK tensor, in part order: what a checkpoint must hold for it. */
export function sourcesOf(table: readonly LayoutRow[], target: string): string[] {
  return rowsFor(table, target)
    .filter(({ row }) => row.merge !== 'zeros')
    .map(({ source }) => source);
}

/** Whether the layout has no source for this SDK tensor and it is written as zeros. */
export function zeroFilled(table: readonly LayoutRow[], target: string): boolean {
  return rowsFor(table, target).some(({ row }) => row.merge === 'zeros');
}
