import { describe, expect, it } from 'vitest';
import { isGlmError } from '../../core/errors.js';
import { loadNccl } from '../../backends/simt/collectives/nccl-library.js';

describe('NCCL loaded at run time', () => {
  it('a host without it gets the reason and the way to point at it, as a backend error', () => {
    const saved = process.env['GLM_NCCL_LIBRARY'];
    process.env['GLM_NCCL_LIBRARY'] = '/nonexistent/libnccl.so.2';
    try {
      loadNccl();
      expect.unreachable('loading a missing library succeeded');
    } catch (e) {
      expect(isGlmError(e) && e.code).toBe('backend');
      expect((e as Error).message).toMatch(/^NCCL is not available \(\/nonexistent\/libnccl\.so\.2: .*\); set GLM_NCCL_LIBRARY to libnccl\.so\.2's path$/);
    } finally {
      if (saved === undefined) delete process.env['GLM_NCCL_LIBRARY'];
      else process.env['GLM_NCCL_LIBRARY'] = saved;
    }
  });

  it('RCCL (same API) is looked for as librccl.so.1, with its own variable', () => {
    const saved = process.env['GLM_RCCL_LIBRARY'];
    delete process.env['GLM_RCCL_LIBRARY'];
    try {
      expect(() => loadNccl('rccl')).toThrow(/^RCCL is not available \(librccl\.so\.1: .*\); set GLM_RCCL_LIBRARY to librccl\.so\.1's path$/);
    } finally {
      if (saved !== undefined) process.env['GLM_RCCL_LIBRARY'] = saved;
    }
  });
});
