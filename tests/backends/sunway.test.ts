/**
 * The sunway backend on the athread emulator (`npm run build:sunway`): its CPE kernels, the runner
 * and the planner's records, checked against cpu-ref through conformance cases chosen to cover every
 * kernel and path (mesh GEMM and GEMV, batched and strided products, the online-softmax attention
 * over a 2,048-position cache with the GLM mask and explicit masks, rope and the fused QKV bias with
 * its in-place cache writes, rows, top-k over vocabulary-wide rows, casts, copies, gathers, blocks,
 * the whole tiny model and greedy generation) on each chip. The emulator models one chip per process
 * (GLM_SUNWAY_CHIP is read once), so SW26010 runs this file again in a child vitest: its 64 KB LDM
 * forces other tiles (checked through the emulator's LDM high-water mark), and it has no half
 * precision (those cases are unsupported, with the reason).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nativeGate } from '../support/native.js';
import { addonPath } from '../../backends/sunway/sunway-addon.js';
import { chipFromEnvironment } from '../../backends/sunway/chip.js';
import { DTYPE_CODES, OP } from '../../backends/sunway/launch-codes.js';
import { loadAddonFile } from '../../backends/program/load-addon.js';
import type { SunwayAddon } from '../../backends/sunway/sunway-addon.js';

const CHIP = chipFromEnvironment();
const built = !nativeGate('sunway', existsSync(addonPath(CHIP)) ? undefined : `no ${addonPath(CHIP)} (build it with npm run build:sunway)`);

const { plugin } = await import('../../backends/sunway/index.js');
const { plugin: cpuRef } = await import('../../backends/cpu-ref/index.js');
const { allCases, selectCases } = await import('../../conformance/catalogue.js');
const { runCase } = await import('../../conformance/runner.js');
const { NO_EXPECTED_FAILURES } = await import('../../conformance/expected-failures.js');

/** f32 (and integer) cases: every kernel and path, on both chips. */
const F32_CASES = [
  'op/matmul/f32/65x127x129-tb', 'op/matmul/f32/long-k-2x32768x3-tb', 'op/matmul/f32/batch-2x4x7x33-by-33x5', 'op/matmul/f32/batch-4x1x6x16-by-3x16x8',
  'op/matmul/f32/17x256x129', 'op/linear/f32/2x12288x2-float-bias', 'op/linear/f32/2x5x64x96-bias', 'op/linear/f32/8x384x200-i4-bias', 'op/linear/f32/5x1152x100-i8-bias',
  'op/layer-norm/f32/3x4096-mean8', 'op/softmax/f32/3x32768-std30', 'op/softmax/f32/2x9x4-axis1', 'op/log-sum-exp/f32/5x3000-inf-nan-rows', 'op/log-sum-exp/f32/3x150528-one-survivor',
  'op/attention/f32/glm-prefill-65-d128', 'op/attention/f32/glm-decode-cache1025', 'op/attention/f32/glm-chunk-16-of-2048', 'op/attention/f32/glm-length-decode-17-of-2048',
  'op/attention/f32/explicit-row-all-masked-2x2x5x5x16-mask2x1x5x5', 'op/glm-mask-fill/f32/prefill-33-ctx-half', 'op/masked-fill/f32/2x3x5-mask-2x1x5-masked0.5',
  'op/rope/f32/2d-1x2x3x128-long', 'op/qkv-bias-rope/f32/1d-1x1x4x3x128-bias-long', 'op/qkv-bias-rope/f32/2d-1x7x2x3x16-no-bias-long', 'op/rotary-table/f32/',
  'op/bias-geglu/f32/1x1x8192', 'op/deepnorm-residual/f32/1x12288-alpha11.832', 'op/gelu/f32/', 'op/dequantize/f32/i4-4x130',
  'op/cast/i32/from-f32-edges', 'op/cast/f32/from-i32-edges', 'op/gather/i8/5x3x4x2-by-3x1x2-axis0', 'op/gather/f32/3x4x33-by-2x2-axis2', 'op/concat/i32/1x4x17x8+1x4x1x8-axis2',
  'op/transpose/f32/', 'op/cache-write/f32/2x3x64x128-write7-at57/in-place', 'op/top-k/f32/1x266240-k64', 'op/top-k/f32/2x6143-ties-k33', 'op/top-k/f32/2x4097-nan-inf-zeros-k12',
  'block/tiny/f32/none/layer1-decode-cache5', 'block/glm130b-2heads/f32/none/layer69-prefill-7', 'block/small-chatglm/f32/none/layer0-chunk-3-cache6',
  'model/tiny/f32/none/logits-prompt', 'generation/tiny/f32/greedy-mask-24',
];

