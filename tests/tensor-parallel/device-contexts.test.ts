/**
 * A device context per rank (backends/program/native/device.h: select; backends/simt/rank-device.ts):
 * the cuda emulator's ranks each get an emulated device of their own — allocations, error flag, events
 * on host memory — and every call of a rank's backend must act on its own context. Checked through
 * openRanks and the tensor-parallel session: tokens equal the unsharded model's on cpu-ref at N = 2
 * and 4, and while the session is open, context r holds exactly what rank r's backend allocated.
 * Mutation: an addon whose device selection picks the wrong context (every rank in the first one, or
 * each rank in its neighbour's) fails that check. The functions the addon names device-free (its
 * `deviceFree` list, which rank-device.ts calls without selecting) are checked the same way: an
 * allocation through device 1's view lands in context 1, and fails to once the list names `allocate`.
 */
import { describe, expect, it } from 'vitest';
import { emulatorEnv, gateOnBuild } from './rank-test-helpers.js';

emulatorEnv({ GLM_CUDA_EMULATE: '1' });
const { addonPath, loadAddon } = await import('../../backends/cuda/native-addon.js');
const { plugin: cuda } = await import('../../backends/cuda/index.js');
const { openGlmSession } = await import('../../core/session/open-session.js');
const { fillBlanks } = await import('../../core/generate/fill-blanks.js');
const { ByteTokenizer } = await import('../../core/io/byte-tokenizer.js');
const { checkShardedGeneration } = await import('../../conformance/cases/tensor-parallel/generation-cases.js');
const { tpWeights } = await import('../../conformance/cases/tensor-parallel/graph-cases.js');
const { TP_GLM } = await import('../../conformance/cases/tensor-parallel/configs.js');
const { onDevice } = await import('../../backends/simt/rank-device.js');
import type { Backend } from '../../core/backend-api/plugin-api.js';
import type { ProgramBackend } from '../../backends/program/program-backend.js';

const skip = gateOnBuild('cuda emulator (device contexts)', [addonPath()], 'npm run build:cuda-emu');

/** The raw addon: useDevice selects the context that memoryStats (and every device call) reads. */
interface RawAddon {
  useDevice(ordinal: number): void;
  memoryStats(): { liveBytes: number; liveAllocations: number };
}

function raw(): RawAddon {
  const loaded = loadAddon();
  if (!loaded.addon) throw new Error(loaded.reason);
  return loaded.addon as unknown as RawAddon;
}

/** Live bytes of contexts 0..n-1, read straight from the addon. */
function contextBytes(addon: RawAddon, n: number): number[] {
  return Array.from({ length: n }, (_, r) => (addon.useDevice(r), addon.memoryStats().liveBytes));
}

/**
 * Throws unless context r gained exactly what rank r's backend holds (its buffers and arena, as its
 * own DeviceMemory counts them, plus `extra[r]`) since `before`, for every rank.
 */
function checkContexts(addon: RawAddon, ranks: readonly ProgramBackend[], before: readonly number[], extra: readonly number[]): void {
  const now = contextBytes(addon, ranks.length);
  const gained = now.map((b, r) => b - before[r]!);
  const held = ranks.map((rank, r) => rank.memory.usage().liveBytes + extra[r]!);
  if (held.some((b) => b === 0) || gained.some((g, r) => g !== held[r])) {
    throw new Error(`device contexts gained ${JSON.stringify(gained)} bytes, the ranks hold ${JSON.stringify(held)}: a rank's work landed in another rank's context`);
  }
}

/**
 * Opens a TP-N session on the cuda emulator, fills a blank, and checks the contexts while it is open,
 * reading them through `reader` (the addon with its real selection); each rank also holds a buffer of
 * its own size, so that ranks swapped between contexts show. Returns the text and whether every
 * context is back where it started after closing.
 */
async function sessionOnContexts(worldSize: number, reader: RawAddon = raw()): Promise<{ text: string; freed: boolean }> {
  const backend = (await cuda.open()) as Backend;
  let ranks: ProgramBackend[] = [];
  const openRanks = backend.openRanks!;
  Object.assign(backend, { openRanks: async (n: number) => (ranks = (await openRanks(n)) as ProgramBackend[]) });
  const before = contextBytes(reader, worldSize);
  const session = await openGlmSession(backend, TP_GLM, tpWeights(TP_GLM, 'f32', 'none', 'device-contexts'), { dtype: 'f32', cacheCapacity: 24, tensorParallel: worldSize });
  const extra = ranks.map((_, r) => (r + 1) * 65536);
  const own = ranks.map((rank, r) => rank.native.allocate(extra[r]!));
  let text: string;
  try {
    const filled = await fillBlanks(session, new ByteTokenizer(), 'The cat sat on the [MASK].', {
      outSeqLength: 24,
      strategy: { kind: 'sampling', topK: 1, topP: 0, temperature: 1, seed: 1 },
      rotary: TP_GLM.rotary,
    });
    checkContexts(reader, ranks, before, extra);
    text = filled.beams[0]!.text;
  } finally {
    own.forEach((address, r) => ranks[r]!.native.free(address));
    await session.close();
  }
  const after = contextBytes(reader, worldSize);
  return { text, freed: after.every((b, r) => b === before[r]) };
}

