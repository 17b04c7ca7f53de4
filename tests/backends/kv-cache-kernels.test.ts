/**
 * The fixed-capacity KV cache on the GPU backends: cache-write and attention / glm-mask-fill with a
 * `length` input. The planner side (a donated cache is written in place, nothing copied; the launch
 * records do not depend on the offset or the length, which the kernels read on the device), and the
 * kernels on the CPU emulators of both backends (every wavefront variant of rocm-dcu) against cpu-ref,
 * including the run-time range checks that go through the device error flag.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import { OP } from '../../backends/simt/launch-codes.js';
import { planSimtGraph } from '../../backends/simt/simt-target.js';
import type { SimtPlanOptions } from '../../backends/simt/plan-options.js';
import { allCases, selectCases } from '../../conformance/catalogue.js';
import { NO_EXPECTED_FAILURES } from '../../conformance/expected-failures.js';
import { runCase } from '../../conformance/runner.js';
import { nativeGate } from '../support/native.js';
import { CUDA_EMULATOR, dcuEmulator, type SimtEmulator } from './simt-emulators.js';
import { GraphBuilder } from '../../core/ir/builder.js';
import type { Graph } from '../../core/ir/graph.js';
import { runGraph } from '../../core/execute/run-graph.js';
import { fromFloat64, hostTensor, toFloat64 } from '../../core/tensor/host-tensor.js';

const SAVED = { ...process.env };
afterEach(() => {
  for (const k of ['GLM_CUDA_EMULATE', 'GLM_DCU_EMULATE', 'GLM_DCU_WAVE', 'GLM_DCU_EMU_WARP']) {
    if (SAVED[k] === undefined) delete process.env[k];
    else process.env[k] = SAVED[k];
  }
});

const OPTIONS: SimtPlanOptions = { backend: 'cuda', vendorBlas: true, multiprocessors: 132, gemvMaxRows: 4, attentionMaterializeFrom: 32, attentionChunkBytes: 2 ** 25, attentionBlocksPerMultiprocessor: 4 };

function cacheWriteGraph(capacity: number, steps: number): Graph {
  const b = new GraphBuilder('cache-write');
  const cache = b.input('cache', 'f16', [1, 2, capacity, 128]);
  const update = b.input('update', 'f16', [1, 2, steps, 128]);
  const offset = b.input('offset', 'i32', [1]);
  b.output('cache_out', b.op1('cache-write', [cache, update, offset], {}, 'write_key'));
  return b.build();
}

function attentionGraph(queries: number, capacity: number, batch = 2, heads = 2): Graph {
  const b = new GraphBuilder('attention');
  const q = b.input('q', 'f16', [batch, heads, queries, 64]);
  const k = b.input('k', 'f16', [batch, heads, capacity, 64]);
  const v = b.input('v', 'f16', [batch, heads, capacity, 64]);
  const ctx = b.input('ctx', 'i32', [batch]);
  const length = b.input('length', 'i32', [1]);
  b.output('out', b.op1('attention', [q, k, v, ctx, length], { mask: 'glm' }, 'attn'));
  return b.build();
}

describe('planning the fixed-capacity cache', () => {
  it('a donated cache is written in place: one cache-write record, no copy', () => {
    const graph = cacheWriteGraph(2048, 1);
    const donated = planSimtGraph(graph, {}, () => 256, OPTIONS, new Map([['cache_out', 'cache']]));
    expect(donated.records.map((r) => r.op)).toEqual([OP.cacheWrite]);
    expect(donated.checksIndices).toBe(true);
    // Not donated: the cache is copied to the output first, then the update is written.
    const copied = planSimtGraph(graph, {}, () => 256, OPTIONS);
    expect(copied.records.map((r) => r.op)).toEqual([OP.copy, OP.cacheWrite]);
  });

  it('the update is copied 16 bytes at a time and shifted by offset · (sequence stride) on the device', () => {
    const [record] = planSimtGraph(cacheWriteGraph(64, 7), {}, () => 256, OPTIONS, new Map([['cache_out', 'cache']])).records;
    const [width, rank, ...rest] = record!.args as number[];
    expect(width).toBe(16);
    // [B·H, S·d] over the update: dst strides in 16-byte units, the offset stride one position (128 f16 = 16 units)
    expect({ rank, shape: rest.slice(0, 2), dst: rest.slice(2, 4), src: rest.slice(4, 6) }).toEqual({ rank: 2, shape: [2, 112], dst: [1024, 1], src: [112, 1] });
    expect(record!.args.slice(-2)).toEqual([16, 64 - 7]);
  });

  it('attention with a length: the decode record is sized for the capacity and names the length only by address', () => {
    const graph = attentionGraph(1, 2048);
    const plan = planSimtGraph(graph, {}, () => 256, OPTIONS);
    const attention = plan.records.filter((r) => r.op === OP.attention);
    expect(attention.length).toBe(1);
    const args = attention[0]!.args;
    const lengthPtr = args[args.length - 1] as { storage: { binding?: { name: string } } };
    expect(lengthPtr.storage.binding?.name).toBe('length');
    expect(plan.checksIndices).toBe(true);
    // keys = capacity; several splits, the same whatever the length (the kernels skip splits past it)
    const numbers = args.filter((a): a is number => typeof a === 'number');
    expect(numbers).toContain(2048);
  });
});

// ---- the kernels on the CPU emulators ----

const CASES = [
  'op/cache-write/f16/1x2x64x128-write1-at63', 'op/cache-write/bf16/2x3x64x128-write7-at57', 'op/cache-write/f32/3x1x9x5-write2-at7',
  'op/cache-write/f16/2x3x64x128-write7-at0/in-place', 'op/cache-write/bf16/3x1x9x5-write2-at7/in-place',
  'op/attention/f16/glm-length-decode-17-of-2048', 'op/attention/bf16/glm-length-decode-b16-1-of-2048',
  'op/attention/f32/glm-length-prefill-65-of-128', 'op/attention/f16/glm-length-chunk-16-to-1040-of-2048',
  'op/attention/bf16/glm-length-prefill-7-of-64/decomposed', 'op/glm-mask-fill/f16/length-decode-17-of-2048',
];

const EMULATED: SimtEmulator[] = [CUDA_EMULATOR, ...[[64, 64], [32, 32], [64, 32]].map(([wave, hardware]) => dcuEmulator(wave!, hardware!))];

for (const emulated of EMULATED) {
  const path = await emulated.select();
  const skip = nativeGate(`${emulated.name} emulator`, existsSync(path) ? undefined : `no ${path} (npm run build:cuda-emu / build:dcu)`);
  describe.skipIf(skip)(`${emulated.name} emulator: cache-write and attention length`, () => {
    it('match cpu-ref, out of place and in place', async () => {
      await emulated.select();
      const backend = await emulated.open();
      const reference = await cpuRef.open();
      const cases = selectCases(allCases(), { caseIds: CASES });
      expect(cases.length).toBe(CASES.length);
      for (const c of cases) {
        const r = await runCase(c, reference, backend, { backendSpec: emulated.name, expected: NO_EXPECTED_FAILURES, perfRuns: 0 });
        expect(['pass', 'mistrusted'], `${c.id}: ${r.detail}`).toContain(r.status);
      }
      await backend.close();
    }, 300_000);

    it('split decode attention: every split merged, launch after launch', async () => {
      await emulated.select();
      // One query row over 256 keys: with the emulators' one multiprocessor the planner splits it four
      // ways (64 keys a split), and every split has valid keys.
      const graph = attentionGraph(1, 256, 1, 1);
      const [attention] = planSimtGraph(graph, {}, () => 256, { ...OPTIONS, multiprocessors: 1 }).records.filter((r) => r.op === OP.attention);
      // The record ends with: workspace, splits, keys a split, chunk, length.
      expect(attention!.args.slice(-4, -2)).toEqual([4, 64]);
      const backend = await emulated.open();
      const reference = await cpuRef.open();
      // Different values every launch: a row merged from another launch's partials, or a split left
      // out, shows as a difference.
      let seed = 7;
      const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 31 - 1; // in [-1, 1)
      const random = (shape: number[]) => fromFloat64('f16', shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, next));
      for (let launch = 0; launch < 3; ++launch) {
        const inputs = {
          q: random([1, 1, 1, 64]), k: random([1, 1, 256, 64]), v: random([1, 1, 256, 64]),
          ctx: hostTensor('i32', [1], Int32Array.from([100])), length: hostTensor('i32', [1], Int32Array.from([256])),
        };
        const got = toFloat64((await runGraph(backend, graph, inputs))['out']!);
        const want = toFloat64((await runGraph(reference, graph, inputs))['out']!);
        const worst = Math.max(...got.map((g, i) => Math.abs(g - want[i]!)));
        expect(worst, `launch ${launch}`).toBeLessThan(2e-3);
      }
      await backend.close();
      await reference.close();
    }, 120_000);

    it('an offset or a length out of range is an input error naming the node, raised through the device flag', async () => {
      await emulated.select();
      const backend = await emulated.open();
      const f16 = (shape: number[]) => hostTensor('f16', shape, new Uint16Array(shape.reduce((a, b) => a * b, 1)).fill(0x3c00));
      const write = (offset: number) =>
        runGraph(backend, cacheWriteGraph(8, 2), { cache: f16([1, 2, 8, 128]), update: f16([1, 2, 2, 128]), offset: hostTensor('i32', [1], Int32Array.from([offset])) });
      await expect(write(7)).rejects.toThrow(/node "write_key" \(cache-write\): cache-write offset out of range/);
      await expect(write(-1)).rejects.toThrow(/cache-write offset out of range/);
      await expect(write(6)).resolves.toBeDefined(); // the last position that fits; the flag was cleared
      const attend = (queries: number, length: number) =>
        runGraph(backend, attentionGraph(queries, 64), {
          q: f16([2, 2, queries, 64]), k: f16([2, 2, 64, 64]), v: f16([2, 2, 64, 64]),
          ctx: hostTensor('i32', [2], Int32Array.from([1, 1])), length: hostTensor('i32', [1], Int32Array.from([length])),
        });
      await expect(attend(1, 65)).rejects.toThrow(/node "attn" \(attention\): attention length out of range/); // fused
      await expect(attend(40, 39)).rejects.toThrow(/attention length out of range/); // materialised
      await expect(attend(1, 1)).resolves.toBeDefined();
      await backend.close();
    }, 120_000);
  });
}
