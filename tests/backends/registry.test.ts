import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlugin, openBackend, surveyBuiltins } from '../../backends/registry.js';
import { compileFor } from '../../core/execute/compile.js';
import { TINY } from '../../core/models/glm/config.js';
import { buildGlmModelGraph } from '../../core/models/glm/graphs.js';
import { GlmError } from '../../core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'glm-plugins-'));
function pluginFile(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

describe('backend registry', () => {
  it('lists every built-in; cpu-ref available, the unbuilt ones unavailable with a reason (ascend, sunway: available once their emulators are built)', async () => {
    const survey = await surveyBuiltins();
    expect(survey.map((s) => s.name)).toEqual(['cpu-ref', 'cuda', 'rocm-dcu', 'ascend', 'sunway']);
    expect(survey[0]!.probe).toMatchObject({ available: true, execution: 'reference' });
    for (const s of survey.slice(1)) {
      // ascend runs on its emulator (CANN's C ABI on the CPU) once that is built (npm run build:ascend-emu).
      if (s.name === 'ascend' && s.probe.available) {
        expect(s.probe.device).toMatch(/^emulator \(.*\), SoC \S+$|^CANN /);
        continue;
      }
      // sunway runs on its athread emulator once its addon is built (npm run build:sunway).
      if (s.name === 'sunway' && s.probe.available) {
        expect(s.probe).toMatchObject({ execution: 'emulator' });
        expect(s.probe.device).toMatch(/^emulator \(SW26010(-Pro)? model\), kernels compiled with /);
        continue;
      }
      expect(s.probe.available).toBe(false);
      expect(s.probe.reason).toMatch(/not part of this build|not found|no /);
    }
  });

  it('loads a third-party plugin by path, only when named', async () => {
    const path = pluginFile('ok.mjs', `export default { name: 'mine', apiVersion: 1, description: 'x', probe: async () => ({ available: false, reason: 'libfoo.so not found', execution: 'hardware' }), open: async () => ({}) };`);
    const plugin = await loadPlugin(path);
    expect(plugin.name).toBe('mine');
    await expect(openBackend(path)).rejects.toThrow('backend "mine" is unavailable: libfoo.so not found');
  });

  it('refuses a plugin of another API version, naming both versions', async () => {
    const path = pluginFile('v2.mjs', `export const plugin = { name: 'future', apiVersion: 2, description: '', probe: async () => ({}), open: async () => ({}) };`);
    await expect(loadPlugin(path)).rejects.toThrow('plugin "future" targets plugin API v2, this glm-sdk speaks v1');
  });

  it('refuses modules that are not plugins, and says where it looked for missing ones', async () => {
    await expect(loadPlugin(pluginFile('none.mjs', 'export const x = 1;'))).rejects.toThrow('does not export a backend plugin');
    await expect(loadPlugin(pluginFile('noopen.mjs', `export default { name: 'n', apiVersion: 1, probe: async () => ({}) };`))).rejects.toThrow(
      'plugin has no open() function',
    );
    await expect(loadPlugin('./missing-plugin.js', dir)).rejects.toThrow(`looked for ${resolve(dir, 'missing-plugin.js')}`);
    await expect(loadPlugin('no-such-glm-backend-package')).rejects.toThrow('unknown backend "no-such-glm-backend-package"');
  });

  it('strict mode: a backend that cannot run a node fails at compile time listing nodes and reasons', async () => {
    const { backend } = await openBackend(resolve('dist/backends/skeleton/index.js'));
    const graph = buildGlmModelGraph(TINY, { dtype: 'f32' });
    const error = await compileFor(backend, graph).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GlmError);
    const message = (error as GlmError).message;
    expect((error as GlmError).exitCode).toBe(5);
    // One summary line (core/passes/strict-refusal.ts); every node with its reason in `details` (--explain).
    expect(message).toMatch(/^backend "skeleton" cannot run \d+ node\(s\), and no decomposition makes them runnable — ops .*matmul ×\d+.*; first: embedding \(gather\): /);
    const details = (error as GlmError & { details: readonly string[] }).details;
    // Composites were decomposed first, so their primitives are what is listed.
    expect(details).toContain('layers.0.qkv.matmul (matmul): unimplemented: the skeleton has no kernel for "matmul"');
    expect(details.some((d) => d.startsWith('embedding (gather)'))).toBe(true);
    expect(details.some((d) => d.includes('(linear)'))).toBe(false);
    expect(message).not.toContain('(linear)');
  });
});
