/**
 * The Sunway athread/CRTS emulator (backends/sunway/emulator) and the performance model
 * (backends/sunway/perf-model.ts). The test kernels in backends/sunway/emulator/tests/ are compiled with gcc
 * against the emulator's headers (`make tests`, built here if missing) and run by a C driver, one case per
 * process (a failing kernel must fail its spawn, not the process), on both chip variants (GLM_SUNWAY_CHIP).
 * Checked: results of a strided DMA round trip, RMA row and DMA column broadcasts, point-to-point RMA (Pro),
 * register communication (SW26010: row broadcast, column put, athread_syn), a double-buffered sum, a spawn over all core groups and a tiled GEMM; counters equal to the bytes moved and
 * flops done; and mutations that must fail loudly — LDM past the budget (ldm_malloc and __thread_local; a
 * size that passes on Pro and fails on SW26010), main memory read without DMA, a DMA of ≥ 256 KiB, a reply
 * word outside LDM, a DMA outside the registered buffers, leaked LDM, a skipped barrier, an unaligned SIMD load, fp16 on SW26010, a wait that never
 * ends, RMA on SW26010 and register communication on Pro (each chip lacks the other), a register put into a
 * full receive buffer nobody drains. Skipped, with the reason printed, when gcc or make is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';
import { nativeGate } from '../support/native.js';

import {
  checkAgainstPublished,
  modelKernel,
  modelStep,
  ridgePoint,
  spawnStatsFromC,
  spawnStatsFromTotals,
  SUNWAY_MODEL_CONSTANTS,
  type SunwayChipName,
} from '../../backends/sunway/perf-model.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EMU = join(REPO, 'backends/sunway/emulator');
const DRIVER = join(EMU, 'build/tests/emu_tests');
const CXX = join(EMU, 'build/tests/cxx_spawn');
const NODE_CASE = join(EMU, 'build/tests/libemu_node_case.so');
const LIB = join(EMU, 'build/libathread_emu.so');

function tool(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
}
const missingTool = ['gcc', 'g++', 'make'].find((t) => !tool(t));
nativeGate('sunway emulator', missingTool && `${missingTool} not found (the emulator builds with gcc and make)`);

interface Counters {
  dma_get_bytes: number;
  dma_put_bytes: number;
  dma_get_ops: number;
  dma_put_ops: number;
  dma_blocks: number;
  dma_bcast_bytes: number;
  rma_bytes: number;
  rma_ops: number;
  rma_recv_bytes: number;
  flops_f16: number;
  flops_f32: number;
  flops_f64: number;
  ldm_high_water: number;
  ldm_tls_bytes: number;
}
interface CaseResult {
  case: string;
  rc: number;
  error: string | null;
  check: string;
  stats?: {
    kernel: string;
    chip_is_pro: number;
    cgs: number;
    failed: number;
    ldm_budget: number;
    max_ldm_size: number;
    total: Counters;
    per_cg: Counters[];
  };
}

const CHIPS: SunwayChipName[] = ['SW26010-Pro', 'SW26010'];

function run(name: string, chip: SunwayChipName, env: Record<string, string> = {}): CaseResult {
  const r = spawnSync(DRIVER, [name], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, GLM_SUNWAY_CHIP: chip, ...env },
  });
  if (r.status !== 0) throw new Error(`emu_tests ${name} exited ${r.status} (${r.signal ?? ''}): ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as CaseResult;
}

/** A case that must succeed: rc 0, results right, no error. */
function ok(name: string, chip: SunwayChipName): CaseResult {
  const r = run(name, chip);
  expect(r.error, `${name} on ${chip}`).toBeNull();
  expect(r.rc).toBe(0);
  expect(r.check).toBe('ok');
  return r;
}

/** A case that must fail its spawn with a message naming the kernel and a CPE. */
function fails(name: string, chip: SunwayChipName, kernel: string, env: Record<string, string> = {}): string {
  const r = run(name, chip, env);
  expect(r.rc, `${name} on ${chip} should fail`).toBe(-1);
  expect(r.error).not.toBeNull();
  expect(r.error!).toContain(`kernel ${kernel}`);
  expect(r.stats?.failed).toBe(1);
  return r.error!;
}

