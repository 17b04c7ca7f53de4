/**
 * The ascend backend on the emulator (backends/ascend/emulator, CANN's C ABI on the CPU): library
 * discovery (CANN's directories, the split op libraries, the emulator's mark), SoC names by exact
 * string, conformance cases covering every lowering (op, block, model, generation) against cpu-ref,
 * executor reuse (a repeated decode step makes no executor), errors naming the aclnn op and the node,
 * the 910's exact fp32 products and the A2 WQBMM's column chunks. The SoC is read once per process, as
 * on a real host: this file runs on GLM_ASCEND_EMU_SOC (default Ascend910A) and again in a child vitest
 * on Ascend910B1. The GELU mutation (GLM_ASCEND_ERF_GELU=Gelu maps erf to aclnnGelu, the tanh form)
 * runs `glm conformance --filter 'op/gelu/*'` from dist/ and must fail cases. Skipped, with the
 * reason printed, when the emulator is not built (npm run build:ascend-emu).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeGate } from '../support/native.js';

// The emulator, even on a host with CANN.
process.env['GLM_ASCEND_EMULATOR'] = '1';
afterAll(() => {
  delete process.env['GLM_ASCEND_EMULATOR'];
});

const { discoverLibraries, EMULATOR_LIB_DIR } = await import('../../backends/ascend/acl/discovery.js');
const { generationOf } = await import('../../backends/ascend/soc.js');
const { plugin } = await import('../../backends/ascend/index.js');
const { plugin: cpuRef } = await import('../../backends/cpu-ref/index.js');
const { allCases, selectCases } = await import('../../conformance/catalogue.js');
const { runCase } = await import('../../conformance/runner.js');
const { NO_EXPECTED_FAILURES } = await import('../../conformance/expected-failures.js');
const { GraphBuilder } = await import('../../core/ir/builder.js');
const { runGraph } = await import('../../core/execute/run-graph.js');
const { hostTensor } = await import('../../core/tensor/host-tensor.js');

const THIS_FILE = fileURLToPath(import.meta.url);
const REPO = resolve(dirname(THIS_FILE), '../..');
const SOC = process.env['GLM_ASCEND_EMU_SOC'] || 'Ascend910A';
const IS_CHILD = process.env['GLM_ASCEND_TEST_CHILD'] === '1';
const ORIGINAL_910 = generationOf(SOC) === 'original910';
const built = ['libascendcl.so', 'libnnopbase.so', 'libopapi.so'].every((f) => existsSync(join(EMULATOR_LIB_DIR, f)));
nativeGate('ascend emulator', built ? undefined : `not built (no ${EMULATOR_LIB_DIR}/libopapi.so); build it with npm run build:ascend-emu`);

describe('ascend library discovery and SoC names', () => {
  const fakeLibs = (dir: string, names: readonly string[]) => {
    mkdirSync(dir, { recursive: true });
    for (const n of names) writeFileSync(join(dir, n), '');
  };

  it('finds CANN through ASCEND_HOME_PATH, the monolithic libopapi.so alone when both kinds are there', () => {
    const root = mkdtempSync(join(tmpdir(), 'cann-'));
    try {
      const lib = join(root, 'aarch64-linux', 'lib64');
      fakeLibs(lib, ['libascendcl.so', 'libnnopbase.so', 'libopapi.so', 'libopapi_math.so', 'libopapi_nn.so']);
      const found = discoverLibraries({ ASCEND_HOME_PATH: root });
      expect('found' in found && found.found).toMatchObject({ dir: lib, source: 'cann', opapiFiles: [join(lib, 'libopapi.so')] });
      rmSync(join(lib, 'libopapi.so'));
      const split = discoverLibraries({ ASCEND_HOME_PATH: root });
      expect('found' in split && split.found.opapiFiles).toEqual([join(lib, 'libopapi_math.so'), join(lib, 'libopapi_nn.so')]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('says what is missing in a named directory, and knows the emulator by its version.info', () => {
    const root = mkdtempSync(join(tmpdir(), 'cann-'));
    try {
      const lib = join(root, 'lib64');
      fakeLibs(lib, ['libascendcl.so']);
      expect(discoverLibraries({ GLM_ASCEND_LIB_DIR: lib })).toMatchObject({ missing: `GLM_ASCEND_LIB_DIR: no libnnopbase.so in ${lib}` });
      fakeLibs(lib, ['libnnopbase.so', 'libopapi.so']);
      writeFileSync(join(root, 'version.info'), 'Version=8.0.RC2-emulator\nemulator=test\n');
      expect(discoverLibraries({ GLM_ASCEND_LIB_DIR: lib })).toMatchObject({ found: { dir: lib, source: 'emulator' } });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('classifies SoC names exactly: "Ascend910B" is an original 910, "Ascend910B4-1" an A2, a prefix is refused', () => {
    expect(generationOf('Ascend910B')).toBe('original910');
    expect(generationOf('Ascend910ProA')).toBe('original910');
    expect(generationOf('Ascend910B4-1')).toBe('a2');
    expect(generationOf('Ascend910_9391')).toBe('a3');
    expect(() => generationOf('Ascend910B5')).toThrow(/SoC "Ascend910B5" is not one this backend plans for/);
  });
});

/** Cases that reach every lowering and host step: exact fp32 products, INT4, fused and composed attention, RoPE, sampling, the cache. */
const CASES = [
  'op/matmul/f32/long-k-2x8193x3-tb', 'op/matmul/f16/65x127x129-tb', 'op/matmul/bf16/batch-4x1x6x16-by-3x16x8',
  'op/linear/f16/2x12288x2-i4-bias', 'op/linear/f16/7x34x9-i8', 'op/linear/f32/2x128x65-float-bias',
  'op/attention/f16/glm-length-decode-17-of-2048', 'op/attention/f16/glm-prefill-65-d128', 'op/attention/f32/glm-chunk-16-of-2048',
  'op/attention/f16/explicit-row-all-masked-2x2x3x7x32-mask1x1x3x7', 'op/rope/f16/2d-2x3x5x8-frozen-mask',
  'op/qkv-bias-rope/f16/1d-1x1x4x3x128-bias-long', 'op/bias-geglu/f16/3x130', 'op/cast/f16/from-i32-edges',
  'op/gather/i8/5x3x4x2-by-3x1x2-axis0', 'op/top-k/f32/2x6143-ties-k33', 'op/log-sum-exp/f16/5x3000-inf-nan-rows',
  'block/tiny/f16/none/layer1-decode-cache5', 'block/tiny/f16/int4/layer0-chunk-3-cache6', 'block/glm130b-2heads/f16/none/layer69-prefill-7',
  'model/tiny/f32/none/logits-prompt', 'generation/tiny/f16/greedy-mask-24', 'generation/tiny/bf16/greedy-gmask-24',
];

