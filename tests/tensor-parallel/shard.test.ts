import { describe, expect, it } from 'vitest';
import { GLM_130B, TINY } from '../../core/models/glm/config.js';
import { buildGlmBlockGraph, buildGlmModelGraph } from '../../core/models/glm/graphs.js';
import { isGlmError } from '../../core/errors.js';
import { fromFloat64, toFloat64 } from '../../core/tensor/host-tensor.js';
import { checkTensorParallel, glmShardRule, tensorParallelSizes, type ShardRule } from '../../core/passes/shard-layout.js';
import { shardGlmGraph } from '../../core/passes/shard-graph.js';
import { shardTensor } from '../../core/passes/shard-weights.js';
import { vocabularyShardInputs } from '../../core/passes/shard-io.js';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import { InProcessGroup } from '../../backends/cpu-ref/in-process-group.js';
import { BLOCK_SETUPS, blockCheck, modelCheck } from '../../conformance/cases/tensor-parallel/graph-cases.js';
import { checkSharded } from '../../conformance/cases/tensor-parallel/sharded-check.js';
import { TP_CHATGLM, TP_GLM } from '../../conformance/cases/tensor-parallel/configs.js';

describe('which tensor-parallel sizes a model admits', () => {
  it('GLM-130B splits 1, 2, 4, 8 ways (and 16, 32: every common divisor of 96 heads, 32768, 150528)', () => {
    expect(tensorParallelSizes(GLM_130B)).toEqual([1, 2, 4, 8, 16, 32]);
  });
  it('refuses 3 and 0 with the reason', () => {
    const refusal = (n: number) => {
      try {
        checkTensorParallel(GLM_130B, n);
        return undefined;
      } catch (e) {
        return isGlmError(e) ? `${e.code}: ${e.message}` : String(e);
      }
    };
    expect(refusal(3)).toMatch(/^usage: 3 ranks cannot split glm-130b: 3 does not divide its FFN width \(32768\); valid sizes: 1, 2, 4, 8, 16, 32$/);
    expect(refusal(0)).toMatch(/positive integer/);
    expect(refusal(8)).toBeUndefined();
    expect(() => shardGlmGraph(buildGlmBlockGraph(TINY, 0, { dtype: 'f32' }), TINY, 8)).toThrow(/8 does not divide its attention heads \(4\)/);
  });
});

describe('weight slicing', () => {
  const full = fromFloat64('f32', [8, 3], Array.from({ length: 24 }, (_, i) => i));
  const rowsOf = (t: ReturnType<typeof shardTensor>) => Array.from(toFloat64(t)).filter((_, i) => i % 3 === 0).map((v) => v / 3);
  it('column-parallel rows: rank r holds rows [2r, 2r+2) of 8 over 4 ranks', () => {
    expect(rowsOf(shardTensor(full, { kind: 'rows' }, 1, 4, 'w'))).toEqual([2, 3]);
  });
  it('GeGLU pairs (j, 4 + j) stay on one rank', () => {
    expect(rowsOf(shardTensor(full, { kind: 'pair-rows' }, 1, 2, 'w'))).toEqual([2, 3, 6, 7]);
    expect(rowsOf(shardTensor(full, { kind: 'pair-rows' }, 3, 4, 'w'))).toEqual([3, 7]);
  });
  it('row-parallel columns, INT4 weights exactly', () => {
    const q = fromFloat64('i4', [2, 4], [1, -2, 3, -4, 5, -6, 7, -7]);
    expect(Array.from(toFloat64(shardTensor(q, { kind: 'columns' }, 1, 2, 'q')))).toEqual([3, -4, 7, -7]);
  });
  it('the layout: QKV by whole heads, the GeGLU up-projection by pairs, dense/down by input, scales of row-parallel layers replicated', () => {
    const p = 'transformer.layers.3.';
    expect(glmShardRule(`${p}attention.query_key_value.weight`, GLM_130B).kind).toBe('rows');
    expect(glmShardRule(`${p}mlp.dense_h_to_4h.bias`, GLM_130B).kind).toBe('pair-rows');
    expect(glmShardRule(`${p}mlp.dense_h_to_4h.weight`, TP_CHATGLM).kind).toBe('rows');
    expect(glmShardRule(`${p}mlp.dense_4h_to_h.weight`, GLM_130B).kind).toBe('columns');
    expect(glmShardRule(`${p}mlp.dense_4h_to_h.weight_scale`, GLM_130B).kind).toBe('replicated');
    expect(glmShardRule(`${p}attention.dense.bias`, GLM_130B).kind).toBe('replicated');
    expect(glmShardRule('transformer.word_embeddings.weight', GLM_130B).kind).toBe('rows');
  });
});

