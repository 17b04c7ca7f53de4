/**
 * The cuda backend on any machine: loading never throws, probe() says exactly why it cannot run
 * (addon not built, no driver, no device), supports() answers for every node of the GLM graphs.
 * Tests that need an NVIDIA GPU are skipped — visibly, by name — where there is none; the kernels
 * are checked without a GPU by tests/backends/cuda-emulator.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { GLM_130B, TINY } from '../../core/models/glm/config.js';
import { buildGlmBlockGraph, buildGlmModelGraph } from '../../core/models/glm/graphs.js';
import { GraphBuilder } from '../../core/ir/builder.js';
import { lowerForBackend, viewOf } from '../../core/passes/decompose.js';
import { PLUGIN_API_VERSION } from '../../core/backend-api/plugin-contract.js';
import { surveyBuiltins } from '../../backends/registry.js';
import { addonPath, loadAddonAt } from '../../backends/cuda/native-addon.js';
import { plugin, supports } from '../../backends/cuda/index.js';
import { existsSync } from 'node:fs';

const built = existsSync(addonPath());
const probe = await plugin.probe();
const gpu = probe.available && probe.execution === 'hardware';
if (!gpu) console.info(`cuda: GPU tests skipped — ${probe.reason ?? 'not real hardware'}`);

describe('cuda plugin on any machine', () => {
  it('loads without touching the addon or the GPU', async () => {
    const mod = (await import('../../backends/cuda/index.js')) as { default: typeof plugin };
    expect(mod.default.name).toBe('cuda');
    expect(mod.default.apiVersion).toBe(PLUGIN_API_VERSION);
    expect(typeof mod.default.probe).toBe('function');
  });

  it('probe() names the missing addon and how to build it', () => {
    const missing = loadAddonAt('/nonexistent/glm_cuda.node');
    expect(missing.addon).toBeNull();
    expect(missing.addon === null && missing.reason).toMatch(/not built.*npm run build:cuda.*nvcc/);
  });

  it('probe() gives a reason whenever cuda is unavailable', async () => {
    if (probe.available) return;
    // The addon is missing, or the driver / device / cuBLASLt is: the reason names which.
    expect(probe.reason).toMatch(/not built|libcuda\.so\.1|no CUDA device|cuBLASLt|CUDA driver/);
    // Built here without a GPU: the reason names the driver library or the missing device.
    if (built) expect(probe.reason).toMatch(/libcuda\.so\.1|driver|no CUDA device|compute capability|cuBLASLt/);
    else expect(probe.reason).toMatch(/not built/);
  });

  it('glm backends lists cuda with the same reason', async () => {
    const cuda = (await surveyBuiltins()).find((b) => b.name === 'cuda')!;
    expect(cuda.probe.available).toBe(probe.available);
    if (!probe.available) expect(cuda.probe.reason).toBe(probe.reason);
  });

  it('supports() claims every node of the GLM graphs (fp16, INT8, INT4, GLM-130B shapes)', () => {
    const graphs = [
      buildGlmModelGraph(TINY, { dtype: 'f16', logits: 'last' }),
      buildGlmModelGraph(TINY, { dtype: 'bf16', quantization: 'int8' }),
      buildGlmModelGraph(TINY, { dtype: 'f16', quantization: 'int4' }),
      buildGlmBlockGraph(GLM_130B, 69, { dtype: 'f16' }),
    ];
    for (const graph of graphs) {
      const lowered = lowerForBackend(graph, supports);
      expect(lowered.unrunnable).toEqual([]);
      expect(lowered.decomposed).toEqual([]); // every composite (linear, rope, attention, geglu, deepnorm) runs fused
      graph.nodes.forEach((_, i) => expect(supports(viewOf(graph, i)).supported).toBe(true));
    }
  });

  it('supports() refuses with a reason: several ranks, head dims past the fused kernel', () => {
    const b = new GraphBuilder('refusals');
    const x = b.input('x', 'f16', [2, 3]);
    b.output('y', b.op1('all-reduce', [x], { worldSize: 2 }, 'reduce'));
    const q = b.input('q', 'f16', [1, 1, 4, 512]);
    const ctx = b.input('ctx', 'i32', [1]);
    b.output('o', b.op1('attention', [q, q, q, ctx], { mask: 'glm' }, 'attention'));
    const graph = b.build();
    const answers = graph.nodes.map((_, i) => supports(viewOf(graph, i)));
    expect(answers[0]).toEqual({ supported: false, reason: expect.stringMatching(/NCCL/) });
    expect(answers[1]).toEqual({ supported: false, reason: expect.stringMatching(/head dim 512/) });
    // The refused attention still runs: it is decomposed into primitives the backend claims.
    const lowered = lowerForBackend(graph, supports);
    expect(lowered.decomposed.map((d) => d.op)).toEqual(['attention']);
    expect(lowered.unrunnable.map((u) => u.op)).toEqual(['all-reduce']);
  });
});

describe('cuda on an NVIDIA GPU', () => {
  it.skipIf(!gpu)('runs the conformance cases of the GLM composites (needs an NVIDIA GPU)', async () => {
    const { allCases, selectCases } = await import('../../conformance/catalogue.js');
    const { runCase } = await import('../../conformance/runner.js');
    const { NO_EXPECTED_FAILURES } = await import('../../conformance/expected-failures.js');
    const { plugin: cpuRef } = await import('../../backends/cpu-ref/index.js');
    const backend = await plugin.open();
    const reference = await cpuRef.open();
    const cases = selectCases(allCases(), { filter: 'op/attention/f16/*,op/linear/f16/*,op/rope/f16/*,block/glm130b-2heads/*' });
    for (const c of cases) {
      const r = await runCase(c, reference, backend, { backendSpec: 'cuda', expected: NO_EXPECTED_FAILURES, perfRuns: 0 });
      expect(['pass', 'mistrusted'], `${c.id}: ${r.detail}`).toContain(r.status);
    }
    await backend.close();
  });

  it.skipIf(!gpu)('out of device memory names the bytes asked and the bytes free (needs an NVIDIA GPU)', async () => {
    const backend = await plugin.open();
    expect(() => backend.memory.allocate(2 ** 50)).toThrow(/out of device memory: asked for 1125899906842624 bytes.*free of/);
    await backend.close();
  });
});
