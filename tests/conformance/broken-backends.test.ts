/**
 * The suite must catch broken kernels. A deliberately broken backend wraps cpu-ref and damages the
 * output of one op each way a real kernel goes wrong; the statuses and messages must say so.
 */
import { describe, expect, it } from 'vitest';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import { plugin as skeleton } from '../../backends/skeleton/index.js';
import type { Backend, DeviceTensor, ExecutionPlan } from '../../core/backend-api/plugin-contract.js';
import { allCases, selectCases } from '../../conformance/catalogue.js';
import { expectedFailuresFrom, NO_EXPECTED_FAILURES } from '../../conformance/expected-failures.js';
import { runCase, type CaseResult } from '../../conformance/runner.js';
import { byteLengthOf } from '../../core/tensor/dtype.js';
import { elementCount } from '../../core/tensor/host-tensor.js';

type Damage = (out: DeviceTensor, backend: Backend, before: Uint8Array) => Promise<void>;

function elementBytes(t: DeviceTensor): number {
  return byteLengthOf(t.dtype, elementCount(t.shape)) / elementCount(t.shape);
}

/** Each op's damage, applied to its single output after cpu-ref computed it correctly. */
const DAMAGE: Record<string, Damage> = {
  // Off by one: every element is read from its neighbour's position (the classic index bug).
  gather: async (out, backend) => {
    const n = byteLengthOf(out.dtype, elementCount(out.shape));
    const bytes = await backend.memory.read(out.buffer, out.byteOffset, n);
    const w = elementBytes(out);
    const shifted = new Uint8Array(n);
    shifted.set(bytes.subarray(w), 0);
    shifted.set(bytes.subarray(n - w), n - w);
    await backend.memory.write(out.buffer, out.byteOffset, shifted);
  },
  // The last element is never written: restore what was in memory before the run.
  scale: async (out, backend, before) => {
    const n = byteLengthOf(out.dtype, elementCount(out.shape));
    const w = elementBytes(out);
    await backend.memory.write(out.buffer, out.byteOffset + n - w, before.subarray(n - w, n));
  },
  // Wrong only for odd sizes: a vector loop whose scalar tail is broken (last element doubled).
  add: async (out, backend) => {
    const last = out.shape[out.shape.length - 1] ?? 1;
    if (last % 2 === 0 || out.dtype !== 'f32') return;
    const n = byteLengthOf(out.dtype, elementCount(out.shape));
    const bytes = await backend.memory.read(out.buffer, out.byteOffset + n - 4, 4);
    const view = new DataView(bytes.buffer);
    view.setFloat32(0, view.getFloat32(0, true) * 2 + 1, true);
    await backend.memory.write(out.buffer, out.byteOffset + n - 4, bytes);
  },
  // Writes one element past the end of its output.
  mul: async (out, backend) => {
    const n = byteLengthOf(out.dtype, elementCount(out.shape));
    await backend.memory.write(out.buffer, out.byteOffset + n, new Uint8Array(elementBytes(out)).fill(0));
  },
  // A fused composite that is wrong when claimed (its decomposition into primitives is fine).
  geglu: async (out, backend) => {
    const n = byteLengthOf(out.dtype, elementCount(out.shape));
    await backend.memory.write(out.buffer, out.byteOffset, new Uint8Array(n));
  },
};

async function brokenBackend(): Promise<Backend> {
  const inner = await cpuRef.open();
  return {
    ...inner,
    name: 'broken',
    async compile(plan: ExecutionPlan) {
      const executable = await inner.compile(plan);
      const damaged = plan.graph.nodes.length === 1 ? DAMAGE[plan.graph.nodes[0]!.op] : undefined;
      return {
        async run(bindings) {
          const out = Object.values(bindings.outputs)[0]!;
          const before = damaged ? await inner.memory.read(out.buffer, out.byteOffset, byteLengthOf(out.dtype, elementCount(out.shape))) : new Uint8Array(0);
          await executable.run(bindings);
          if (damaged) await damaged(out, inner, before);
        },
        dispose: () => executable.dispose(),
      };
    },
  };
}

