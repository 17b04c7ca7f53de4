/**
 * grouped-query-attention on the SIMT family's own attention kernels: the plan (one record of its own,
 * OP.groupedQueryAttention = attention's words + kvGroup, always the fused mode — the materialised
 * products cannot index KV head ⌊h/g⌋ — and plain attention records for groups of one), and the kernels
 * on the cuda and rocm-dcu (wave64) CPU emulators against cpu-ref at a prompt long enough that plain
 * attention would be materialised, ChatGLM2's 32 query heads over 2 KV heads included.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import { OP } from '../../backends/simt/launch-codes.js';
import { planSimtGraph } from '../../backends/simt/simt-target.js';
import type { SimtPlanOptions } from '../../backends/simt/plan-options.js';
import { GraphBuilder } from '../../core/ir/builder.js';
import type { Graph } from '../../core/ir/graph.js';
import { runGraph } from '../../core/execute/run-graph.js';
import { fromFloat64, hostTensor, toFloat64 } from '../../core/tensor/host-tensor.js';
import { nativeGate } from '../support/native.js';
import { CUDA_EMULATOR, dcuEmulator, type SimtEmulator } from './simt-emulators.js';

const SAVED = { ...process.env };
afterEach(() => {
  for (const k of ['GLM_CUDA_EMULATE', 'GLM_DCU_EMULATE', 'GLM_DCU_WAVE', 'GLM_DCU_EMU_WARP']) {
    if (SAVED[k] === undefined) delete process.env[k];
    else process.env[k] = SAVED[k];
  }
});

const OPTIONS: SimtPlanOptions = { backend: 'cuda', vendorBlas: true, multiprocessors: 4, gemvMaxRows: 4, attentionMaterializeFrom: 32, attentionChunkBytes: 2 ** 25, attentionBlocksPerMultiprocessor: 4 };

function gqaGraph(heads: number, kvHeads: number, queries: number, dim: number): Graph {
  const b = new GraphBuilder('gqa');
  const q = b.input('q', 'f16', [1, heads, queries, dim]);
  const k = b.input('k', 'f16', [1, kvHeads, queries, dim]);
  const v = b.input('v', 'f16', [1, kvHeads, queries, dim]);
  const ctx = b.input('ctx', 'i32', [1]);
  b.output('out', b.op1('grouped-query-attention', [q, k, v, ctx], { mask: 'glm' }, 'gqa'));
  return b.build();
}

describe('planning grouped-query-attention on the SIMT family', () => {
  it('KV groups: one record of its own, fused mode even for a long prompt, kvGroup last', () => {
    const records = planSimtGraph(gqaGraph(32, 2, 40, 128), {}, () => 256, OPTIONS).records;
    expect(records.map((r) => r.op)).toEqual([OP.groupedQueryAttention]);
    expect(records[0]!.args[1]).toBe(0); // mode: fused
    expect(records[0]!.args.at(-1)).toBe(16); // 32 query heads over 2 KV heads
  });

  it('groups of one are plain attention (and may be materialised)', () => {
    const records = planSimtGraph(gqaGraph(4, 4, 40, 64), {}, () => 256, OPTIONS).records;
    expect(records.map((r) => r.op)).toEqual([OP.attention]);
    expect(records[0]!.args[1]).not.toBe(0);
  });
});

const EMULATED: SimtEmulator[] = [CUDA_EMULATOR, dcuEmulator(64, 64)];

for (const emulated of EMULATED) {
  const path = await emulated.select();
  const skip = nativeGate(`${emulated.name} emulator`, existsSync(path) ? undefined : `no ${path} (npm run build:cuda-emu / build:dcu)`);
  describe.skipIf(skip)(`${emulated.name} emulator: grouped-query-attention`, () => {
    it.each([
      [32, 2, 40, 128], // ChatGLM2-6B's heads at a 40-token prompt, prefix of 3
      [6, 3, 33, 16],
      [4, 1, 35, 32], // multi-query
    ])('H %i over KV %i, %i queries, head %i: equals cpu-ref', async (heads, kvHeads, queries, dim) => {
      await emulated.select();
      const backend = await emulated.open();
      const reference = await cpuRef.open();
      let seed = heads * 131 + kvHeads;
      const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 31 - 1;
      const random = (shape: number[]) => fromFloat64('f16', shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, next));
      const graph = gqaGraph(heads, kvHeads, queries, dim);
      const inputs = { q: random([1, heads, queries, dim]), k: random([1, kvHeads, queries, dim]), v: random([1, kvHeads, queries, dim]), ctx: hostTensor('i32', [1], Int32Array.from([3])) };
      const got = toFloat64((await runGraph(backend, graph, inputs))['out']!);
      const want = toFloat64((await runGraph(reference, graph, inputs))['out']!);
      const worst = got.reduce((m, g, i) => Math.max(m, Math.abs(g - want[i]!)), 0);
      expect(worst).toBeLessThan(2e-3);
      await backend.close();
      await reference.close();
    }, 120_000);
  });
}
