/**
 * Long evaluations lose nothing: `glm evaluate` (the tiny model, three small tasks: multiple choice,
 * generation, perplexity) is killed with SIGKILL once its journal holds N finished samples, then
 * continued with --resume; its results JSON equals an uninterrupted run's exactly, and the journal
 * holds every sample once (the finished ones were not scored again).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const glm = join(root, 'bin', 'glm.js');
const KILL_AFTER = 7;

/** Three shipped tasks cut to a few samples each, in a folder of their own. */
function smallTasks(dir: string): string {
  const tasks = join(dir, 'tasks');
  const cut = (task: string, data: string, file: string, lines: number) => {
    mkdirSync(join(tasks, task), { recursive: true });
    const text = readFileSync(join(root, 'tasks/fortunes', data, file), 'utf8').split('\n').slice(0, lines).join('\n') + '\n';
    writeFileSync(join(tasks, task, file), text);
    const yaml = readFileSync(join(root, 'tasks/fortunes', `${data}.yaml`), 'utf8').replace(`path: ${data}`, `path: ${task}`);
    expect(yaml).toContain(`path: ${task}`);
    writeFileSync(join(tasks, `${task}.yaml`), yaml);
  };
  cut('cloze', 'en-cloze', 'test.jsonl', 10);
  cut('gen', 'en-last-word', 'test.jsonl', 4);
  cut('ppl', 'heldout-ppl', 'en.jsonl', 3);
  return tasks;
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.endsWith('}')) : []);

/** Starts an evaluation and SIGKILLs it once its journal holds `after` finished samples (plus its header). */
function killedAfter(args: string[], journal: string, after: number): Promise<number | null> {
  const child = spawn(process.execPath, [glm, 'evaluate', ...args], { stdio: 'ignore' });
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (lines(journal).length >= after + 1) child.kill('SIGKILL');
    }, 20);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      resolve(signal === 'SIGKILL' ? null : code);
    });
  });
}

describe('glm evaluate --resume', () => {
  it(`SIGKILL after ${KILL_AFTER} journaled samples, then --resume: results identical to an uninterrupted run, no sample scored twice`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glm-resume-'));
    const tasks = smallTasks(dir);
    const whole = spawnSync(process.execPath, [glm, 'evaluate', tasks, '--json', join(dir, 'whole.json')], { encoding: 'utf8' });
    expect(whole.status, whole.stderr).toBe(0);
    expect(existsSync(join(dir, 'whole.json.journal'))).toBe(false); // the default journal goes once the JSON is written

    const journal = join(dir, 'run.journal');
    const args = [tasks, '--json', join(dir, 'resumed.json'), '--journal', journal];
    expect(await killedAfter(args, journal, KILL_AFTER)).toBeNull(); // killed, not finished
    expect(existsSync(join(dir, 'resumed.json'))).toBe(false);
    const finished = lines(journal).length - 1;
    expect(finished).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(finished).toBeLessThan(17);

    // Without --resume an existing journal is not silently replaced.
    const refused = spawnSync(process.execPath, [glm, 'evaluate', ...args], { encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--resume continues it');

    const resumed = spawnSync(process.execPath, [glm, 'evaluate', ...args, '--resume'], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`${finished} sample(s) already scored`);
    const a = JSON.parse(readFileSync(join(dir, 'whole.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'resumed.json'), 'utf8'));
    expect(b.results).toEqual(a.results);
    expect(b.results.map((t: { task: string }) => t.task).sort()).toEqual(['en-cloze', 'en-last-word', 'heldout-ppl']);
    // Every sample exactly once in the journal: 10 + 4 + 3.
    const items = lines(journal).slice(1).map((l) => JSON.parse(l) as { task: string; file: string; index: number });
    const keys = items.map((i) => `${i.task}/${i.file}/${i.index}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(17);
  }, 300_000);

  it('refuses to resume a journal of another run (a different dtype), naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glm-resume-'));
    const tasks = smallTasks(dir);
    const journal = join(dir, 'run.journal');
    writeFileSync(journal, JSON.stringify({ format: 'glm evaluate journal 1', model: 'x', backend: 'cpu-ref', dtype: 'f32', tasks: 'y' }) + '\n');
    const r = spawnSync(process.execPath, [glm, 'evaluate', tasks, '--journal', journal, '--resume', '--dtype', 'f16'], { encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/belongs to another run \((model|dtype|tasks):/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);
});