/** Half-precision cases: fp16/bf16 storage with fp32 arithmetic on Pro; refused on SW26010. */
const HALF_CASES = [
  'op/matmul/f16/65x127x129-tb', 'op/linear/bf16/7x34x9-i8', 'op/attention/f16/glm-decode-cache1025', 'op/attention/bf16/glm-prefill-65-d128',
  'op/layer-norm/f16/3x12288-mean8', 'op/softmax/bf16/2x9x4-axis1', 'op/top-k/bf16/1x266240-k64', 'op/qkv-bias-rope/f16/2d-2x5x3x3x8-bias-frozen-mask',
  'op/bias-geglu/bf16/1x1x8192', 'op/cast/bf16/from-i32-edges', 'block/tiny/f16/int4/layer0-chunk-3-cache6', 'model/tiny/bf16/none/logits-prompt',
];

/** Conformance cases whose id starts with one of `prefixes` (a prefix ending in '/' takes every case under it). */
function casesFor(prefixes: readonly string[]) {
  const all = allCases();
  return prefixes.flatMap((p) => {
    const found = p.endsWith('/') ? selectCases(all, { filter: p }) : selectCases(all, { caseIds: [p] });
    if (found.length === 0) throw new Error(`no conformance case ${p}`);
    return found;
  });
}