/** The addon as onDevice sees it: its functions by name, its selection and its device-free list. */
type ViewableAddon = RawAddon & { deviceFree?: readonly string[]; allocate(bytes: number): number; free(address: number): void };

/**
 * Throws unless an allocation through device 1's view (made right after device 0's view selected
 * context 0) lands in context 1: onDevice must select before every function the addon does not name
 * device-free. Frees the allocation wherever it landed.
 */
function checkAllocationLands(addon: ViewableAddon): void {
  const views = [0, 1].map((ordinal) => onDevice('cuda', addon, ordinal));
  const before = contextBytes(addon, 2);
  views[0]!.memoryStats();
  const address = views[1]!.allocate(4096);
  const gained = contextBytes(addon, 2).map((b, r) => b - before[r]!);
  addon.useDevice(gained.indexOf(4096));
  addon.free(address);
  if (gained[0] !== 0 || gained[1] !== 4096) {
    throw new Error(`an allocation through device 1's view changed the contexts by ${JSON.stringify(gained)} bytes: it was not selected first`);
  }
}

describe.skipIf(skip)('a device context per rank (cuda emulator)', () => {
  it('greedy tokens at TP 2 and TP 4 equal the unsharded model on cpu-ref', async () => {
    const greedy = { kind: 'sampling', topK: 1, topP: 0, temperature: 1, seed: 1 } as const;
    for (const n of [2, 4]) {
      const outcome = await checkShardedGeneration(await cuda.open(), n, { config: TP_GLM, dtype: 'f32', prompt: 'The cat sat on the [MASK].', strategy: greedy, outSeqLength: 40, id: `device-contexts-${n}` });
      expect(outcome.tokens.length).toBeGreaterThan(0);
    }
  }, 120_000);

  it('context r holds exactly rank r\'s memory while a TP 2 and a TP 4 session run, and all of it is freed', async () => {
    const two = await sessionOnContexts(2);
    const four = await sessionOnContexts(4);
    expect(two.text.length).toBeGreaterThan(0);
    expect(four.text).toBe(two.text);
    expect([two.freed, four.freed]).toEqual([true, true]);
  }, 120_000);

  it('the ranks\' contexts are distinct: each has its own allocations', () => {
    const addon = raw();
    const before = contextBytes(addon, 2);
    addon.useDevice(1);
    const address = (addon as unknown as { allocate(n: number): number }).allocate(4096);
    expect(contextBytes(addon, 2)).toEqual([before[0], before[1]! + 4096]);
    addon.useDevice(0);
    // Freeing it from context 0 is refused: the address belongs to device 1.
    expect(() => (addon as unknown as { free(a: number): void }).free(address)).toThrow(/not allocated on emulated device 0/);
    addon.useDevice(1);
    (addon as unknown as { free(a: number): void }).free(address);
    expect(contextBytes(addon, 2)).toEqual(before);
  });

  for (const [mutant, wrong] of [
    ['every rank selects the first context', (_ordinal: number, _n: number) => 0],
    ["each rank selects its neighbour's context", (ordinal: number, n: number) => (ordinal + 1) % n],
  ] as const) {
    it(`mutation: ${mutant} — the context check fails`, async () => {
      const addon = raw();
      const real = addon.useDevice;
      // The ranks' calls (rank-device.ts calls addon.useDevice) are misdirected; the check reads the
      // contexts with the real selection.
      const reader: RawAddon = { useDevice: (ordinal) => real.call(addon, ordinal), memoryStats: () => addon.memoryStats() };
      for (const n of [2, 4]) {
        Object.assign(addon, { useDevice: (ordinal: number) => real.call(addon, wrong(ordinal, n)) });
        try {
          await expect(sessionOnContexts(n, reader)).rejects.toThrow(/landed in another rank's context/);
        } finally {
          Object.assign(addon, { useDevice: real });
        }
      }
    }, 120_000);
  }

  it('the addon names its device-free functions, and a device call through a view selects its device first', () => {
    const addon = raw() as unknown as ViewableAddon;
    expect(addon.deviceFree).toEqual(expect.arrayContaining(['probe', 'useDevice', 'collectiveOpen']));
    expect(() => checkAllocationLands(addon)).not.toThrow();
  });

  it('mutation: the addon names allocate device-free — the allocation lands in the context selected before', () => {
    const addon = raw() as unknown as ViewableAddon;
    const real = addon.deviceFree!;
    Object.assign(addon, { deviceFree: [...real, 'allocate'] });
    try {
      expect(() => checkAllocationLands(addon)).toThrow(/was not selected first/);
    } finally {
      Object.assign(addon, { deviceFree: real });
    }
  });

  it('an addon that selects devices but names no device-free functions is refused: rebuild it', () => {
    const addon = raw() as unknown as ViewableAddon;
    const stale = { ...addon, deviceFree: undefined } as ViewableAddon;
    expect(() => onDevice('cuda', stale, 0)).toThrow(/does not name its device-free functions \(deviceFree\): rebuild it/);
  });
});
