/**
 * Every fault case on the cuda emulator in this process (the other emulators run in child processes:
 * fault-emulators.slow.test.ts), and each check of the cases against a backend broken on purpose
 * (fault-mutants.ts): the case must fail and say what broke.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';

process.env['GLM_CUDA_EMULATE'] = '1';
afterAll(() => {
  delete process.env['GLM_CUDA_EMULATE'];
});

const { addonPath } = await import('../../backends/cuda/native-addon.js');
const { nativeGate } = await import('../support/native.js');
const { plugin } = await import('../../backends/cuda/index.js');
const { faultCases } = await import('../../conformance/cases/fault/fault-cases.js');
const { mutant } = await import('./fault-mutants.js');

const skip = nativeGate('cuda emulator (fault mutations)', existsSync(addonPath()) ? undefined : `no ${addonPath()} (npm run build:cuda-emu)`);
const byId = (id: string) => faultCases().find((c) => c.id === id)!;

describe.skipIf(skip)('fault cases on the cuda emulator', () => {

  it('pass (DMA: unsupported, the SIMT model has no DMA engine)', async () => {
    const backend = await plugin.open();
    for (const c of faultCases()) {
      const outcome = await c.run(backend);
      if (c.subject === 'dma') {
        expect(outcome).toEqual({ status: 'unsupported', detail: expect.stringMatching(/no dma events on cuda: .*no DMA engine/) });
      } else {
        expect(outcome, c.id).toEqual({ status: 'pass' });
      }
    }
  }, 120_000);

  // Each check of the cases, broken on purpose: the case must fail and say what broke.
  it.each([
    ['leak', 'fault/alloc/open', /device memory after the failed open: \+1 allocation/],
    ['leak', 'fault/launch/decode', /device memory after closing the session: \+1 allocation/],
    ['plain-error', 'fault/launch/decode', /^not a GlmError/],
    ['plain-error', 'fault/alloc/prefill', /^not a GlmError/],
    ['corrupt-cache', 'fault/launch/decode', /decode step 2 after the launch fault differs from the clean run/],
    ['corrupt-cache', 'fault/sync/decode', /decode step 2 after the sync fault differs from the clean run/],
    ['deaf-switch', 'fault/sync/decode', /^no error: the armed sync fault did not surface/],
    ['wrong-kind', 'fault/launch/prefill', /^a GlmError of kind "input", expected "backend"/],
    ['two-lines', 'fault/launch/decode', /^the message is not one line/],
    ['anonymous', 'fault/launch/decode', /^the message does not name the graph op whose launch failed/],
    ['anonymous', 'fault/sync/decode', /^the message does not name the synchronisation call/],
  ] as const)('a %s mutant fails %s', async (mutation, id, detail) => {
    const backend = mutant(await plugin.open(), mutation);
    const outcome = await byId(id).run(backend);
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toMatch(detail);
  }, 60_000);
});
