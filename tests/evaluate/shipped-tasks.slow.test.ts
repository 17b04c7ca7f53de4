/**
 * The shipped multiple-choice tasks (built from the held-out corpus split) on the default model:
 * accuracy must beat chance by more than two standard errors of guessing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('glm evaluate on the shipped tasks', () => {
  it('beats chance on both multiple-choice tasks', { timeout: 600_000 }, () => {
    const json = join(mkdtempSync(join(tmpdir(), 'glm-eval-')), 'results.json');
    const r = spawnSync(process.execPath, [resolve('bin/glm.js'), 'evaluate', 'tasks/fortunes/en-cloze.yaml', 'tasks/fortunes/zh-next-clause.yaml', '--json', json], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Task en-cloze:\n    Group test Accuracy: max = [\d.]+, median = [\d.]+, average = [\d.]+$/m);
    const { results } = JSON.parse(readFileSync(json, 'utf8')) as { results: { task: string; files: { samples: number; chance: number; metrics: { Accuracy: number } }[] }[] };
    expect(results.map((t) => t.task)).toEqual(['en-cloze', 'zh-next-clause']);
    for (const task of results) {
      for (const f of task.files) {
        const p = f.chance / 100;
        const twoStandardErrors = 200 * Math.sqrt((p * (1 - p)) / f.samples);
        console.log(`${task.task}: accuracy ${f.metrics.Accuracy.toFixed(1)} vs chance ${f.chance.toFixed(1)} (+2σ = ${(f.chance + twoStandardErrors).toFixed(1)}) on ${f.samples} samples`);
        expect(f.metrics.Accuracy).toBeGreaterThan(f.chance + twoStandardErrors);
      }
    }
  });
});
