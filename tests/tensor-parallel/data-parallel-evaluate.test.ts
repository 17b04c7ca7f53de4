/**
 * Data-parallel `glm evaluate`: two ranks as two processes on this host (torchrun-style and Slurm-style
 * environments, cpu-ref), merged by rank 0 over the TCP rendezvous, against one process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstSlurmHost, launchFromEnvironment } from '../../core/evaluate/data-parallel/launcher-env.js';
import { mergeShares, shareOf, type ScoredSample } from '../../core/evaluate/data-parallel/evaluate-share.js';
import type { TaskData } from '../../core/evaluate/run-task.js';

const BIN = resolve('bin/glm.js');
const work = mkdtempSync(join(tmpdir(), 'glm-dp-'));

/** Three small tasks (one of each type, two files for multiple choice) cut from the shipped fortunes tasks. */
function writeTasks(dir: string, take: number): string {
  const source = resolve('tasks/fortunes');
  const lines = (file: string, from: number, n: number) => readFileSync(join(source, file), 'utf8').split('\n').filter(Boolean).slice(from, from + n).join('\n') + '\n';
  const task = (name: string, yaml: string, files: Record<string, string>) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, `${name}.yaml`), yaml);
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, name, file), text);
  };
  task('cloze', 'name: cloze\ntype: mul\npath: cloze\nfile-pattern: "*.jsonl"\nmetrics: [Accuracy]\nmax_seq_length: 256\n', {
    'a.jsonl': lines('en-cloze/test.jsonl', 0, take),
    'b.jsonl': lines('en-cloze/test.jsonl', take, 2),
  });
  task('last-word', 'name: last-word\ntype: gen\npath: last-word\nfile-pattern: "*.jsonl"\nmetrics: [EM, F1]\nmax_gen_length: 3\nmax_seq_length: 256\n', {
    'test.jsonl': lines('en-last-word/test.jsonl', 0, 3),
  });
  task('ppl', 'name: ppl\ntype: lm\npath: ppl\nfile-pattern:\n  en: en.jsonl\nmetrics: [PPL]\ngeneration_length: 32\nmax_seq_length: 128\n', {
    'en.jsonl': lines('heldout-ppl/en.jsonl', 0, 3),
  });
  return dir;
}

const tasks = writeTasks(join(work, 'tasks'), 3);
const ARGS = ['evaluate', tasks, '--model', 'tiny-random'];

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

function rankProcess(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, cwd: work });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => ok({ code, stdout, stderr }));
  });
}

const results = (file: string) => JSON.parse(readFileSync(file, 'utf8')).results;

describe('glm evaluate --data-parallel (2 processes on one host)', () => {
  it('gives exactly the single run\'s results, under torchrun-style and Slurm-style launch variables', async () => {
    const single = spawnSync(process.execPath, [BIN, ...ARGS, '--json', join(work, 'single.json')], { encoding: 'utf8', cwd: work });
    expect(single.status, single.stderr).toBe(0);
    const launches: ((rank: number, port: number) => Record<string, string>)[] = [
      (rank, port) => ({ RANK: `${rank}`, WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: `${port}` }),
      (rank, port) => ({ SLURM_PROCID: `${rank}`, SLURM_NTASKS: '2', SLURM_STEP_NODELIST: 'localhost', MASTER_PORT: `${port}` }),
    ];
    for (const [i, env] of launches.entries()) {
      const port = await freePort();
      const json = join(work, `dp-${i}.json`);
      const [root, other] = await Promise.all([
        rankProcess([...ARGS, '--data-parallel', '--json', json], env(0, port)),
        rankProcess([...ARGS, '--data-parallel', '--json', json], env(1, port)),
      ]);
      expect(root.code, root.stderr).toBe(0);
      expect(other.code, other.stderr).toBe(0);
      expect(results(json)).toEqual(results(join(work, 'single.json')));
      expect(root.stdout).toBe(single.stdout);
      expect(other.stdout).toBe('');
      expect(other.stderr).toMatch(/data-parallel rank 1 of 2 \((torchrun|slurm)\): scores sent to rank 0/);
    }
  }, 120_000);

  it('refuses a rank started with other tasks (both ranks fail, exit 2), and a launch without a launcher', async () => {
    const port = await freePort();
    const env = (rank: number) => ({ RANK: `${rank}`, WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: `${port}` });
    const otherTasks = writeTasks(join(work, 'other'), 2);
    const [root, other] = await Promise.all([
      rankProcess([...ARGS, '--data-parallel'], env(0)),
      rankProcess(['evaluate', otherTasks, '--model', 'tiny-random', '--data-parallel'], env(1)),
    ]);
    expect(root.code).toBe(2);
    expect(root.stderr).toMatch(/refused a joining rank: it was started with different model, tasks or options than rank 0/);
    expect(other.code).toBe(2);
    const none = spawnSync(process.execPath, [BIN, ...ARGS, '--data-parallel'], { encoding: 'utf8', cwd: work, env: { PATH: process.env['PATH'] ?? '' } });
    expect(none.status).toBe(2);
    expect(none.stderr.trim()).toMatch(/^glm: error: --data-parallel: no launcher found in the environment/);
  }, 60_000);
});

