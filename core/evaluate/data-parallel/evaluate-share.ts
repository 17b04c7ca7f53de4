/**
 * Data-parallel evaluation: every sample of every task has one place in a global order; rank r of N
 * scores the samples r, r + N, r + 2N, … (round robin, so long and short files spread evenly), rank 0
 * gathers every rank's scores (rendezvous.ts) and folds each file's scores in sample order with the same
 * functions a single run uses (run-task.ts) — the results are those of a single run, bit for bit.
 */
import { createHash } from 'node:crypto';
import { GlmError } from '../../errors.js';
import type { Tokenizer } from '../../io/tokenizer.js';
import type { GlmSession } from '../../session/open-session.js';
import { fileResult, scoreSample, taskResult, type SampleScore, type TaskData, type TaskProgress, type TaskResult } from '../run-task.js';
import type { DataParallelLaunch } from './launcher-env.js';
import { Rendezvous } from './rendezvous.js';

/** A sample's place: task, file of the task, sample of the file. */
export interface SampleRef {
  readonly task: number;
  readonly file: number;
  readonly sample: number;
}

export interface ScoredSample extends SampleRef {
  readonly score: SampleScore;
}

/** Rank `rank`'s samples of `worldSize`: every worldSize-th of the global order, from `rank` on. */
export function shareOf(tasks: readonly TaskData[], rank: number, worldSize: number): SampleRef[] {
  const refs: SampleRef[] = [];
  let index = 0;
  tasks.forEach((data, task) =>
    data.files.forEach((f, file) => {
      for (let sample = 0; sample < f.samples.length; sample++, index++) if (index % worldSize === rank) refs.push({ task, file, sample });
    }),
  );
  return refs;
}

export async function scoreShare(session: GlmSession, tokenizer: Tokenizer, tasks: readonly TaskData[], share: readonly SampleRef[], progress: TaskProgress): Promise<ScoredSample[]> {
  const scored: ScoredSample[] = [];
  for (const ref of share) {
    const data = tasks[ref.task]!;
    const sample = data.files[ref.file]!.samples[ref.sample]!;
    scored.push({ ...ref, score: await scoreSample(session, tokenizer, data.task, sample, session.config.rotary) });
    progress.tick();
  }
  return scored;
}

/** Every file's scores in sample order from the ranks' shares; every sample must come exactly once. */
export function mergeShares(tasks: readonly TaskData[], shares: readonly (readonly ScoredSample[])[]): SampleScore[][][] {
  const merged: (SampleScore | undefined)[][][] = tasks.map((d) => d.files.map((f) => new Array<SampleScore | undefined>(f.samples.length).fill(undefined)));
  shares.forEach((share, rank) => {
    for (const s of share) {
      const row = merged[s.task]?.[s.file];
      if (!row || s.sample < 0 || s.sample >= row.length || !Number.isInteger(s.sample)) throw new GlmError('backend', `rank ${rank} sent a score for a sample this run does not have (${s.task}/${s.file}/${s.sample})`);
      if (row[s.sample] !== undefined) throw new GlmError('backend', `sample ${s.task}/${s.file}/${s.sample} was scored twice (rank ${rank} and another)`);
      row[s.sample] = s.score;
    }
  });
  return merged.map((files, t) =>
    files.map((scores, f) => {
      const missing = scores.findIndex((s) => s === undefined);
      if (missing >= 0) throw new GlmError('backend', `no rank scored sample ${missing} of ${tasks[t]!.files[f]!.path}`);
      return scores as SampleScore[];
    }),
  );
}

/** What every rank must agree on before it scores anything: the model, dtype, backend and every sample. */
export function runIdentity(what: { model: string; dtype: string; backend: string }, tasks: readonly TaskData[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(what));
  for (const d of tasks) h.update(JSON.stringify([d.task.name, d.task.type, d.files.map((f) => [f.group, f.samples])]));
  return h.digest('hex');
}

/**
 * This rank's part of a data-parallel evaluation. Rank 0 returns the merged results (and logs them as a
 * single run would); the other ranks return undefined once rank 0 holds their scores.
 */
export async function evaluateDataParallel(
  session: GlmSession,
  tokenizer: Tokenizer,
  tasks: readonly TaskData[],
  launch: DataParallelLaunch,
  runId: string,
  progress: TaskProgress,
  log: (line: string) => void,
): Promise<TaskResult[] | undefined> {
  const rendezvous = await Rendezvous.join(launch, runId);
  try {
    const share = shareOf(tasks, launch.rank, launch.worldSize);
    let scored: ScoredSample[];
    progress.start(share.length, `rank ${launch.rank} of ${launch.worldSize}`);
    try {
      scored = await scoreShare(session, tokenizer, tasks, share, progress);
    } catch (e) {
      rendezvous.reportFailure(e);
      throw e;
    } finally {
      progress.stop();
    }
    const shares = await rendezvous.gather(scored);
    if (!shares) return undefined;
    const merged = mergeShares(tasks, shares);
    return tasks.map((data, t) => {
      log(`Evaluating task ${data.task.name} (${data.task.type}):`);
      const files = data.files.map((f, i) => fileResult(data.task, f.group, f.path, merged[t]![i]!, log));
      return taskResult(data.task, files, log);
    });
  } finally {
    rendezvous.close();
  }
}