describe.skipIf(!built)(`sunway kernels on the athread emulator (${CHIP})`, () => {
  it('have the launch codes of launch-codes.ts compiled in', () => {
    const loaded = loadAddonFile<SunwayAddon>(addonPath(CHIP), { notBuilt: 'not built', failed: (m) => m });
    expect(loaded.addon, 'reason' in loaded ? loaded.reason : '').not.toBeNull();
    const codes = loaded.addon!.launchCodes();
    expect(codes.op).toEqual({ ...OP });
    expect(codes.dtype).toEqual({ ...DTYPE_CODES });
  });

  it('pass the conformance cases that cover every kernel and path (f32)', async () => {
    const backend = await plugin.open();
    expect(backend.execution).toBe('emulator');
    expect(backend.device).toMatch(new RegExp(`^emulator \\(${CHIP} model\\), kernels compiled with gcc \\d`));
    const reference = await cpuRef.open();
    for (const c of casesFor(F32_CASES)) {
      const r = await runCase(c, reference, backend, { backendSpec: 'sunway', expected: NO_EXPECTED_FAILURES, perfRuns: 0 });
      expect(['pass', 'mistrusted'], `${c.id}: ${r.detail}`).toContain(r.status);
    }
    await backend.close();
  }, 600_000);

  it(CHIP === 'SW26010' ? 'refuses half precision with the reason (SW26010 has none)' : 'passes the half-precision cases (fp16/bf16 storage, fp32 arithmetic)', async () => {
    const backend = await plugin.open();
    const reference = await cpuRef.open();
    for (const c of casesFor(HALF_CASES)) {
      const r = await runCase(c, reference, backend, { backendSpec: 'sunway', expected: NO_EXPECTED_FAILURES, perfRuns: 0 });
      if (CHIP === 'SW26010') {
        expect(r.status, `${c.id}: ${r.detail}`).toBe('unsupported');
        expect(r.detail).toMatch(/SW26010 CPEs have no half-precision arithmetic/);
      } else {
        expect(['pass', 'mistrusted'], `${c.id}: ${r.detail}`).toContain(r.status);
      }
    }
    await backend.close();
  }, 600_000);

  it("sizes the GEMM's tiles from the chip's LDM (64 KB on SW26010 forces smaller pieces)", async () => {
    const backend = await plugin.open();
    const reference = await cpuRef.open();
    backend.native.collectCounts(true);
    const [c] = casesFor(['op/matmul/f32/65x127x129-tb']);
    await runCase(c!, reference, backend, { backendSpec: 'sunway', expected: NO_EXPECTED_FAILURES, perfRuns: 0 });
    const gemm = backend.native.takeCounts().filter((s) => s.kernel.includes('gemm'));
    backend.native.collectCounts(false);
    expect(gemm.length).toBeGreaterThan(0);
    const ldm = Math.max(...gemm.map((s) => s.ldmHighWater));
    if (CHIP === 'SW26010') expect(ldm).toBeLessThanOrEqual(60 * 1024);
    else expect(ldm).toBeGreaterThan(64 * 1024);
    const rma = gemm.map((s) => s.perGroup.reduce((sum, g) => sum + g.rmaBytes, 0));
    expect(Math.min(...rma)).toBeGreaterThan(0); // operands shared over the mesh: RMA on Pro, register communication on SW26010 (counted as RMA bytes)
    await backend.close();
  }, 120_000);

  it('runs a GEMV with more column blocks than CPEs (passes of blocks sharing each chunk of A) as cpu-ref does', async () => {
    const { GraphBuilder } = await import('../../core/ir/builder.js');
    const { runGraph } = await import('../../core/execute/run-graph.js');
    const { hostTensor, toFloat64 } = await import('../../core/tensor/host-tensor.js');
    const [m, k, n] = [3, 40, 2 * 64 * 384 + 5]; // a ragged last block, two blocks a CPE on either chip
    const b = new GraphBuilder('wide-gemv');
    const x = b.input('x', 'f32', [m, k]);
    const w = b.param('w', 'f32', [n, k]);
    const bias = b.param('bias', 'f32', [n]);
    b.output('y', b.op1('linear', [x, w, bias], {}, 'wide'));
    const graph = b.build();
    let seed = 7;
    const random = (count: number) => Float32Array.from({ length: count }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
    const inputs = { x: hostTensor('f32', [m, k], random(m * k)), w: hostTensor('f32', [n, k], random(n * k)), bias: hostTensor('f32', [n], random(n)) };
    const backend = await plugin.open();
    const got = toFloat64((await runGraph(backend, graph, inputs))['y']!);
    const want = toFloat64((await runGraph(await cpuRef.open(), graph, inputs))['y']!);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThan(1e-4);
    await backend.close();
  }, 120_000);

  it("predicts every launch's counts exactly as the emulator counts them (the bench's full-width model rests on it)", async () => {
    const { CHECK_CASES, checkCase } = await import('../../bench/sunway/glm-layer-model.js');
    const backend = (await plugin.open()) as import('../../backends/sunway/index.js').SunwayBackend;
    const target = { dtype: CHIP === 'SW26010' ? ('f32' as const) : ('f16' as const), chip: CHIP };
    for (const k of CHECK_CASES) {
      const r = checkCase(backend.native, k, target);
      expect(r.launches, k.name).toBe(9);
      expect(r.maxDeviation, k.name).toEqual({ dma: 0, rma: 0, flops: 0, ldm: 0 });
    }
    await backend.close();
  }, 300_000);

  // SW26010 (one chip per process, as the emulator reads GLM_SUNWAY_CHIP once) runs this file again in
  // tests/backends/second-chip.slow.test.ts (npm run test:full).
});