describe('launcher environments', () => {
  it('reads torchrun, Open MPI, MPICH and Slurm variables; MPI ranks win inside a Slurm allocation', () => {
    expect(launchFromEnvironment({ RANK: '3', WORLD_SIZE: '4', MASTER_ADDR: 'n1', MASTER_PORT: '1234' })).toEqual({ launcher: 'torchrun', rank: 3, worldSize: 4, masterAddr: 'n1', masterPort: 1234 });
    expect(launchFromEnvironment({ OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '2', SLURM_PROCID: '0', SLURM_NTASKS: '1', MASTER_ADDR: 'h' })).toMatchObject({ launcher: 'openmpi', rank: 1, worldSize: 2, masterPort: 29500 });
    expect(launchFromEnvironment({ PMI_RANK: '0', PMI_SIZE: '8', MASTER_ADDR: 'h' })).toMatchObject({ launcher: 'pmi', worldSize: 8 });
    expect(launchFromEnvironment({ SLURM_PROCID: '5', SLURM_NTASKS: '16', SLURM_JOB_NODELIST: 'gpu[07-10,12],cpu1' })).toMatchObject({ launcher: 'slurm', rank: 5, masterAddr: 'gpu07' });
    expect(firstSlurmHost('node3,node4')).toBe('node3');
    expect(() => launchFromEnvironment({ OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '2' })).toThrow(/set MASTER_ADDR/);
    expect(() => launchFromEnvironment({ RANK: '2', WORLD_SIZE: '2', MASTER_ADDR: 'h' })).toThrow(/RANK=2 is not below WORLD_SIZE=2/);
  });

  it('shares cover every sample once; the merge refuses a duplicate or a missing sample', () => {
    const data = [{ files: [{ samples: new Array(5) }, { samples: new Array(2) }] }, { files: [{ samples: new Array(4) }] }] as unknown as TaskData[];
    for (const n of [1, 2, 3, 5, 16]) {
      const all = Array.from({ length: n }, (_, r) => shareOf(data, r, n)).flat().map((s) => `${s.task}/${s.file}/${s.sample}`);
      expect(all.sort()).toEqual(shareOf(data, 0, 1).map((s) => `${s.task}/${s.file}/${s.sample}`).sort());
    }
    const score = { kind: 'lm', loss: 1, words: 1 } as const;
    const scored = (n: number, r: number): ScoredSample[] => shareOf(data, r, n).map((s) => ({ ...s, score }));
    expect(() => mergeShares(data, [scored(2, 0), scored(2, 1)])).not.toThrow();
    expect(() => mergeShares(data, [scored(2, 0), scored(2, 0)])).toThrow(/scored twice/);
    expect(() => mergeShares(data, [scored(2, 0)])).toThrow(/no rank scored sample/);
  });
});