describe.skipIf(!built)(`ascend on the emulator, SoC ${SOC}`, () => {
  it('probes as the emulator and names the SoC', async () => {
    const probe = await plugin.probe();
    expect(probe).toMatchObject({ available: true, execution: 'emulator' });
    expect(probe.device).toMatch(new RegExp(`^emulator \\(selected by GLM_ASCEND_EMULATOR=1\\), SoC ${SOC}$`));
  });

  it('passes conformance cases reaching every lowering; on the original 910 bf16 is unsupported, with the reason', async () => {
    const backend = await plugin.open();
    const reference = await cpuRef.open();
    const cases = selectCases(allCases(), { caseIds: CASES });
    expect(cases.length).toBe(CASES.length);
    for (const c of cases) {
      const r = await runCase(c, reference, backend, { backendSpec: 'ascend', expected: NO_EXPECTED_FAILURES, perfRuns: 0 });
      if (ORIGINAL_910 && c.dtype === 'bf16') expect(r.detail, c.id).toMatch(/has no BF16/);
      else expect(['pass', 'mistrusted'], `${c.id}: ${r.detail}`).toContain(r.status);
    }
    await backend.close();
    await reference.close();
  }, 300_000);

  it('runs a repeated decode step with no new executor: only launches, rebinds and the host steps', async () => {
    const { ModelSession } = await import('../../core/session/session.js');
    const { tinyRandomModel } = await import('../../core/models/glm/load-model.js');
    const model = tinyRandomModel('f16');
    const backend = await plugin.open();
    const session = await ModelSession.open(backend, model.config, model.weights, { dtype: 'f16', cacheCapacity: 16 });
    let top = await session.prefillTop([{ tokens: [5, 6, 7], positions: [0, 1, 2], contextLength: 2 }], 1);
    const counts = [];
    for (let i = 0; i < 3; i++) {
      top = await session.decodeTop({ tokens: [top.rows[0]!.ids[0]!], positions: [3 + i], parents: [0] }, 1);
      counts.push(backend.native.stats().lastRun);
    }
    expect(counts[0]!.prepare).toBeGreaterThan(0);
    expect(counts[2]).toMatchObject({ prepare: 0, object: 0 });
    expect(counts[2]!.launch).toBe(counts[0]!.launch);
    await session.close();
    await backend.close();
  });

  it('reports a failing aclnn call as a backend error naming the op, the node and CANN\'s message, and runs again', async () => {
    const b = new GraphBuilder('bad-gather');
    const table = b.input('table', 'f32', [4, 8]);
    const ids = b.input('ids', 'i32', [2]);
    b.output('out', b.op1('gather', [table, ids], { axis: 0 }, 'embedding'));
    const graph = b.build();
    const backend = await plugin.open();
    const values = hostTensor('f32', [4, 8], new Float32Array(32).fill(1));
    await expect(runGraph(backend, graph, { table: values, ids: hostTensor('i32', [2], Int32Array.from([1, 4])) })).rejects.toThrow(
      /ascend: node "embedding" \(gather\): aclnnGatherV2 returned 361001 \(ACLNN_ERR_RUNTIME_ERROR\): .*index 4 is out of range/,
    );
    const again = await runGraph(backend, graph, { table: values, ids: hostTensor('i32', [2], Int32Array.from([1, 3])) });
    expect(Array.from(again['out']!.data as Float32Array)).toEqual(new Array(16).fill(1));
    await backend.close();
  });

  it('reports a KV-cache offset out of range as an input error naming the cache-write', async () => {
    const b = new GraphBuilder('cache');
    const cache = b.input('cache', 'f16', [1, 1, 4, 2]);
    const update = b.input('update', 'f16', [1, 1, 1, 2]);
    const offset = b.input('offset', 'i32', [1]);
    b.output('out', b.op1('cache-write', [cache, update, offset], {}, 'write_key'));
    const backend = await plugin.open();
    const inputs = { cache: hostTensor('f16', [1, 1, 4, 2]), update: hostTensor('f16', [1, 1, 1, 2]), offset: hostTensor('i32', [1], Int32Array.from([4])) };
    await expect(runGraph(backend, b.build(), inputs)).rejects.toThrow(/node "write_key" \(cache-write\): cache-write offset out of range/);
    await backend.close();
  });

  it.runIf(ORIGINAL_910)('computes fp32 products exactly on the original 910 (its Cube would read fp16)', async () => {
    const x = 1 + 2 ** -12; // (1 + 2^-12)^2 in fp16 inputs gives 1; in fp32, 1 + 2^-11
    const b = new GraphBuilder('product');
    b.output('out', b.op1('matmul', [b.input('a', 'f32', [1, 1]), b.input('b', 'f32', [1, 1])], {}, 'product'));
    const backend = await plugin.open();
    const out = await runGraph(backend, b.build(), { a: hostTensor('f32', [1, 1], Float32Array.of(x)), b: hostTensor('f32', [1, 1], Float32Array.of(x)) });
    expect((out['out']!.data as Float32Array)[0]).toBe(Math.fround(x * x));
    await backend.close();
  });

  it.runIf(!ORIGINAL_910)('splits a quantized linear of 65,537 output features into WQBMM calls of at most 65,535', async () => {
    const [n, k] = [65537, 32];
    const b = new GraphBuilder('wide');
    const y = b.op1('linear', [b.input('x', 'f16', [1, k]), b.input('w', 'i8', [n, k]), null, b.input('scale', 'f16', [n])], {}, 'up');
    b.output('y', y);
    const graph = b.build();
    const q = Int8Array.from({ length: n * k }, (_, i) => ((i * 7) % 15) - 7);
    const inputs = {
      x: hostTensor('f16', [1, k], Uint16Array.from({ length: k }, () => 0x3c00)), // ones
      w: hostTensor('i8', [n, k], q),
      scale: hostTensor('f16', [n], Uint16Array.from({ length: n }, () => 0x3c00)),
    };
    const backend = await plugin.open();
    const out = await runGraph(backend, graph, inputs);
    expect(backend.native.stats().lastRun.launch).toBeGreaterThanOrEqual(2);
    const reference = await runGraph(await cpuRef.open(), graph, inputs);
    expect(Array.from(out['y']!.data as Uint16Array)).toEqual(Array.from(reference['y']!.data as Uint16Array));
    await backend.close();
  }, 60_000);

  /** `glm conformance` from dist/ in a child process; its JSON report's counts. */
  function conformance(filter: string, env: Record<string, string>): Record<string, number> {
    const dir = mkdtempSync(join(tmpdir(), 'ascend-conf-'));
    try {
      const report = join(dir, 'report.json');
      const child = spawnSync(process.execPath, [join(REPO, 'bin/glm.js'), 'conformance', '--backend', 'ascend', '--filter', filter, '--report', report], {
        cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8',
      });
      expect(existsSync(report), `glm conformance wrote no report:\n${child.stdout}${child.stderr}`).toBe(true);
      return (JSON.parse(readFileSync(report, 'utf8')) as { counts: Record<string, number> }).counts;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.skipIf(IS_CHILD)('fails op/gelu cases when the erf GELU is mapped to aclnnGelu (the tanh form) on purpose', () => {
    expect(conformance('op/gelu/*', {})['fail']).toBe(0);
    expect(conformance('op/gelu/*', { GLM_ASCEND_ERF_GELU: 'Gelu' })['fail']).toBeGreaterThan(0);
  }, 120_000);

  // Ascend910B1 runs this file again in tests/backends/second-chip.slow.test.ts (npm run test:full).
});
