import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { neutralityProblems } from './device-neutral.js';

const root = join(import.meta.dirname, '..', '..');
const program = join(root, 'backends', 'program');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name.startsWith('build') || name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mjs|js|h|hpp|cpp|cc|cmake)$|CMakeLists\.txt$/.test(name) ? [path] : [];
  });
}

describe('backends/program is device-neutral', () => {
  const files = sources(program);

  it('has its TypeScript and native sources', () => {
    expect(files.some((f) => f.endsWith('.ts'))).toBe(true);
    expect(files.some((f) => f.endsWith('.cpp'))).toBe(true);
  });

  it('names no op, no warp or wave, no vendor', () => {
    const problems = files.flatMap((f) => neutralityProblems(readFileSync(f, 'utf8')).map((p) => `${relative(root, f)} ${p}`));
    expect(problems).toEqual([]);
  });

  // Mutations: each kind of leak, in a line of an otherwise clean file, is reported.
  for (const leak of [
    "if (node.op === 'layer-norm') return;",
    'const lanes = warpSize;',
    '#define GLM_WAVE 64',
    '// falls back to cuBLASLt when the product is large',
    'hipMemcpyAsync(dst, src, n, kind, stream);',
    "const lib = 'libascendcl.so'; // aclrtMalloc",
  ]) {
    it(`reports: ${leak}`, () => {
      expect(neutralityProblems(`const a = 1;\n${leak}\n`).length).toBeGreaterThan(0);
    });
  }

  it('lets clean code through (split() and add() are JavaScript, not op names)', () => {
    expect(neutralityProblems("const parts = path.split('/');\nset.add(id);\nconst kind = 'arena';\n")).toEqual([]);
  });
});