const ARG = { stride: 32, bcast: 16, dbuf: 32, misc: 24, gemm: 48 }; // sizeof the argument structs (k_args.h)

describe.skipIf(Boolean(missingTool))('sunway emulator', () => {
  beforeAll(() => {
    // make is incremental: a no-op when the library and test programs are current.
    const make = spawnSync('make', ['-C', EMU, '-j2', 'tests'], { encoding: 'utf8', timeout: 300_000 });
    if (make.status !== 0) throw new Error(`building the emulator failed:\n${make.stdout}\n${make.stderr}`);
    if (!existsSync(DRIVER) || !existsSync(CXX)) throw new Error(`make tests did not produce ${DRIVER}`);
  }, 300_000);

  describe.each(CHIPS)('%s', (chip) => {
    const pro = chip === 'SW26010-Pro';

    it('reports the chip: CRTS_MAX_LDM_SIZE and the default budget', () => {
      const s = ok('stride', chip).stats!;
      expect(s.chip_is_pro).toBe(pro ? 1 : 0);
      expect(s.max_ldm_size).toBe(pro ? 262144 : 65536);
      expect(s.ldm_budget).toBe(pro ? 220 * 1024 : 60 * 1024);
    });

    it('strided DMA round trip: values, and counters equal to the bytes moved', () => {
      const s = ok('stride', chip).stats!;
      const rows = 40, cols = 128, bytes = rows * cols * 4;
      expect(s.total.dma_get_bytes).toBe(bytes + 64 * ARG.stride);
      expect(s.total.dma_put_bytes).toBe(bytes);
      // every CPE moves rows blocks of its 2 columns each way, plus its argument struct
      expect(s.total.dma_blocks).toBe(64 * (2 * rows + 1));
      expect(s.total.flops_f32).toBe(2 * rows * cols); // simd_vmas: 2 per element
    });

    it(pro ? 'RMA row broadcast reaches every CPE of the row, the issuer included' : 'RMA fails on SW26010, which has none (no stand-in)', () => {
      if (!pro) {
        expect(fails('row_bcast', chip, 'k_row_bcast')).toMatch(/CRTS_rma_(row_ibcast|wait_value): RMA does not exist on SW26010/); // whichever CPE fails first
        return;
      }
      const s = ok('row_bcast', chip).stats!;
      expect(s.total.rma_ops).toBe(8);
      expect(s.total.rma_bytes).toBe(8 * 128);
      expect(s.total.rma_recv_bytes).toBe(8 * 7 * 128);
      expect(s.total.dma_get_bytes).toBe(64 * ARG.bcast + 8 * 128);
    });

    it('DMA column broadcast: one DMA per column lands in all 8 CPEs', () => {
      const s = ok('col_bcast', chip).stats!;
      expect(s.total.dma_bcast_bytes).toBe(8 * 128);
      expect(s.total.dma_get_bytes).toBe(64 * ARG.bcast + 8 * 128);
      expect(s.total.rma_recv_bytes).toBe(8 * 7 * 128);
    });

    it(pro ? 'point-to-point RMA put and get around a ring' : 'point-to-point RMA fails on SW26010 too', () => {
      if (!pro) {
        expect(fails('p2p', chip, 'k_p2p')).toMatch(/CRTS_rma_(iput|wait_value): RMA does not exist on SW26010/);
        return;
      }
      const s = ok('p2p', chip).stats!;
      expect(s.total.rma_ops).toBe(128);
      expect(s.total.rma_bytes).toBe(128 * 4);
    });

    // Register communication (src/regcomm.c): 256-bit words, counted in the RMA counters.
    it(pro ? 'register communication fails on SW26010-Pro, which has none' : 'register communication: row broadcast (dst 8) in order, column put, athread_syn', () => {
      if (pro) {
        expect(fails('regcomm', chip, 'k_regcomm')).toContain('register communication does not exist on SW26010-Pro');
        return;
      }
      const s = ok('regcomm', chip).stats!;
      // 8 roots x 4 words to their row, 8 CPEs of row 0 x 1 word down their column; 32 bytes a word
      expect(s.total.rma_ops).toBe(8 * 4 + 8);
      expect(s.total.rma_bytes).toBe((8 * 4 + 8) * 32);
      expect(s.total.rma_recv_bytes).toBe((8 * 7 * 4 + 8) * 32);
    });

    it(pro ? 'a register put fails on SW26010-Pro' : 'a 5th word into a 4-deep receive buffer nobody drains fails instead of hanging', () => {
      const e = fails('reg_overrun', chip, 'k_reg_overrun');
      if (pro) expect(e).toContain('REG_PUTR: register communication does not exist on SW26010-Pro');
      else expect(e).toMatch(/REG_PUTR: the row buffer of CPE (\d+) stays full, and CPE \1 of the row already returned from the kernel/);
    });

    it('double-buffered sum: exact, with the bytes and flops counted', () => {
      const s = ok('dbuf', chip).stats!;
      const n = 64 * 8 * 1024;
      expect(s.total.dma_get_bytes).toBe(n * 4 + 64 * ARG.dbuf);
      expect(s.total.dma_get_ops).toBe(64 * (8 + 1));
      expect(s.total.dma_put_bytes).toBe(64 * 4);
      expect(s.total.flops_f32).toBe(2 * n + 64 * 7);
      expect(s.total.ldm_high_water).toBeGreaterThanOrEqual(2 * 4096);
    });

    it('a non-blocking DMA lands at its wait, not before', () => {
      ok('read_before_wait', chip);
    });

    it('athread_spawn_cgs runs 64 CPEs on every core group, counted per group', () => {
      const s = ok('scale_cgs', chip).stats!;
      expect(s.cgs).toBe(pro ? 6 : 4);
      expect(s.per_cg).toHaveLength(s.cgs);
      expect(s.per_cg.reduce((a, c) => a + c.dma_put_bytes, 0)).toBe(s.total.dma_put_bytes);
    });

    it('a tiled GEMM computes C = A B with 2 M N K flops and the DMA bytes its tiling implies', () => {
      const s = ok('gemm', chip).stats!;
      const m = 256, n = 256, k = 256;
      expect(s.total.flops_f32).toBe(2 * m * n * k);
      // each CPE streams its A row-panel and B column-panel once: 8 CPEs share each panel
      expect(s.total.dma_get_bytes).toBe(m * k * 4 * (n / 32) + k * n * 4 * (m / 32) + 64 * ARG.gemm);
      expect(s.total.dma_put_bytes).toBe(m * n * 4);
    });

    it('registered main-memory buffers bound every DMA (the spawn argument exempt)', () => {
      ok('registered_ok', chip);
      const e = fails('registered_oob', chip, 'k_stride');
      expect(e).toMatch(/CRTS_dma_iget_stride: main memory \[0x[0-9a-f]+, 0x[0-9a-f]+\) is not inside any buffer the host registered/);
    });

    it('a failed spawn leaves the emulator usable', () => {
      ok('recover', chip);
    });

    // ---- mutations: each must fail its spawn, loudly and precisely

    it('ldm_malloc past the budget: 100,000 bytes pass on Pro and fail on SW26010, naming kernel, CPE and bytes', () => {
      if (pro) {
        const s = ok('ldm_100k', chip).stats!;
        expect(s.total.ldm_high_water).toBeGreaterThanOrEqual(100000);
      } else {
        const e = fails('ldm_100k', chip, 'k_ldm_100k');
        expect(e).toMatch(/CPE \d+ \(CG 0\): ldm_malloc\(100000\): LDM budget exceeded: 100000 bytes requested/);
        expect(e).toContain('budget 61440 bytes of CRTS_MAX_LDM_SIZE 65536 on SW26010');
      }
      const e = fails('ldm_230k', chip, 'k_ldm_230k');
      expect(e).toContain('ldm_malloc(230000)');
    });

    it('GLM_SUNWAY_LDM_BUDGET lowers the budget', () => {
      const e = fails('ldm_100k', chip, 'k_ldm_100k', { GLM_SUNWAY_LDM_BUDGET: '65536' });
      expect(e).toContain('budget 65536 bytes');
    });

    it('__thread_local data past the budget fails the spawn (80 KiB: fits Pro, not SW26010)', () => {
      if (pro) {
        const s = ok('tls_big', chip).stats!;
        expect(s.total.ldm_tls_bytes).toBe(80 * 1024);
      } else {
        const e = fails('tls_big', chip, 'k_tls_big');
        expect(e).toContain('__thread_local data of the kernel\'s module is 81920 bytes, over the LDM budget of 61440');
      }
    });

    it('dereferencing the argument pointer is a main-memory access without DMA', () => {
      const e = fails('direct_arg', chip, 'k_direct_arg');
      expect(e).toMatch(/CPE \d+ \(CG 0\): touched main memory without DMA at 0x[0-9a-f]+ \(in k_direct_arg\+0x[0-9a-f]+\)/);
    });

    it('reading main memory through a pointer in the argument struct fails the same way', () => {
      const e = fails('direct_data', chip, 'k_direct_data');
      expect(e).toContain('touched main memory without DMA at 0x');
    });

    it('a DMA of 256 KiB or more fails (18-bit size field)', () => {
      const e = fails('dma_300k', chip, 'k_dma_300k');
      expect(e).toContain('CRTS_dma_get: length 300000 bytes is >= 256 KiB');
    });

    it('a reply word outside LDM fails', () => {
      const e = fails('reply_global', chip, 'k_reply_global');
      expect(e).toMatch(/CRTS_dma_iget: reply word 0x[0-9a-f]+ \(\+4 bytes\) is not in this CPE's LDM/);
    });

    it('LDM still allocated when the kernel returns fails', () => {
      expect(fails('ldm_leak', chip, 'k_ldm_leak')).toContain('4096 bytes of LDM in 1 ldm_malloc allocation(s) not ldm_free\'d');
    });

    it('a CPE that skips a barrier fails the spawn instead of hanging it', () => {
      expect(fails('barrier_skip', chip, 'k_barrier_skip')).toContain('CRTS_ssync_array: CPE 5 returned from the kernel without reaching this barrier');
    });

    it('an unaligned simd_load fails', () => {
      expect(fails('unaligned', chip, 'k_unaligned')).toMatch(/simd_load at 0x[0-9a-f]+: not 32-byte aligned/);
    });

    it('a wait nothing will satisfy fails after the timeout', () => {
      const e = fails('wait_never', chip, 'k_wait_never', { GLM_SUNWAY_WAIT_TIMEOUT_MS: '200' });
      expect(e).toContain('the reply word is still 0 after 200 ms');
    });

    it(pro ? 'fp16 SIMD runs and is counted as fp16' : 'fp16 SIMD fails on SW26010', () => {
      if (pro) expect(ok('fp16', chip).stats!.total.flops_f16).toBe(64 * 32);
      else expect(fails('fp16', chip, 'k_fp16')).toContain('fp16 SIMD flops on SW26010, which has no fp16');
    });
  });

  it('athread_spawn before athread_init is refused with a message', () => {
    const r = run('no_init', 'SW26010-Pro');
    expect(r.rc).toBe(-1);
    expect(r.error).toBe('athread_spawn before athread_init');
  });

  it('a bad GLM_SUNWAY_CHIP is an init error', () => {
    const r = run('stride', 'SW26010-Pro', { GLM_SUNWAY_CHIP: 'SW9' });
    expect(r.rc).toBe(-1);
    expect(r.error).toContain('GLM_SUNWAY_CHIP=SW9: expected SW26010 or SW26010-Pro');
  });

  it('the C++ spawn form (a function pointer) runs and names the kernel through dladdr', () => {
    const r = spawnSync(CXX, [], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('k_scale 0 15');
  });

  it('inside a Node process, a kernel fault fails the spawn and Node lives on (V8\'s SIGSEGV handler installed)', () => {
    // A child process, so that a regression that kills Node shows as a failed test, not a dead runner.
    const script = `
      const koffi = require('koffi');
      const run = koffi.load(process.argv[1]).func('int emu_node_case(int)');
      const lastError = koffi.load(process.argv[2]).func('const char *sunway_emu_last_error(void)');
      const fault = run(0);
      const error = lastError();
      console.log(JSON.stringify({ fault, error, ok: run(1) }));`;
    const r = spawnSync(process.execPath, ['-e', script, NODE_CASE, LIB], { encoding: 'utf8', timeout: 60_000, cwd: REPO });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { fault: number; error: string; ok: number };
    expect(out.fault).toBe(-1);
    expect(out.error).toMatch(/^kernel k_direct_data, CPE \d+ \(CG 0\): touched main memory without DMA at 0x/);
    expect(out.ok).toBe(0);
  });

  describe('performance model from the emulator\'s counts', () => {
    it('turns the GEMM\'s counts into a memory-bound estimate on Pro (8 flop/byte < ridge 45)', () => {
      const s = run('gemm', 'SW26010-Pro').stats!;
      const est = modelKernel(spawnStatsFromC(s), 'SW26010-Pro');
      expect(est.label).toBe("model from the emulator's counts");
      expect(est.bound).toBe('memory');
      expect(est.intensity).toBeCloseTo((2 * 256 ** 3) / (s.total.dma_get_bytes + s.total.dma_put_bytes), 10);
      expect(est.memS).toBeCloseTo((s.total.dma_get_bytes + s.total.dma_put_bytes) / 51.2e9, 15);
      expect(est.computeS).toBeCloseTo((2 * 256 ** 3) / 2.304e12, 15);
      expect(est.timeS).toBeCloseTo(est.memS + 10e-6, 15);
      expect(est.ldmUse).toBeCloseTo(s.total.ldm_high_water / (220 * 1024), 12);
    });

    it('charges the slowest core group of a _cgs launch', () => {
      const s = run('scale_cgs', 'SW26010-Pro').stats!;
      const est = modelKernel(spawnStatsFromC(s), 'SW26010-Pro', { spawnOverheadS: 0 });
      const cg0 = s.per_cg[0]!;
      expect(est.memS).toBeCloseTo((cg0.dma_get_bytes + cg0.dma_put_bytes) / 51.2e9, 18);
    });

    it('constants: derived per-CG peaks match the published chip peaks', () => {
      const pro = SUNWAY_MODEL_CONSTANTS['SW26010-Pro'];
      expect(pro.peakPerCg.f64! * 6).toBeCloseTo(13.824e12, -9); // SC23: 13.8 TF
      expect(pro.peakPerCg.f16! * 6).toBeCloseTo(55.3e12, -11); // 55.30 TF (BaGuaLu)
      expect(pro.memBandwidthPerCg * 6).toBeCloseTo(307.2e9, -6); // 307.2 GB/s per node
      expect(ridgePoint('SW26010-Pro', 'f32')).toBeCloseTo(45, 0);
      expect(ridgePoint('SW26010-Pro', 'f16')).toBeCloseTo(180, 0);
      expect(() => ridgePoint('SW26010', 'f16')).toThrow(/no f16/);
    });

    it('is an upper bound consistent with HPL-MxP 85 % and swDNN 54 %', () => {
      const rows = checkAgainstPublished();
      for (const r of rows) expect(r.consistent, r.name).toBe(true);
      expect(rows.find((r) => r.name === 'hplMxp')!.derate).toBeCloseTo(0.85, 12);
      expect(rows.find((r) => r.name === 'swdnnConv')!.derate).toBeCloseTo(0.54, 12);
    });

    it('from totals alone, a _cgs launch is split evenly over its core groups', () => {
      const s = run('gemm', 'SW26010-Pro').stats!;
      const one = modelKernel(spawnStatsFromC(s), 'SW26010-Pro');
      const t = s.total;
      const spread = spawnStatsFromTotals('k_gemm', 1, { dmaGetBytes: t.dma_get_bytes, dmaPutBytes: t.dma_put_bytes, flopsF16: 0, flopsF32: t.flops_f32, flopsF64: 0 });
      expect(modelKernel(spread, 'SW26010-Pro').timeS).toBeCloseTo(one.timeS, 15);
      const six = spawnStatsFromTotals('k_gemm', 6, { dmaGetBytes: 6e6, dmaPutBytes: 0, flopsF16: 0, flopsF32: 0, flopsF64: 0 });
      expect(modelKernel(six, 'SW26010-Pro', { spawnOverheadS: 0 }).memS).toBeCloseTo(1e6 / 51.2e9, 18);
    });

    it('sums a step\'s launches', () => {
      const s = spawnStatsFromC(run('dbuf', 'SW26010-Pro').stats!);
      const k = modelKernel(s, 'SW26010-Pro');
      const step = modelStep([k, k]);
      expect(step.timeS).toBeCloseTo(2 * k.timeS, 18);
      expect(step.spawnS).toBeCloseTo(20e-6, 18);
    });
  });
});
