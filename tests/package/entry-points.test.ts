/**
 * The package's entry points, fast (pack-install.slow.test.ts proves them on a real install): the
 * files npm would pack, `import 'glm-sdk'` and `'glm-sdk/plugin'` from another folder, and a
 * `types` declaration for each export that exists in the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types?: string; default?: string }>;
  types?: string;
  files: string[];
};

describe('package entry points', () => {
  it('npm pack would ship dist with types, bin, the tiny model, tasks/, docs and the conformance entries', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = new Set((JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    for (const path of ['bin/glm.js', 'dist/sdk/index.js', 'dist/sdk/index.d.ts', 'dist/core/backend-api/plugin-api.d.ts', 'models/glm-tiny/model.safetensors', 'tasks/fortunes/en-cloze.yaml', 'tasks/fortunes/en-cloze/test.jsonl', 'docs/api.md', 'backends/cpu-ref/conformance.yaml', 'backends/skeleton/conformance.yaml']) {
      expect(files.has(path), path).toBe(true);
    }
  }, 60_000);

  it('every export names a module and its type declarations, and both exist in the build', () => {
    for (const key of ['.', './plugin']) {
      const target = manifest.exports[key];
      expect(typeof target, key).toBe('object');
      const { types, default: module } = target as { types: string; default: string };
      expect(existsSync(join(root, module)), module).toBe(true);
      expect(existsSync(join(root, types)), types).toBe(true);
      expect(types).toBe(module.replace(/\.js$/, '.d.ts'));
    }
    expect(manifest.types).toBe((manifest.exports['.'] as { types: string }).types);
  }, 30_000);

  it("import('glm-sdk') and import('glm-sdk/plugin') work from another folder", () => {
    const project = mkdtempSync(join(tmpdir(), 'glm-entry-'));
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(root, join(project, 'node_modules', 'glm-sdk'), 'dir');
    writeFileSync(join(project, 'package.json'), '{"type":"module","private":true}');
    const script = "const sdk = await import('glm-sdk'); const p = await import('glm-sdk/plugin'); console.log(typeof sdk.openSession, typeof sdk.generate, typeof p.isGlmError, p.PLUGIN_API_VERSION);";
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' });
    rmSync(project, { recursive: true, force: true }); // the link only, never the checkout
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function 1');
  }, 30_000);
});
