/**
 * The fault group, quickly: `glm conformance --list --filter fault/` lists it; cpu-ref, which has no
 * injection switch and no allocation counter, reports every case unsupported with the reason; the cuda
 * emulator's injected failures are its vendor status through the normal error path; and a leaking
 * backend fails the allocation case. Every case on every emulator, and every check against a backend
 * broken on purpose: fault-mutations.slow.test.ts and fault-emulators.slow.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

process.env['GLM_CUDA_EMULATE'] = '1';
afterAll(() => {
  delete process.env['GLM_CUDA_EMULATE'];
});

const { addonPath } = await import('../../backends/cuda/native-addon.js');
const { nativeGate } = await import('../support/native.js');
const { plugin } = await import('../../backends/cuda/index.js');
const { plugin: cpuRef } = await import('../../backends/cpu-ref/index.js');
const { faultCases } = await import('../../conformance/cases/fault/fault-cases.js');
const { allCases, selectCases } = await import('../../conformance/catalogue.js');
const { mutant } = await import('./fault-mutants.js');
const { errorProblem, leakProblem, logitsProblem } = await import('../../conformance/cases/fault/checks.js');
const { GlmError } = await import('../../core/errors.js');

const skip = nativeGate('cuda emulator (fault cases)', existsSync(addonPath()) ? undefined : `no ${addonPath()} (npm run build:cuda-emu)`);
const byId = (id: string) => faultCases().find((c) => c.id === id)!;

describe('the fault group', () => {
  it('is in the catalogue, and the CLI lists it', () => {
    const ids = faultCases().map((c) => c.id);
    expect(selectCases(allCases(), { filter: 'fault/' }).map((c) => c.id)).toEqual(ids);
    const listed = execFileSync(process.execPath, ['bin/glm.js', 'conformance', '--list', '--filter', 'fault/'], { encoding: 'utf8' });
    expect(listed.trim().split('\n').filter((l) => l.startsWith('fault/'))).toEqual(ids);
    expect(ids).toEqual(expect.arrayContaining(['fault/alloc/beyond-device-memory', 'fault/alloc/open', 'fault/launch/decode', 'fault/sync/decode', 'fault/dma/decode']));
  }, 30_000);

  it('is unsupported on cpu-ref, saying why', async () => {
    const ref = await cpuRef.open();
    for (const c of faultCases()) {
      const outcome = await c.run(ref);
      expect(outcome.status, c.id).toBe('unsupported');
      expect(outcome.detail).toMatch(c.id.endsWith('beyond-device-memory') ? /no allocation counter/ : /^no fault injection: cpu-ref/);
    }
  }, 30_000);
});

describe('the Ascend switch', () => {
  it('binds only from the emulator, never from CANN (real hardware has no switch)', async () => {
    const { bindEmulatorFaults } = await import('../../backends/ascend/acl/emulator-faults.js');
    const { EMULATOR_LIB_DIR } = await import('../../backends/ascend/acl/discovery.js');
    const set = { dir: EMULATOR_LIB_DIR, opapiFiles: [], looked: [] };
    expect(bindEmulatorFaults({ ...set, source: 'cann' })).toBeUndefined();
    if (!existsSync(join(EMULATOR_LIB_DIR, 'libascend_emulator_core.so'))) return; // not built: the slow test says so
    const faults = bindEmulatorFaults({ ...set, source: 'emulator' })!;
    expect(faults.faultKinds).toEqual({ kinds: ['alloc', 'launch', 'sync'], absent: { dma: expect.stringMatching(/no dma events/) } });
    faults.setFault('launch', 0);
    expect(faults.faultCounts()).toMatchObject({ launch: 0 });
  });
});

describe('the fault checks', () => {
  const launch = 'cuda: node "layers.0.qkv" (linear): cudaLaunchKernel returned cudaErrorLaunchOutOfResources (701)';
  it('accept a one-line GlmError of the right kind naming the operation, and refuse each way of missing it', () => {
    expect(errorProblem(new GlmError('backend', launch), ['backend'], 'launch')).toBeNull();
    expect(errorProblem(undefined, ['backend'], 'launch')).toMatch(/^no error: the armed launch fault/);
    expect(errorProblem(new Error(launch), ['backend'], 'launch')).toMatch(/^not a GlmError/);
    expect(errorProblem(new GlmError('input', launch), ['backend'], 'launch')).toMatch(/^a GlmError of kind "input", expected "backend"/);
    expect(errorProblem(new GlmError('backend', `${launch}\n  at x`), ['backend'], 'launch')).toMatch(/not one line/);
    expect(errorProblem(new GlmError('backend', 'cuda: the device failed'), ['backend'], 'launch')).toMatch(/does not name the graph op/);
    expect(errorProblem(new GlmError('resource', 'out of device memory: cudaMalloc of 96 bytes'), ['resource'], 'alloc')).toBeNull();
    // The hardware build's own words (tests/backends/cuda.test.ts): no call named, but the size and the cause.
    expect(errorProblem(new GlmError('resource', 'cuda: out of device memory: asked for 1125899906842624 bytes'), ['resource'], 'alloc')).toBeNull();
    expect(errorProblem(new GlmError('resource', 'the device failed'), ['resource'], 'alloc')).toMatch(/does not name the allocation call and its size/);
    expect(errorProblem(new GlmError('backend', 'sunway: athread_join failed (-1)'), ['backend'], 'sync')).toBeNull();
  });

  it('see a leak and a changed logit bit', () => {
    const at = { liveBytes: 4096, liveAllocations: 3 };
    expect(leakProblem(at, { ...at }, 'after')).toBeNull();
    expect(leakProblem(at, { liveBytes: 4352, liveAllocations: 4 }, 'after closing')).toBe('device memory after closing: +1 allocation(s), +256 bytes against before the case (a leak)');
    const clean = Float32Array.from([1, 2, 3, 4]);
    expect(logitsProblem(2, clean.slice(), clean, 'after')).toBeNull();
    const off = clean.slice();
    const bits = new Uint32Array(off.buffer);
    bits[3] = bits[3]! ^ 1; // one ulp
    expect(logitsProblem(2, off, clean, 'after the fault')).toMatch(/^decode step 2 after the fault differs from the clean run at logit 3/);
  });
});

describe.skipIf(skip)('fault injection on the cuda emulator', () => {
  it('the injected failures are the vendor status through the normal error path, with the op named', async () => {
    const backend = await plugin.open();
    const faults = (backend as { faults?: import('../../core/backend-api/fault-injection.js').FaultInjection }).faults!;
    faults.arm('alloc', 2);
    const first = backend.memory.allocate(16);
    expect(() => backend.memory.allocate(16)).toThrow(/^cuda: out of device memory: cudaMalloc of 16 bytes .*returned cudaErrorMemoryAllocation \(2\) \(injected: GLM_FAULT alloc #2\)$/);
    backend.memory.free(first);
    expect(() => backend.memory.allocate(2 ** 50)).toThrow(/cudaErrorMemoryAllocation \(2\), .* free of 8589934592 bytes/);
  }, 30_000);

  // GLM_FAULT drives the same counter from the environment: `glm run` then fails with one line on
  // stderr naming the op and the vendor status, and the documented exit code (7 resource, 6 backend).
  it.each([
    ['alloc:2', 7, /^glm: error: cuda: out of device memory: cudaMalloc of \d+ bytes .*returned cudaErrorMemoryAllocation \(2\) \(injected: GLM_FAULT alloc #2\)$/],
    ['launch:3', 6, /^glm: error: cuda: node "[^"]+" \([a-z-]+\): cudaLaunchKernel returned cudaErrorLaunchOutOfResources \(701\) \(injected: GLM_FAULT launch #3\)$/],
    ['sync:1', 6, /^glm: error: cuda: cudaStreamSynchronize returned cudaErrorLaunchFailure \(719\) \(injected: GLM_FAULT sync #1\)$/],
  ] as const)('GLM_FAULT=%s makes glm run exit %i with one line naming the failed operation', (fault, code, line) => {
    const dir = mkdtempSync(join(tmpdir(), 'glm-fault-run-'));
    try {
      writeFileSync(join(dir, 'q.txt'), 'The cat sat on the [MASK].\n');
      const r = spawnSync(process.execPath, ['bin/glm.js', 'run', '--backend', 'cuda', '--input-source', join(dir, 'q.txt'), '--out-seq-length', '12'], {
        encoding: 'utf8', env: { ...process.env, GLM_CUDA_EMULATE: '1', GLM_FAULT: fault },
      });
      expect(r.status).toBe(code);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('glm: error:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(line);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a backend that leaks a buffer on the failure path fails fault/alloc/open (mutation)', async () => {
    const outcome = await byId('fault/alloc/open').run(mutant(await plugin.open(), 'leak'));
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toMatch(/device memory after the failed open: \+1 allocation\(s\), \+\d+ bytes against before the case \(a leak\)/);
  }, 30_000);
});
