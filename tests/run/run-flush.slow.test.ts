/**
 * `glm run` that fails part-way keeps what it finished: with queries [good, too long, good], the first
 * query's text is on stdout (a pipe) and in --output-path before the one-line error (exit 3), and
 * equals what a run of that query alone produces; nothing after the failing query is written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const glm = join(root, 'bin', 'glm.js');
const GOOD = 'The capital of France is [MASK].';

function run(dir: string, name: string, queries: string[]) {
  const input = join(dir, `${name}.txt`);
  writeFileSync(input, queries.join('\n') + '\n');
  const out = join(dir, name);
  const r = spawnSync(process.execPath, [glm, 'run', '--input-source', input, '--output-path', out, '--out-seq-length', '48', '--top-k', '1'], { encoding: 'utf8' });
  return { ...r, out };
}

describe('glm run on an error mid-way', () => {
  it('has written every finished query to stdout and --output-path before it exits with the error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glm-run-flush-'));
    const alone = run(dir, 'alone', [GOOD]);
    expect(alone.status, alone.stderr).toBe(0);
    const failing = run(dir, 'failing', [GOOD, `${'word '.repeat(200)}[MASK]`, 'Hello [MASK] world']);
    expect(failing.status).toBe(3);
    expect(failing.stderr.trim().split('\n').filter((l) => l.startsWith('glm: error:'))).toEqual([expect.stringContaining('query 2: the prompt is')]);
    expect(failing.stdout).toBe(alone.stdout);
    expect(failing.stdout.trim()).not.toBe('');
    expect(readFileSync(join(failing.out, 'query-0001.txt'), 'utf8')).toBe(readFileSync(join(alone.out, 'query-0001.txt'), 'utf8'));
    expect(existsSync(join(failing.out, 'query-0002.txt'))).toBe(false);
    expect(existsSync(join(failing.out, 'query-0003.txt'))).toBe(false);
  }, 120_000);
});
