/**
 * The plugin kit: `glm new-backend NAME` writes a standalone package whose skeleton is plain
 * JavaScript importing only glm-sdk/plugin; it loads by path and by package name (here glm-sdk is
 * linked into the scratch project, as an install would place it; pack-install.slow.test.ts installs
 * the packed tarball instead), `glm backends --backend` probes it, its own errors keep their exit
 * code, and the conformance suite runs on it by package name with its conformance.yaml.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConformanceEntry } from '../../conformance/expected-failures.js';
import { ciWorkflow, kitNames, skeletonModule } from '../../cli/plugin-kit.js';

const root = resolve(import.meta.dirname, '..', '..');
const glmBin = join(root, 'bin', 'glm.js');
const project = mkdtempSync(join(tmpdir(), 'glm-kit-'));
mkdirSync(join(project, 'node_modules'));
symlinkSync(root, join(project, 'node_modules', 'glm-sdk'), 'dir');
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'kit-user', private: true, type: 'module' }));
const pkg = join(project, 'glm-backend-foo');
// The links point into the checkout: rmSync removes links, never what they point at.
afterAll(() => rmSync(project, { recursive: true, force: true }));

function glm(args: string[], cwd = project, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [glmBin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every module specifier a JavaScript file imports (static and dynamic). */
function specifiers(code: string): string[] {
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

describe('glm new-backend', () => {
  it('writes a standalone package: JS skeleton on glm-sdk/plugin, peer dependency, conformance script, entry, README, CI', () => {
    const r = glm(['new-backend', 'foo']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'glm-backend-foo', type: 'module', exports: { '.': './index.js' }, peerDependencies: { 'glm-sdk': expect.stringMatching(/^\^\d+\.\d+\.\d+/) } });
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.scripts.conformance).toMatch(/^glm conformance --backend glm-backend-foo /);
    expect(manifest.scripts.build).toBeDefined();
    const code = readFileSync(join(pkg, 'index.js'), 'utf8');
    expect(specifiers(code)).toEqual(['glm-sdk/plugin']);
    expect(code).toContain('const NAME = "foo";');
    expect(code).not.toMatch(/sourceMappingURL|: BackendPlugin|import type/);
    const entry = parseConformanceEntry(readFileSync(join(pkg, 'conformance.yaml'), 'utf8'), join(pkg, 'conformance.yaml'));
    expect(entry.backend).toBe('foo');
    expect(readFileSync(join(pkg, 'README.md'), 'utf8')).toContain('--backend glm-backend-foo');
    const workflow = readFileSync(join(pkg, '.github', 'workflows', 'conformance.yml'), 'utf8');
    const template = join(root, 'conformance', 'ci', 'plugin-workflow.yml');
    if (existsSync(template)) expect(workflow).toBe(readFileSync(template, 'utf8').replaceAll('./dist/index.js', './index.js'));
    expect(workflow).not.toContain('./dist/index.js');
    expect(spawnSync(process.execPath, ['--check', join(pkg, 'index.js')]).status).toBe(0);
  }, 30_000);

  it('never overwrites: an existing non-empty folder, a bad name and a missing parent are usage errors (exit 2, one line)', () => {
    const before = readFileSync(join(pkg, 'index.js'), 'utf8');
    for (const args of [['new-backend', 'foo'], ['new-backend', 'Foo_Bar'], ['new-backend', 'foo', '--dir', join(project, 'no', 'such', 'parent')], ['new-backend']]) {
      const r = glm(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^glm: error: glm new-backend/);
    }
    expect(readFileSync(join(pkg, 'index.js'), 'utf8')).toBe(before);
  }, 30_000);

  it('loads by path and by package name: glm backends --backend probes it', () => {
    symlinkSync(pkg, join(project, 'node_modules', 'glm-backend-foo'), 'dir');
    for (const spec of ['./glm-backend-foo/index.js', 'glm-backend-foo', pkg + '/index.js']) {
      const r = glm(['backends', '--backend', spec]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('foo  available    emulator — none (skeleton: no kernels)');
    }
    const json = JSON.parse(glm(['backends', '--backend', 'glm-backend-foo', '--json']).stdout);
    expect(json).toEqual([{ name: 'foo', platform: expect.stringContaining('skeleton'), probe: { available: true, device: 'none (skeleton: no kernels)', execution: 'emulator' } }]);
  }, 30_000);

  it('a plugin that cannot be loaded is a backend error (exit 6), not a listing', () => {
    writeFileSync(join(project, 'not-a-plugin.mjs'), 'export const x = 1;\n');
    for (const spec of ['./missing.js', './not-a-plugin.mjs', 'glm-backend-none']) {
      const r = glm(['backends', '--backend', spec]);
      expect(r.status, spec).toBe(6);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  }, 30_000);

  it("the plugin's own GlmError keeps its exit code through glm run", () => {
    const broken = join(project, 'glm-backend-foo', 'failing.js');
    const code = readFileSync(join(pkg, 'index.js'), 'utf8').replace('async open() {', "async open() {\n        throw new GlmError('resource', `${NAME}: 3 GiB asked, 1 GiB free`);");
    writeFileSync(broken, code);
    writeFileSync(join(project, 'prompt.txt'), 'Hello [MASK]\n');
    const r = glm(['run', '--model', 'tiny-random', '--backend', broken, '--input-source', 'prompt.txt']);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('glm: error: foo: 3 GiB asked, 1 GiB free');
    expect(r.status).toBe(7);
  }, 30_000);

  it('its conformance script runs the suite by package name, every case unsupported with the skeleton reason', () => {
    const report = join(project, 'foo-report.json');
    const r = glm(['conformance', '--backend', 'glm-backend-foo', '--filter', 'fault/*,op/gelu/f32/*,block/tiny/f32/none/layer1-prefill-7', '--report', report], pkg);
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(report, 'utf8'));
    expect(results.backend).toBe('foo');
    expect(results.execution).toBe('emulator');
    expect(results.results.length).toBeGreaterThan(10);
    expect(new Set(results.results.map((x: { status: string }) => x.status))).toEqual(new Set(['unsupported']));
    expect(results.results.some((x: { level: string }) => x.level === 'fault')).toBe(true);
  }, 60_000);

  // Mutations of the generator's own checks.
  it('refuses a compiled skeleton it cannot make standalone, and names and workflows it must not write', () => {
    const compiled = readFileSync(join(root, 'dist', 'backends', 'skeleton', 'index.js'), 'utf8');
    expect(() => skeletonModule(compiled + "\nimport '../../core/tensor/dtype.js';\n", 'foo')).toThrow(/relative import|exactly one/);
    expect(() => skeletonModule(compiled.replace("const NAME = 'skeleton';", "const NAME = 'x';"), 'foo')).toThrow(/exactly one/);
    expect(() => kitNames('-x')).toThrow(/not a backend name/);
    expect(kitNames('glm-backend-bar')).toEqual({ backend: 'bar', packageName: 'glm-backend-bar' });
    expect(ciWorkflow(undefined, kitNames('bar'))).toContain('npm run conformance');
  }, 30_000);
});
