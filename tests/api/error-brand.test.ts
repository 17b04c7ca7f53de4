/**
 * Errors across two copies of the SDK: a plugin installed as its own package throws the GlmError of
 * its own glm-sdk copy. The CLI must still recognise it (by brand and code, not `instanceof`) and exit
 * with its kind's code, not 70 ("internal error").
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCodeOf, GLM_ERROR_BRAND, GlmError, isGlmError } from '../../core/errors.js';

const root = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'glm-error-brand-'));
// A second copy of the module: another file is another module instance, so another GlmError class.
const otherCopy = join(dir, 'errors-copy.js');
// (without its source-map comment: the map is not copied)
writeFileSync(otherCopy, readFileSync(join(root, 'dist', 'core', 'errors.js'), 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, '\n'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type ErrorsModule = typeof import('../../core/errors.js');

describe('GlmError across two copies of the SDK', () => {
  it('is not instanceof across copies, but isGlmError and exitCodeOf recognise it', async () => {
    const other = (await import(pathToFileURL(otherCopy).href)) as ErrorsModule;
    const foreign = new other.GlmError('resource', 'out of device memory');
    expect(foreign instanceof GlmError).toBe(false);
    expect(isGlmError(foreign)).toBe(true);
    expect(foreign.code).toBe('resource');
    expect(exitCodeOf(foreign)).toBe(7);
    expect(exitCodeOf(new GlmError('input', 'x'))).toBe(3);
  }, 30_000);

  // Mutations of the brand check: each broken error must not pass for a GlmError.
  it('refuses look-alikes: no brand, an unknown code, no message, a non-object', () => {
    const unbranded = Object.assign(new Error('x'), { code: 'input', kind: 'input' });
    expect(isGlmError(unbranded)).toBe(false);
    expect(exitCodeOf(unbranded)).toBe(70);
    const unknownCode = Object.assign(new Error('x'), { code: 'ERR_MODULE_NOT_FOUND', [GLM_ERROR_BRAND]: true });
    expect(isGlmError(unknownCode)).toBe(false);
    expect(isGlmError({ code: 'input', [GLM_ERROR_BRAND]: true })).toBe(false);
    expect(isGlmError('input')).toBe(false);
    expect(isGlmError(null)).toBe(false);
    expect(isGlmError(new GlmError('usage', 'y'))).toBe(true);
  }, 30_000);

  it('glm run exits with a plugin\'s own error code when the plugin uses its own SDK copy (was 70)', () => {
    const plugin = join(dir, 'own-copy-plugin.mjs');
    writeFileSync(
      plugin,
      `import { GlmError } from ${JSON.stringify(pathToFileURL(otherCopy).href)};
export default { name: 'own-copy', apiVersion: 1, description: 'throws its own GlmError',
  probe: async () => ({ available: true, device: 'none', execution: 'emulator' }),
  open: async () => { throw new GlmError('resource', 'own-copy: 3 GiB asked, 1 GiB free'); } };`,
    );
    const prompts = join(dir, 'prompts.txt');
    writeFileSync(prompts, 'Hello [MASK]\n');
    const r = spawnSync(process.execPath, [join(root, 'bin', 'glm.js'), 'run', '--model', 'tiny-random', '--backend', plugin, '--input-source', prompts], { encoding: 'utf8' });
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr.trim().split('\n').at(-1)).toBe('glm: error: own-copy: 3 GiB asked, 1 GiB free');
    expect(r.status).toBe(7);
  }, 30_000);
});
