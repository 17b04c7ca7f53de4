/**
 * The rocm-dcu kernels on the CPU emulator against cpu-ref, one wavefront configuration per call:
 * tests/backends/rocm-dcu.test.ts runs the DCU's own (wave64 on 64-lane hardware) in npm test,
 * tests/backends/rocm-dcu-waves.slow.test.ts the two NVIDIA-build configurations (test:full).
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeGate } from '../support/native.js';
import { plugin } from '../../backends/rocm-dcu/index.js';
import { addonPath } from '../../backends/rocm-dcu/native-addon.js';

export const DCU_EMULATED = [
  { wave: 64, hardware: 64, what: 'wave64 on 64-lane hardware (a DCU\'s execution)' },
  { wave: 32, hardware: 32, what: 'wave32 on a 32-lane warp (the NVIDIA wave32 build)' },
  { wave: 64, hardware: 32, what: 'wave64 as two 32-lane warps (the NVIDIA wave64 build)' },
] as const;

const CASES = [
  'op/matmul/f16/65x127x129-tb', 'op/matmul/bf16/batch-4x1x6x16-by-3x16x8', 'op/matmul/f32/long-k-2x8193x3-tb',
  'op/linear/f16/2x12288x2-i4-bias', 'op/linear/bf16/7x34x9-i8', 'op/linear/f32/2x128x65-float-bias',
  'op/layer-norm/f32/3x12288-mean8', 'op/layer-norm/f16/3x12288-mean8', 'op/layer-norm/bf16/1x4096-mean0', 'op/layer-norm/f32/3x4096-mean8', 'op/layer-norm/f16/3x65-mean8', 'op/softmax/f16/3x32768-std30', 'op/softmax/bf16/2x9x4-axis1',
  'op/attention/f16/glm-decode-cache1025', 'op/attention/bf16/glm-prefill-65-d128', 'op/attention/f32/glm-chunk-16-of-2048',
  'op/attention/f16/explicit-row-all-masked-2x2x3x7x32-mask1x1x3x7', 'op/rope/f16/2d-2x3x5x8-frozen-mask', 'op/rope/f32/1d-1x2x3x128-long',
  'op/qkv-bias-rope/f16/1d-1x1x4x3x128-bias-long', 'op/qkv-bias-rope/bf16/2d-1x3x2x3x128-bias-arange', 'op/qkv-bias-rope/f32/2d-1x7x2x3x16-no-bias-long',
  'op/qkv-bias-rope/f16/2d-2x5x3x3x8-bias-frozen-mask', 'op/bias-geglu/f16/3x130', 'op/bias-geglu/bf16/1x1x8192',
  'op/geglu/f16/2x5x256', 'op/deepnorm-residual/bf16/2x5x129-alpha11.832', 'op/cast/i32/from-f16-edges', 'op/cast/f16/from-i32-edges',
  'op/scale/bf16/1-by-3.3', 'op/gather/i8/5x3x4x2-by-3x1x2-axis0', 'op/concat/f16/1x4x0x8+1x4x1x8-axis2', 'op/transpose/bf16/2x5x4x24-perm0213',
  'op/top-k/f16/2x4097-k64', 'op/top-k/bf16/1x266240-k64', 'op/top-k/bf16/3x37-nan-inf-zeros-k37', 'op/top-k/f32/2x6143-ties-k33', 'op/log-sum-exp/f16/5x3000-inf-nan-rows', 'op/log-sum-exp/bf16/2x3x64',
  'block/tiny/f16/none/layer1-decode-cache5', 'block/glm130b-2heads/bf16/none/layer69-prefill-7', 'block/tiny/f16/int4/layer0-chunk-3-cache6',
  'model/small-chatglm/f32/none/logits-prompt', 'generation/tiny/f16/greedy-mask-24',
];

function emulatorPath(wave: number, hardware: number): string {
  process.env['GLM_DCU_EMULATE'] = '1';
  process.env['GLM_DCU_WAVE'] = String(wave);
  process.env['GLM_DCU_EMU_WARP'] = String(hardware);
  return addonPath('emulator');
}

/** The emulator tests of one wavefront configuration (skipped with the reason when its build is absent). */
export function defineDcuEmulatorSuite(variant: (typeof DCU_EMULATED)[number]): void {
  const path = emulatorPath(variant.wave, variant.hardware);
  const built = existsSync(path);
  for (const k of ['GLM_DCU_EMULATE', 'GLM_DCU_WAVE', 'GLM_DCU_EMU_WARP']) delete process.env[k];
  const skip = nativeGate(`rocm-dcu emulator (${variant.what})`, built ? undefined : `no ${path} (build it with npm run build:dcu)`);

  describe.skipIf(skip)(`rocm-dcu kernels on the CPU emulator: ${variant.what}`, () => {
    afterEach(() => {
      for (const k of ['GLM_DCU_EMULATE', 'GLM_DCU_WAVE', 'GLM_DCU_EMU_WARP']) delete process.env[k];
    });

    it('pass the conformance cases that cover every kernel and path', async () => {
      const { plugin: cpuRef } = await import('../../backends/cpu-ref/index.js');
      const { allCases, selectCases } = await import('../../conformance/catalogue.js');
      const { runCase } = await import('../../conformance/runner.js');
      const { NO_EXPECTED_FAILURES } = await import('../../conformance/expected-failures.js');
      emulatorPath(variant.wave, variant.hardware);
      const backend = await plugin.open();
      expect(backend.execution).toBe('emulator');
      expect(backend.device).toContain(`wave${variant.wave} on ${variant.hardware}-lane emulated hardware`);
      const reference = await cpuRef.open();
      const cases = selectCases(allCases(), { caseIds: CASES });
      expect(cases.length).toBe(CASES.length);
      for (const c of cases) {
        const r = await runCase(c, reference, backend, { backendSpec: 'rocm-dcu', expected: NO_EXPECTED_FAILURES, perfRuns: 0 });
        expect(['pass', 'mistrusted'], `${c.id}: ${r.detail}`).toContain(r.status);
      }
      await backend.close();
    }, 300_000);

    it('match cpu-ref where the per-lane work changes with the wavefront: head dims to 256, GEMV rows to 16, tile edges', async () => {
      const { plugin: cpuRef } = await import('../../backends/cpu-ref/index.js');
      const { runCase } = await import('../../conformance/runner.js');
      const { NO_EXPECTED_FAILURES } = await import('../../conformance/expected-failures.js');
      const { opCases } = await import('../../conformance/cases/op-case.js');
      const { hostTensor } = await import('../../core/tensor/host-tensor.js');
      emulatorPath(variant.wave, variant.hardware);
      const backend = await plugin.open();
      const reference = await cpuRef.open();
      const attention = (label: string, b: number, h: number, q: number, k: number, d: number, ctx: number) =>
        opCases({
          op: 'attention', dtype: 'f16', label,
          inputs: [
            { dtype: 'f16', shape: [b, h, q, d] }, { dtype: 'f16', shape: [b, h, k, d] }, { dtype: 'f16', shape: [b, h, k, d] },
            { dtype: 'i32', shape: [b], data: () => hostTensor('i32', [b], new Int32Array(b).fill(ctx)) },
          ],
          attrs: { mask: 'glm', layerIndex: 0 }, errorClass: 'attention', reductionLength: Math.max(k, d),
        })[0]!;
      const linear = (label: string, rows: number, n: number, k: number) =>
        opCases({
          op: 'linear', dtype: 'f16', label,
          inputs: [{ dtype: 'f16', shape: [rows, k] }, { dtype: 'f16', shape: [n, k], data: { kind: 'normal', std: 0.05 } }, { dtype: 'f16', shape: [n] }],
          errorClass: 'reduction', reductionLength: k,
        })[0]!;
      const cases = [
        attention('decode-d256', 2, 2, 1, 300, 256, 100), // EPL 4 (wave64) / 8 (wave32), vector loads
        attention('decode-d200', 1, 2, 1, 77, 200, 30), // EPL 4 / 7 of 8 with a ragged last lane, scalar loads
        attention('prefill-d256', 1, 1, 40, 40, 256, 20), // the materialised path's softmax, GEMMs with k = 256
        linear('16x129x520', 16, 129, 520), // GEMV with 16 row sums, a lane tail, a partial group of outputs
        linear('9x64x4096', 9, 64, 4096), // 4 outputs per wavefront
        linear('3x33x100', 3, 33, 100), // 2 outputs per wavefront, an odd last group, k without vector loads
        linear('17x130x257', 17, 130, 257), // the tiled GEMM, edges in every dim
      ];
      for (const c of cases) {
        const r = await runCase(c, reference, backend, { backendSpec: 'rocm-dcu', expected: NO_EXPECTED_FAILURES, perfRuns: 0 });
        expect(['pass', 'mistrusted'], `${c.id}: ${r.detail}`).toContain(r.status);
      }
      await backend.close();
    }, 300_000);
  });
}

