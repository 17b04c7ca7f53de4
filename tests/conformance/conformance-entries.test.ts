import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_BACKENDS, conformanceEntryPath } from '../../backends/registry.js';
import { loadExpectedFailures, parseConformanceEntry } from '../../conformance/expected-failures.js';
import { packageRoot } from '../../core/package-root.js';

const root = packageRoot();

describe('per-backend conformance entries', () => {
  const present = BUILTIN_BACKENDS.filter((b) => existsSync(join(root, 'backends', b.name, 'index.ts')));

  it('finds the built-ins that exist in this tree', () => {
    expect(present.map((b) => b.name)).toEqual(expect.arrayContaining(['cpu-ref', 'cuda', 'rocm-dcu']));
  });

  for (const folder of [...present.map((b) => b.name), 'skeleton']) {
    it(`backends/${folder} says how to certify it and lists its expected failures`, () => {
      const path = join(root, 'backends', folder, 'conformance.yaml');
      const entry = parseConformanceEntry(readFileSync(path, 'utf8'), path);
      expect(entry.backend).toBe(folder);
      expect(entry.certify).toMatch(/^([A-Z_]+=\S+ )*glm conformance --backend \S+ .*--report/);
      for (const e of entry.expectedFailures) expect(e.reason.trim()).not.toBe('');
    });
  }

  it('points a built-in at its folder, and a plugin at the entry beside it or at its package root', () => {
    expect(conformanceEntryPath('cuda', root)).toBe(join(root, 'backends', 'cuda', 'conformance.yaml'));
    const pkg = mkdtempSync(join(tmpdir(), 'glm-plugin-pkg-'));
    mkdirSync(join(pkg, 'dist'));
    writeFileSync(join(pkg, 'package.json'), '{"name":"my-plugin"}');
    writeFileSync(join(pkg, 'dist', 'index.js'), 'export default {};');
    expect(conformanceEntryPath('./dist/index.js', root, pkg)).toBeUndefined();
    writeFileSync(join(pkg, 'conformance.yaml'), 'backend: mine\nexpected-failures: []\n');
    expect(conformanceEntryPath('./dist/index.js', root, pkg)).toBe(join(pkg, 'conformance.yaml'));
    writeFileSync(join(pkg, 'dist', 'conformance.yaml'), 'backend: mine\nexpected-failures: []\n');
    expect(conformanceEntryPath('./dist/index.js', root, pkg)).toBe(join(pkg, 'dist', 'conformance.yaml'));
  });
});

describe('reading an expected-failure list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glm-xfail-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reads an entry and matches its patterns', async () => {
    const path = file('entry.yaml', 'backend: mine\nexpected-failures:\n  - case: op/attention/bf16/*\n    reason: no bf16 scores yet\n');
    const xf = await loadExpectedFailures(path, 'mine', true);
    expect(xf.reasonFor('op/attention/bf16/glm-decode')).toBe('no bf16 scores yet');
    expect(xf.reasonFor('op/attention/f16/glm-decode')).toBeUndefined();
  });

  it('reads a bare list given with --expected-failures', async () => {
    const xf = await loadExpectedFailures(file('list.yaml', '- case: op/gelu/*\n  reason: tanh only\n'), 'mine', true);
    expect(xf.reasonFor('op/gelu/f32/erf')).toBe('tanh only');
  });

  it("refuses another backend's entry, an entry without its list, an entry without reasons", async () => {
    await expect(loadExpectedFailures(file('other.yaml', 'backend: cuda\nexpected-failures: []\n'), 'mine', false)).rejects.toThrow('conformance entry of backend "cuda", not of "mine"');
    await expect(loadExpectedFailures(file('nolist.yaml', 'backend: mine\n'), 'mine', false)).rejects.toThrow('has no "expected-failures" list');
    await expect(loadExpectedFailures(file('noreason.yaml', 'expected-failures:\n  - case: op/*\n'), 'mine', false)).rejects.toThrow('needs a "case" pattern and a non-empty "reason"');
  });

  it('treats a missing default entry as none listed, a missing named list as an error', async () => {
    const missing = join(dir, 'absent.yaml');
    expect((await loadExpectedFailures(missing, 'mine', false)).reasonFor('x')).toBeUndefined();
    await expect(loadExpectedFailures(missing, 'mine', true)).rejects.toThrow('cannot read the expected-failure list');
  });
});
