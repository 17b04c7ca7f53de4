import { describe, expect, it } from 'vitest';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import { openGlmSession } from '../../core/session/open-session.js';
import { tensorParallelGenerationCases } from '../../conformance/cases/tensor-parallel/generation-cases.js';
import { tpWeights } from '../../conformance/cases/tensor-parallel/graph-cases.js';
import { TP_GLM } from '../../conformance/cases/tensor-parallel/configs.js';

describe('a tensor-parallel session (cpu-ref ranks)', () => {
  const byId = (suffix: string) => tensorParallelGenerationCases().find((c) => c.id.endsWith(suffix))!;

  it('greedy tokens at TP 2 equal the unsharded session (f32)', async () => {
    const outcome = await byId('tp-glm/tp2/f32/greedy-mask').run(await cpuRef.open());
    expect(outcome.tokens.length).toBeGreaterThan(0);
  });

  it('beam search, which reorders every rank\'s cache, equals the unsharded session', async () => {
    await byId('tp-glm/tp2/f32/beam3-gmask').run(await cpuRef.open());
  });

  it('holds 1/N of the split weights and of the KV cache per rank', async () => {
    const weights = tpWeights(TP_GLM, 'f32', 'none', 'size');
    const one = await openGlmSession(await cpuRef.open(), TP_GLM, weights, { dtype: 'f32', cacheCapacity: 16 });
    const four = await openGlmSession(await cpuRef.open(), TP_GLM, weights, { dtype: 'f32', cacheCapacity: 16, tensorParallel: 4 });
    expect(four.cacheBytes).toBe(one.cacheBytes);
    // LayerNorms and the row-parallel layers' biases are replicated: 4 copies of them, 1/4 of the rest each.
    let replicated = 0;
    for (const [name, t] of weights) if (/layernorm|attention\.dense\.bias|dense_4h_to_h\.bias/.test(name)) replicated += t.data.byteLength;
    expect(four.weightBytes).toBe(one.weightBytes + 3 * replicated);
    await one.close();
    await four.close();
  });

  it('refuses an N the model cannot be split into, and a backend without ranks, with the reason', async () => {
    const weights = tpWeights(TP_GLM, 'f32', 'none', 'refuse');
    await expect(openGlmSession(await cpuRef.open(), TP_GLM, weights, { dtype: 'f32', tensorParallel: 3 })).rejects.toThrow(/3 does not divide its attention heads \(8\)/);
    const { openRanks: _, ...single } = await cpuRef.open();
    await expect(openGlmSession(single, TP_GLM, weights, { dtype: 'f32', tensorParallel: 2 })).rejects.toThrow(/no multi-rank support/);
  });
});