describe('the sharded graph', () => {
  it('GLM-130B at TP 8: 12 heads a rank, 12288/8-wide dense input, two all-reduces per block plus the embedding', () => {
    const sharded = shardGlmGraph(buildGlmModelGraph({ ...GLM_130B, numLayers: 2 }, { dtype: 'f16', quantization: 'int4' }), GLM_130B, 8);
    const g = sharded.graph;
    const node = (name: string) => g.nodes.find((n) => n.name === name)!;
    expect(node('layers.0.qkv_bias_rope').attrs['heads']).toBe(12);
    const shapeOf = (name: string) => g.values.find((v) => v.name === name)!.type.shape;
    expect(shapeOf('transformer.layers.0.attention.query_key_value.weight')).toEqual([3 * 12288 / 8, 12288]);
    expect(shapeOf('transformer.layers.0.attention.dense.weight')).toEqual([12288, 12288 / 8]);
    expect(shapeOf('transformer.layers.0.mlp.dense_h_to_4h.weight')).toEqual([2 * 32768 / 8, 12288]);
    expect(shapeOf('transformer.word_embeddings.weight')).toEqual([150528 / 8, 12288]);
    expect(shapeOf('past_key.1')).toEqual(['cache_batch', 12, 'past', 128]);
    expect(g.nodes.filter((n) => n.op === 'all-reduce').map((n) => n.attrs['worldSize'])).toEqual(new Array(5).fill(8));
    expect(sharded.outputs['logits']).toEqual({ kind: 'concat', axis: -1 });
    expect(sharded.outputs['present_key.0']).toEqual({ kind: 'concat', axis: 1 });
  });
  it('refuses a device top-k over sharded logits', () => {
    expect(() => shardGlmGraph(buildGlmModelGraph(TP_GLM, { dtype: 'f32', logits: 'last', topK: 4 }), TP_GLM, 2)).toThrow(/distributed top-k is not implemented/);
  });
  it('vocabulary-parallel lookup inputs: only the owning rank sees an id', () => {
    const ids = [0, 33, 34, 271];
    expect(vocabularyShardInputs(ids, 0, 8, 272)).toEqual({ local: Int32Array.from([0, 33, 0, 0]), mask: Int8Array.from([1, 1, 0, 0]) });
    expect(vocabularyShardInputs(ids, 7, 8, 272)).toEqual({ local: Int32Array.from([0, 0, 0, 33]), mask: Int8Array.from([0, 0, 0, 1]) });
  });
});

describe('cpu-ref ranks: an exact all-reduce, and the sharded graph against the unsharded one', () => {
  it('sums in rank order and gives every rank the same; a failed rank releases the others', async () => {
    const group = new InProcessGroup(3);
    const sums = await Promise.all([0, 1, 2].map((r) => group.allReduceSum(r, Float64Array.from([r, 1e16, r === 2 ? 1 : 0]))));
    for (const s of sums) expect(Array.from(s)).toEqual([3, 3e16, 1]);
    const broken = new InProcessGroup(2);
    const waiting = broken.allReduceSum(0, Float64Array.from([1]));
    broken.abort(new Error('rank 1 ran out of memory'));
    await expect(waiting).rejects.toThrow(/aborted because a rank failed: rank 1 ran out of memory/);
  });

  it('block and model match at TP 2, 4, 8 (f32)', async () => {
    const backend = await cpuRef.open();
    for (const n of [2, 4, 8]) {
      await checkSharded(backend, blockCheck(TP_GLM, n, 'f32', 'none', BLOCK_SETUPS[0]!, `t/block/${n}`));
      const outcome = await checkSharded(backend, modelCheck(TP_GLM, n, 'f32', 'none', `t/model/${n}`));
      expect(outcome.tokens).toHaveLength(11);
    }
  });

  // Mutation checks: a wrong layout must make the comparison fail.
  const breaking = (name: RegExp, kind: 'rows' | 'pair-rows'): ShardRule => (w, c) => (name.test(w) ? { kind } : glmShardRule(w, c));
  it('fails when a GeGLU pair is split across ranks', async () => {
    const backend = await cpuRef.open();
    const rule = breaking(/mlp\.dense_h_to_4h\.(weight|bias)$/, 'rows');
    await expect(checkSharded(backend, blockCheck(TP_GLM, 2, 'f32', 'none', BLOCK_SETUPS[0]!, 't/mut', rule))).rejects.toThrow(/TP 2 differs from the unsharded graph/);
  });
  it("fails when a head's q, k and v are split across ranks", async () => {
    const backend = await cpuRef.open();
    const rule = breaking(/attention\.query_key_value\.(weight|bias)$/, 'pair-rows');
    await expect(checkSharded(backend, blockCheck(TP_GLM, 2, 'f32', 'none', BLOCK_SETUPS[0]!, 't/mut', rule))).rejects.toThrow(/TP 2 differs from the unsharded graph/);
  });
  it('a backend without multi-rank support is refused with the reason', async () => {
    const { openRanks: _, ...single } = await cpuRef.open();
    await expect(checkSharded(single, blockCheck(TP_GLM, 2, 'f32', 'none', BLOCK_SETUPS[0]!, 't/single'))).rejects.toThrow(/has no multi-rank support/);
  });
});
