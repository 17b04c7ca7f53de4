import { describe, expect, it } from 'vitest';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import { unsupported, type NodeView } from '../../core/backend-api/capability.js';
import type { Backend } from '../../core/backend-api/plugin-contract.js';
import { compileFor } from '../../core/execute/compile.js';
import { ModelSession } from '../../core/session/session.js';
import { TINY } from '../../core/models/glm/config.js';
import { buildGlmModelGraph } from '../../core/models/glm/graphs.js';
import { randomWeights } from '../../core/models/glm/weights.js';

/** A backend that lacks a few primitives (it is cpu-ref underneath, so results must not change). */
async function partialBackend(missing: string[]): Promise<Backend> {
  const inner = await cpuRef.open();
  return {
    ...inner,
    name: 'partial',
    supports: (view: NodeView) => (missing.includes(view.node.op) ? unsupported(`no ${view.node.op} kernel yet`) : inner.supports(view)),
  };
}

describe('explicit CPU fallback', () => {
  it('is off by default: the compile fails listing the nodes', async () => {
    const backend = await partialBackend(['attention', 'softmax']); // attention decomposes; its softmax cannot
    await expect(compileFor(backend, buildGlmModelGraph(TINY, { dtype: 'f32' }))).rejects.toThrow(/backend "partial" cannot run 2 node\(s\).*layers\.0\.attention\.softmax \(softmax\): no softmax kernel yet/);
  });

  it('runs refused nodes on the fallback, reports the split, and changes no result', async () => {
    const weights = randomWeights(TINY, 'f32', 5);
    const backend = await partialBackend(['attention', 'softmax', 'layer-norm', 'gather']);
    const fallback = await cpuRef.open();
    const mixed = await ModelSession.open(backend, TINY, weights, { dtype: 'f32', fallback });
    // The same graph on one backend: attention decomposed the same way, every node on cpu-ref kernels.
    const pure = await ModelSession.open(await partialBackend(['attention']), TINY, weights, { dtype: 'f32' });
    const split = mixed.split!;
    expect(split.backend).toBe('partial');
    expect(split.fallback).toBe('cpu-ref');
    expect(new Set(split.fallbackNodes.map((n) => n.op))).toEqual(new Set(['softmax', 'layer-norm', 'gather']));
    expect(split.fallbackNodes.find((n) => n.node === 'embedding')?.reason).toBe('no gather kernel yet');
    expect(split.segments).toBeGreaterThan(5);
    expect(pure.split).toBeUndefined();

    const row = { tokens: [1, 2, 3, 256, 260], positions: [0, 1, 2, 3, 3], contextLength: 4 };
    expect(Array.from((await mixed.prefill([row]))[0]!)).toEqual(Array.from((await pure.prefill([row]))[0]!));
    for (const token of [70, 71]) {
      const step = { tokens: [token, token], positions: [3, 3], parents: [0, 0] };
      const [a, b] = await mixed.decode(step);
      const [c, d] = await pure.decode(step);
      expect(Array.from(a!)).toEqual(Array.from(c!));
      expect(Array.from(b!)).toEqual(Array.from(d!));
    }
    await mixed.close();
    await pure.close();
  });
});
