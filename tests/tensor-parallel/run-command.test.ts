/** `glm run --tensor-parallel N` through the built CLI: the same text as one rank, refusals as one line with their exit code. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOneLineError } from '../support/one-line-error.js';

const BIN = resolve('bin/glm.js');
const work = mkdtempSync(join(tmpdir(), 'glm-tp-'));
const queries = join(work, 'queries.txt');
writeFileSync(queries, 'The cat sat on the [MASK].\n');

function glm(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'run', '--input-source', queries, '--out-seq-length', '48', ...args], { encoding: 'utf8', cwd: work });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('glm run --tensor-parallel', () => {
  it('gives the same beams as one rank on cpu-ref (beam search at TP 2; seeded sampling at the release spelling, 4)', () => {
    const cases: [string[], string[]][] = [
      [['--sampling-strategy', 'BeamSearchStrategy', '--num-beams', '3', '--print-all-beams'], ['--tensor-parallel', '2']],
      [['--seed', '7'], ['--model-parallel-size', '4']],
    ];
    for (const [strategy, tp] of cases) {
      const single = glm(strategy);
      expect(single.code, single.stderr).toBe(0);
      expect(single.stdout.trim()).not.toBe('');
      const sharded = glm([...strategy, ...tp]);
      expect(sharded.code, sharded.stderr).toBe(0);
      expect(sharded.stdout).toBe(single.stdout);
      expect(sharded.stderr).toContain(`${tp[1]} tensor-parallel ranks — results from the CPU reference`);
    }
  }, 60_000);

  it('refuses an N the model cannot be split into, conflicting spellings, and a backend without ranks', () => {
    expectOneLineError(glm(['--tensor-parallel', '3']), 2, '3 ranks cannot split glm-tiny: 3 does not divide its attention heads (4)');
    expectOneLineError(glm(['--tensor-parallel', '2', '--model-parallel-size', '4']), 2, 'disagree');
    expectOneLineError(glm(['--tensor-parallel', '0']), 2, '--tensor-parallel must be an integer >= 1');
    expectOneLineError(glm(['--tensor-parallel', '2', '--allow-cpu-fallback']), 2, 'cannot be combined');
    expectOneLineError(glm(['--tensor-parallel', '2', '--backend', 'sunway']), 5, 'has no multi-rank support');
  }, 60_000);
});
