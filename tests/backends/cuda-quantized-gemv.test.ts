/**
 * The weight-only GEMVs on tensor cores (backends/cuda/native/src/kernels/gemv_int4.cu, gemv_int8.cu)
 * on the CPU emulator, against cpu-ref: INT4 and INT8 weights with per-row scales and a bias, fp16
 * activations of 1, 8, 9, 13 and 16 rows — one 8-column tile of mma.sync m16n8k16, a full tile, and two
 * tiles, the second partial or full (the conformance catalogue's quantized shapes stop at 8 rows) — over
 * 200 features (several 16-feature blocks, the last one ragged) and a K of 384 (three INT4 steps, six
 * INT8 steps, so that some warps of a block get no step in their last round) and of 2048 (16 INT4
 * steps: every warp of an 8-warp block has two, so a block shape that leaves warps out shows).
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';

process.env['GLM_CUDA_EMULATE'] = '1';
afterAll(() => {
  delete process.env['GLM_CUDA_EMULATE'];
});
const { addonPath } = await import('../../backends/cuda/native-addon.js');
const { nativeGate } = await import('../support/native.js');
const skip = nativeGate('cuda emulator', existsSync(addonPath()) ? undefined : `no ${addonPath()} (build it with npm run build:cuda-emu, which needs nvcc)`);

const { plugin } = await import('../../backends/cuda/index.js');
const { plugin: cpuRef } = await import('../../backends/cpu-ref/index.js');
const { GraphBuilder } = await import('../../core/ir/builder.js');
const { runGraph } = await import('../../core/execute/run-graph.js');
const { fromFloat64, toFloat64 } = await import('../../core/tensor/host-tensor.js');
const { quantizeRows } = await import('../../core/passes/quantize-weights.js');

const KS = [384, 2048];
const N = 200;

/** Deterministic values in [-amplitude, amplitude) (a linear congruential sequence). */
function values(count: number, seed: number, amplitude: number): Float64Array {
  const out = new Float64Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * amplitude;
  }
  return out;
}

function linearGraph(rows: number, K: number, weight: 'i4' | 'i8') {
  const b = new GraphBuilder(`linear-${weight}-${rows}x${K}`);
  const x = b.input('x', 'f16', [rows, K]);
  const w = b.input('w', weight, [N, K]);
  const bias = b.input('bias', 'f16', [N]);
  const scale = b.input('scale', 'f16', [N]);
  b.output('y', b.op1('linear', [x, w, bias, scale], {}, 'product'));
  return b.build();
}

describe.skipIf(skip)('cuda weight-only GEMV on tensor cores (emulator)', () => {
  for (const weight of ['i4', 'i8'] as const) {
    it(`${weight} weights, 1–16 activation rows, match cpu-ref`, async () => {
      const backend = await plugin.open();
      const reference = await cpuRef.open();
      for (const K of KS) {
        const { q, scale } = quantizeRows(fromFloat64('f32', [N, K], values(N * K, 7, 0.1)), weight === 'i8' ? 8 : 4, 'f16');
        const bias = fromFloat64('f16', [N], values(N, 8, 0.1));
        for (const rows of [1, 8, 9, 13, 16]) {
          const inputs = { x: fromFloat64('f16', [rows, K], values(rows * K, 9 + rows, 1)), w: q, bias, scale };
          const graph = linearGraph(rows, K, weight);
          const want = toFloat64((await runGraph(reference, graph, inputs))['y']!);
          const got = toFloat64((await runGraph(backend, graph, inputs))['y']!);
          let worst = 0;
          let largest = 0;
          for (let i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
            largest = Math.max(largest, Math.abs(want[i]!));
          }
          // fp16 outputs: each value is rounded once (2^-11 of itself); the sums differ only in order.
          expect(worst / largest, `${weight}, ${rows} rows, K ${K}`).toBeLessThan(2e-3);
        }
      }
      expect((backend as import('../../backends/cuda/index.js').CudaBackend).native.stats().gemv).toBeGreaterThanOrEqual(10);
      await backend.close();
      await reference.close();
    }, 300_000);
  }
});
