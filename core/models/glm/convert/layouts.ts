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
 */
export type MergeRule = 'replicated' | 'rows' | 'columns' | 'glu-rows' | 'drop';

export interface LayoutRow {
  /** The source name, `{i}` standing for a layer index. */
  readonly source: string;
  /** The SDK name (the same here: both layouts use the release's names). */
  readonly target: string;
  readonly merge: MergeRule;
}

const LAYER = 'transformer.layers.{i}';

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

/** The row for a source name and the SDK name it becomes, or undefined when the table has none. */
export function lookUp(table: readonly LayoutRow[], name: string): { row: LayoutRow; target: string } | undefined {
  const m = /^transformer\.layers\.(\d+)\.(.+)$/.exec(name);
  const key = m ? `${LAYER}.${m[2]}` : name;
  const row = table.find((r) => r.source === key);
  if (!row) return undefined;
  return { row, target: m ? row.target.replace('{i}', m[1]!) : row.target };
}
