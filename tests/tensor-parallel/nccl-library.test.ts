/**
 * NCCL is loaded by the cuda addon at run time (backends/simt/native/collectives/nccl_group.cpp,
 * dlopen): a host without it gets the file looked for, the loader's reason and the variable that
 * points at it, as a backend error from openRanks' group. Needs the hardware build of the addon (it
 * loads without a GPU; the emulator build has the in-process collective instead).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isGlmError } from '../../core/errors.js';
import { loadAddonAt } from '../../backends/cuda/native-addon.js';
import { seatRanks, type CollectiveAddon } from '../../backends/simt/simt-ranks.js';
import { gateOnBuild } from './rank-test-helpers.js';

const hardwareBuild = fileURLToPath(new URL('../../backends/cuda/build/Release/glm_cuda.node', import.meta.url));
const skip = gateOnBuild('cuda addon (NCCL loader)', [hardwareBuild], 'npm run build:cuda');

describe.skipIf(skip)('NCCL loaded at run time by the cuda addon', () => {
  it('a host without it gets the reason and the way to point at it, as a backend error', () => {
    const loaded = loadAddonAt(hardwareBuild);
    if (loaded.addon === null) expect.fail(loaded.reason);
    // A stand-in device count: this host may have no GPU; the group is opened before any device is touched.
    const addon = Object.assign(Object.create(loaded.addon), { deviceCount: () => 1 }) as CollectiveAddon;
    const saved = process.env['GLM_NCCL_LIBRARY'];
    process.env['GLM_NCCL_LIBRARY'] = '/nonexistent/libnccl.so.2';
    try {
      seatRanks('cuda', addon, 1);
      expect.unreachable('opening a group without NCCL succeeded');
    } catch (e) {
      expect(isGlmError(e) && e.code).toBe('backend');
      expect((e as Error).message).toMatch(
        /^cuda: opening a collective group of 1 ranks failed: NCCL is not available \(\/nonexistent\/libnccl\.so\.2: .*\); set GLM_NCCL_LIBRARY to libnccl\.so\.2's path$/,
      );
    } finally {
      if (saved === undefined) delete process.env['GLM_NCCL_LIBRARY'];
      else process.env['GLM_NCCL_LIBRARY'] = saved;
    }
  });
});