async function run(filter: string, backend: Backend, expected = NO_EXPECTED_FAILURES): Promise<CaseResult[]> {
  const reference = await cpuRef.open();
  const results: CaseResult[] = [];
  for (const c of selectCases(allCases(), { filter })) results.push(await runCase(c, reference, backend, { backendSpec: './broken.js', expected, perfRuns: 0 }));
  expect(results.length).toBeGreaterThan(0);
  return results;
}

describe('the conformance suite catches broken kernels', () => {
  it('an off-by-one gather fails every case, with a repro line', async () => {
    const results = await run('op/gather/f32/', await brokenBackend());
    const single = results.filter((r) => !r.id.includes('1x1-by-1'));
    expect(single.every((r) => r.status === 'fail')).toBe(true);
    expect(single[0]!.detail).toMatch(/nmse/);
    expect(single[0]!.repro).toBe(`glm conformance --backend ./broken.js --case '${single[0]!.id}'`);
  });

  it('an output element left unwritten is reported as never written', async () => {
    const results = await run('op/scale/f16/17-by-', await brokenBackend());
    for (const r of results) {
      expect(r.status).toBe('fail');
      expect(r.detail).toContain('output "out0" element(s) 16 never written');
    }
  });

  it('a kernel wrong only for odd sizes fails exactly the odd cases', async () => {
    const results = await run('op/add/f32/tail-', await brokenBackend());
    for (const r of results) {
      const n = Number(r.id.split('tail-')[1]);
      expect(r.status, r.id).toBe(n % 2 === 1 ? 'fail' : 'pass');
    }
  });

  it('a write past the end of an output hits the guard region', async () => {
    const [r] = await run('op/mul/f16/17-17', await brokenBackend());
    expect(r!.status).toBe('fail');
    expect(r!.detail).toContain('wrote outside output "out0": byte 0 after its end');
  });

  it('a claimed composite is checked as claimed and through its decomposition', async () => {
    const results = await run('op/geglu/f32/3x130', await brokenBackend());
    expect(results.map((r) => [r.composites, r.status])).toEqual([['as-built', 'fail'], ['decomposed', 'pass']]);
  });

  it('expected failures are reported as such, and an unexpected pass is flagged', async () => {
    const expected = expectedFailuresFrom([{ case: 'op/scale/f32/17-by-*', reason: 'known tail bug' }], 'test');
    const results = await run('op/scale/f32/1', await brokenBackend(), expected);
    const listed = results.filter((r) => r.id.startsWith('op/scale/f32/17-by-'));
    expect(listed.every((r) => r.status === 'expected-failure' && r.detail!.startsWith('known tail bug'))).toBe(true);
    const healthy = await run('op/scale/f32/17-by-0.125', await cpuRef.open(), expected);
    expect(healthy[0]!.status).toBe('unexpected-pass');
  });

  it('the skeleton plugin gets an all-unsupported report with its reasons, not a crash', async () => {
    const results = await run('op/matmul/f16/7x33x9,op/linear/f32/3x16x5-i8-bias,op/rope/bf16/1d-1x1x1x4-arange,block/tiny/f32/none/layer1-prefill-7', await skeleton.open());
    expect(results.length).toBe(7); // matmul ± transposeB, linear and rope as built and decomposed, the block
    for (const r of results) {
      expect(r.status).toBe('unsupported');
      expect(r.detail).toMatch(/unimplemented: the skeleton has no kernel for "/);
    }
  });

  it('cpu-ref passes against itself with every status accounted for', async () => {
    const results = await run('op/attention/f16/glm-decode', await cpuRef.open());
    expect(results.every((r) => r.status === 'pass')).toBe(true);
  });
});
