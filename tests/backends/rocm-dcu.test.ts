/**
 * The rocm-dcu backend on any machine. Loading never throws; probe() says exactly why it cannot run
 * (addon not built, no libamdhip64.so.5, no DCU, and for the HIP→CUDA build no NVIDIA driver) and
 * never claims a DCU it does not have; supports() answers for every node of the GLM graphs.
 * The kernels are checked without a GPU on the CPU emulator (`npm run build:dcu` builds it), in the
 * three wavefront configurations the sources are built for — wave64 on 64-lane hardware (how a DCU
 * runs them), wave32 on a warp and wave64 as two warps (the two NVIDIA variants) — against cpu-ref
 * on conformance cases that cover every kernel and path, plus head dims and row counts that the
 * suite does not reach and that change the per-lane work (EPL = ⌈d / wave⌉, GEMV row sums).
 * Tests that need a GPU are skipped — visibly, by name — where there is none.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { GLM_130B, TINY } from '../../core/models/glm/config.js';
import { buildGlmBlockGraph, buildGlmModelGraph } from '../../core/models/glm/graphs.js';
import { GraphBuilder } from '../../core/ir/builder.js';
import { lowerForBackend, viewOf } from '../../core/passes/decompose.js';
import { PLUGIN_API_VERSION } from '../../core/backend-api/plugin-contract.js';
import { surveyBuiltins } from '../../backends/registry.js';
import { plugin, supports, describeDevice } from '../../backends/rocm-dcu/index.js';
import { addonPath, loadAddonAt } from '../../backends/rocm-dcu/native-addon.js';
import { planSimtGraph } from '../../backends/simt/simt-target.js';
import { OP, GEMM_PATH } from '../../backends/simt/launch-codes.js';
import type { DcuBuild, DcuDeviceInfo } from '../../backends/rocm-dcu/native-addon.js';
import { DCU_EMULATED, defineDcuEmulatorSuite } from './rocm-dcu-emulator-suite.js';
import { nativeGate } from '../support/native.js';

const SAVED = { ...process.env };
afterEach(() => {
  for (const k of ['GLM_DCU_TARGET', 'GLM_DCU_WAVE', 'GLM_DCU_EMULATE', 'GLM_DCU_EMU_WARP', 'GLM_DCU_ADDON']) {
    if (SAVED[k] === undefined) delete process.env[k];
    else process.env[k] = SAVED[k];
  }
});

const hipBuilt = existsSync(addonPath('amd'));
const probe = await plugin.probe();
if (!probe.available) console.info(`rocm-dcu: DCU tests skipped — ${probe.reason}`);

describe('rocm-dcu plugin on any machine', () => {
  it('loads without touching the addon or a GPU', async () => {
    const mod = (await import('../../backends/rocm-dcu/index.js')) as { default: typeof plugin };
    expect(mod.default.name).toBe('rocm-dcu');
    expect(mod.default.apiVersion).toBe(PLUGIN_API_VERSION);
  });

  it('probe() names a missing addon and how to build it, per target', () => {
    const dcu = loadAddonAt('/nonexistent/glm_dcu.node', 'amd');
    expect(dcu.addon === null && dcu.reason).toMatch(/DCU addon is not built.*npm run build:dcu.*hipcc.*gfx906.*DTK.*gfx928/);
    const nv = loadAddonAt('/nonexistent/glm_dcu_nv_wave64.node', 'nvidia');
    expect(nv.addon === null && nv.reason).toMatch(/HIP→CUDA build of the DCU sources is not built.*nvcc/);
  });

  it('probe() says why there is no DCU here: no libamdhip64.so.5, or the HIP runtime finds no device', async () => {
    if (probe.available) return;
    expect(probe.execution).toBe('hardware');
    if (!hipBuilt) {
      expect(probe.reason).toMatch(/not built/);
      return;
    }
    const hasRuntime = ['/usr/lib/x86_64-linux-gnu', '/opt/dtk/lib', '/opt/rocm/lib'].some((d) => existsSync(`${d}/libamdhip64.so.5`));
    if (hasRuntime) expect(probe.reason).toMatch(/^no DCU: the HIP runtime \(libamdhip64\.so\.5, HIP \d+\.\d+\) reports no device \(hipErrorNoDevice\)/);
    else expect(probe.reason).toMatch(/^no libamdhip64\.so\.5: the HIP runtime of Hygon DTK/);
  });

  it('the HIP→CUDA build says it needs an NVIDIA driver here, never that a DCU is missing', async () => {
    process.env['GLM_DCU_TARGET'] = 'nvidia';
    for (const wave of ['32', '64']) {
      process.env['GLM_DCU_WAVE'] = wave;
      const p = await plugin.probe();
      if (p.available) {
        expect(p.device).toMatch(/^HIP sources on NVIDIA .* via HIP→CUDA map .*not a DCU\)$/);
        continue;
      }
      if (!existsSync(addonPath('nvidia'))) expect(p.reason).toMatch(/not built/);
      else expect(p.reason).toMatch(/no CUDA driver: libcuda\.so\.1.*HIP→CUDA build of the DCU sources|no NVIDIA GPU/);
    }
    process.env['GLM_DCU_WAVE'] = '48';
    expect((await plugin.probe()).reason).toMatch(/GLM_DCU_WAVE must be 32 or 64/);
  });

  it('the device string of the NVIDIA build says what ran: HIP sources on an H100 through the map, not a DCU', () => {
    const info: DcuDeviceInfo = {
      name: 'NVIDIA H100 80GB HBM3', arch: 'sm_90', totalMemory: 85e9, multiprocessors: 132, driverVersion: 13000,
      runtimeVersion: 13000, l2Bytes: 52428800, hardwareWave: 32, emulated: false,
    };
    const build = (wave: number): DcuBuild => ({ target: 'nvidia', wave, hardwareWave: 32, archs: '', hipblas: false, blas: '' });
    const w64 = describeDevice(build(64), info, { available: true, emulated: false, hipblasStatus: 'n/a' });
    expect(w64).toMatch(/^HIP sources on NVIDIA H100 80GB HBM3 via HIP→CUDA map \(sm_90, .*wave64 as logical wavefronts of two warps.*not a DCU\)$/);
    expect(describeDevice(build(32), info, { available: true, emulated: false })).toMatch(/wave32, one warp per wavefront/);
    expect(w64).not.toMatch(/DCU(?!\))|Hygon/);
  });

  it('the device string of the DCU build names the GEMM path: the BLAS it found and could open, else the portable tiled GEMM', () => {
    const info: DcuDeviceInfo = {
      name: 'Hygon DCU Z100', arch: 'gfx906:sramecc+:xnack-', totalMemory: 34e9, multiprocessors: 60, driverVersion: 50000000,
      runtimeVersion: 50224000, l2Bytes: 8388608, hardwareWave: 64, emulated: false,
    };
    const build = (blas: DcuBuild['blas']): DcuBuild => ({ target: 'amd', wave: 64, hardwareWave: 64, archs: 'gfx906', hipblas: blas === 'hipBLAS', blas });
    const opened = { available: true, emulated: false };
    expect(describeDevice(build('rocBLAS'), info, opened)).toMatch(/, rocBLAS$/);
    expect(describeDevice(build('hipBLAS'), info, opened)).toMatch(/, hipBLAS$/);
    expect(describeDevice(build(''), info, { ...opened, hipblasStatus: 'built without hipBLAS or rocBLAS' })).toMatch(/, portable tiled GEMM$/);
    expect(describeDevice(build('rocBLAS'), info, { ...opened, hipblasStatus: 'rocblas_create_handle returned status 1' })).toMatch(/, portable tiled GEMM$/);
  });

  it('glm backends lists rocm-dcu with the same reason', async () => {
    const dcu = (await surveyBuiltins()).find((b) => b.name === 'rocm-dcu')!;
    expect(dcu.probe.available).toBe(probe.available);
    if (!probe.available) expect(dcu.probe.reason).toBe(probe.reason);
  });

  it.skipIf(nativeGate('rocm-dcu DCU addon', hipBuilt ? undefined : `no ${addonPath('amd')} (npm run build:dcu, which needs hipcc)`))('the DCU addon holds gfx906 code objects (compiled by hipcc, not executed here)', () => {
    const bytes = readFileSync(addonPath('amd')).toString('latin1');
    expect(bytes).toContain('amdgcn-amd-amdhsa--gfx906');
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
      expect(lowered.decomposed).toEqual([]);
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
    expect(answers[0]).toEqual({ supported: false, reason: expect.stringMatching(/NCCL\/RCCL.*rocm-dcu/) });
    expect(answers[1]).toEqual({ supported: false, reason: expect.stringMatching(/head dim 512/) });
    expect(lowerForBackend(graph, supports).decomposed.map((d) => d.op)).toEqual(['attention']);
  });

  it('supports() claims top-k up to k = 256 and log-sum-exp, and refuses a larger k with the reason', () => {
    const b = new GraphBuilder('sampling');
    const logits = b.input('logits', 'f16', [2, 150528]);
    b.op('top-k', [logits], { k: 256 }, 'top256').forEach((v, i) => b.output(`top256.${i}`, v));
    b.op('top-k', [logits], { k: 257 }, 'top257').forEach((v, i) => b.output(`top257.${i}`, v));
    b.output('lse', b.op1('log-sum-exp', [logits], {}, 'lse'));
    const graph = b.build();
    const answers = graph.nodes.map((_, i) => supports(viewOf(graph, i)));
    expect(answers.map((a) => a.supported)).toEqual([true, false, true]);
    expect(answers[1]).toEqual({ supported: false, reason: expect.stringMatching(/k = 257 exceeds .* 256/) });
  });

  it('the planner sends decode batches up to 16 rows to the GEMV kernel and longer inputs to the tiled GEMM', () => {
    const options = { backend: 'rocm-dcu', vendorBlas: false, multiprocessors: 60, gemvMaxRows: 16, attentionMaterializeFrom: 32, attentionChunkBytes: 2 ** 22, attentionBlocksPerMultiprocessor: 4 };
    const graph = buildGlmBlockGraph(TINY, 0, { dtype: 'f16' });
    const paths = (batch: number, seq: number, past: number) =>
      planSimtGraph(graph, { batch, seq, past, cache_batch: batch }, () => 256, options).records.filter((r) => r.op === OP.gemm).map((r) => r.args[r.args.length - 1]);
    expect(paths(16, 1, 5)).toEqual([GEMM_PATH.gemv, GEMM_PATH.gemv, GEMM_PATH.gemv, GEMM_PATH.gemv]);
    expect(paths(1, 17, 0)).toEqual([GEMM_PATH.auto, GEMM_PATH.auto, GEMM_PATH.auto, GEMM_PATH.auto]);
  });
});

// ---- the kernels on the CPU emulator: the DCU's own configuration here, the two NVIDIA-build ones in
// rocm-dcu-waves.slow.test.ts (npm run test:full) ----
defineDcuEmulatorSuite(DCU_EMULATED[0]);

describe('rocm-dcu on a DCU', () => {
  it.skipIf(!probe.available || probe.execution !== 'hardware')('runs the GLM composites on the device (needs a DCU, or GLM_DCU_TARGET=nvidia on an NVIDIA GPU)', async () => {
    const { allCases, selectCases } = await import('../../conformance/catalogue.js');
    const { runCase } = await import('../../conformance/runner.js');
    const { NO_EXPECTED_FAILURES } = await import('../../conformance/expected-failures.js');
    const { plugin: cpuRef } = await import('../../backends/cpu-ref/index.js');
    const backend = await plugin.open();
    const reference = await cpuRef.open();
    for (const c of selectCases(allCases(), { filter: 'op/attention/f16/*,op/linear/f16/*,block/glm130b-2heads/*' })) {
      const r = await runCase(c, reference, backend, { backendSpec: 'rocm-dcu', expected: NO_EXPECTED_FAILURES, perfRuns: 0 });
      expect(['pass', 'mistrusted'], `${c.id}: ${r.detail}`).toContain(r.status);
    }
    await backend.close();
  });
});
