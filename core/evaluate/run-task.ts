/** One task: every data file of every group scored, then per-group max / median / sample-weighted average. */
import { basename } from 'node:path';
import type { Tokenizer } from '../io/tokenizer.js';
import type { GlmSession } from '../session/open-session.js';
import { matchDataFiles, readSamples, type Sample } from './dataset.js';
import { exactMatch, f1Score, median, perplexity, wordCount } from './metrics.js';
import { generateAnswer, languageModelLoss, scoreChoices } from './scoring.js';
import { dataFolder, type MetricName, type TaskConfig } from './task-config.js';
import { GlmError } from '../errors.js';

export interface FileResult {
  readonly group: string;
  readonly file: string;
  readonly samples: number;
  readonly metrics: Partial<Record<MetricName, number>>;
  /** Multiple choice: the accuracy of guessing (100 / number of choices, averaged). */
  readonly chance?: number;
}

export interface GroupResult {
  readonly group: string;
  readonly metric: MetricName;
  readonly max: number;
  readonly median: number;
  readonly average: number;
}

export interface TaskResult {
  readonly task: string;
  readonly type: TaskConfig['type'];
  readonly files: FileResult[];
  readonly groups: GroupResult[];
}

export interface TaskProgress {
  start(total: number, label: string): void;
  tick(): void;
  stop(): void;
}

/** One sample's contribution to its file's metric; a file's metric folds them in sample order. */
export type SampleScore =
  | { readonly kind: 'mul'; readonly correct: boolean; /** 100 / choices: guessing's accuracy on this sample. */ readonly chance: number }
  | { readonly kind: 'gen'; readonly em: number; readonly f1: number }
  | { readonly kind: 'lm'; readonly loss: number; readonly words: number };

/** Score one sample (each starts a fresh sequence, so a sample's score depends on nothing scored before it). */
export async function scoreSample(session: GlmSession, tokenizer: Tokenizer, task: TaskConfig, sample: Sample, rotary: '1d' | '2d'): Promise<SampleScore> {
  if (task.type === 'mul') {
    const scores = await scoreChoices(session, tokenizer, task, sample);
    return { kind: 'mul', correct: scores.indexOf(Math.max(...scores)) === sample.label, chance: 100 / sample.choices.length };
  }
  if (task.type === 'gen') {
    const answer = await generateAnswer(session, tokenizer, task, sample, rotary);
    return { kind: 'gen', em: exactMatch(answer, sample.targets), f1: f1Score(answer, sample.targets) };
  }
  const r = await languageModelLoss(session, tokenizer, task, sample);
  return { kind: 'lm', loss: r.loss, words: wordCount(r.text) };
}

/**
 * A file's metrics from its samples' scores, summed in sample order: the same arithmetic whether the
 * scores were computed here one after another or gathered from data-parallel ranks.
 */
export function fileMetrics(task: TaskConfig, scores: readonly SampleScore[]): Pick<FileResult, 'metrics' | 'chance'> {
  const n = scores.length;
  if (task.type === 'mul') {
    let correct = 0;
    let chance = 0;
    for (const s of scores) {
      if (s.kind !== 'mul') continue;
      if (s.correct) correct++;
      chance += s.chance;
    }
    return { metrics: { Accuracy: (100 * correct) / n }, chance: chance / n };
  }
  if (task.type === 'gen') {
    let em = 0;
    let f1 = 0;
    for (const s of scores) {
      if (s.kind !== 'gen') continue;
      em += s.em;
      f1 += s.f1;
    }
    const metrics: Partial<Record<MetricName, number>> = {};
    if (task.metrics.includes('EM')) metrics.EM = em / n;
    if (task.metrics.includes('F1')) metrics.F1 = f1 / n;
    return { metrics };
  }
  let loss = 0;
  let words = 0;
  for (const s of scores) {
    if (s.kind !== 'lm') continue;
    loss += s.loss;
    words += s.words;
  }
  return { metrics: { PPL: perplexity(loss, words) } };
}

export interface TaskData {
  readonly task: TaskConfig;
  readonly files: readonly { group: string; path: string; samples: Sample[] }[];
}

/** Read and check every data file of a task up front, so bad data fails before any model work. */
export async function loadTaskData(task: TaskConfig): Promise<TaskData> {
  const folder = dataFolder(task);
  const files: { group: string; path: string; samples: Sample[] }[] = [];
  for (const [group, glob] of Object.entries(task.filePattern)) {
    const paths = await matchDataFiles(folder, glob);
    if (paths.length === 0) throw new GlmError('input', `${task.file}: group "${group}" matches no file (${glob} in ${folder})`);
    for (const path of paths) files.push({ group, path, samples: await readSamples(path, task.type, folder) });
  }
  return { task, files };
}

/**
 * Where finished samples are kept as they finish (core/evaluate/journal.ts): runTask takes a sample's
 * score from it instead of scoring the sample again, and records each new score before going on.
 */
export interface SampleJournal {
  recorded(task: string, file: string, index: number): SampleScore | undefined;
  record(task: string, file: string, index: number, score: SampleScore): void;
  /** A data file's name in the journal (stable across working directories). */
  fileName(data: TaskData, path: string): string;
}

export async function runTask(session: GlmSession, tokenizer: Tokenizer, data: TaskData, progress: TaskProgress, log: (line: string) => void, journal?: SampleJournal): Promise<TaskResult> {
  log(`Evaluating task ${data.task.name} (${data.task.type}):`);
  const files: FileResult[] = [];
  for (const { group, path, samples } of data.files) {
    progress.start(samples.length, `${data.task.name} ${basename(path)}`);
    const scores: SampleScore[] = [];
    const file = journal?.fileName(data, path) ?? path;
    for (const [index, sample] of samples.entries()) {
      const earlier = journal?.recorded(data.task.name, file, index);
      const score = earlier ?? (await scoreSample(session, tokenizer, data.task, sample, session.config.rotary));
      if (!earlier) journal?.record(data.task.name, file, index, score);
      scores.push(score);
      progress.tick();
    }
    progress.stop();
    files.push(fileResult(data.task, group, path, scores, log));
  }
  return taskResult(data.task, files, log);
}

/** A file's result from its scores (logged as it finishes). */
export function fileResult(task: TaskConfig, group: string, path: string, scores: readonly SampleScore[], log: (line: string) => void): FileResult {
  const result: FileResult = { group, file: path, samples: scores.length, ...fileMetrics(task, scores) };
  const shown = Object.entries(result.metrics).map(([m, v]) => `${m} = ${v!.toFixed(3)}`).join(', ');
  log(`  Finish ${basename(path)}, ${shown}${result.chance !== undefined ? ` (chance ${result.chance.toFixed(3)})` : ''}`);
  return result;
}

/** Per group and metric: max, median and sample-weighted average over the group's files. */
export function taskResult(task: TaskConfig, files: FileResult[], log: (line: string) => void): TaskResult {
  const groups: GroupResult[] = [];
  for (const group of Object.keys(task.filePattern)) {
    const inGroup = files.filter((f) => f.group === group);
    if (inGroup.length === 0) continue;
    for (const metric of task.metrics) {
      const scored = inGroup.filter((f) => f.metrics[metric] !== undefined);
      if (scored.length === 0) continue;
      const values = scored.map((f) => f.metrics[metric]!);
      const weight = scored.reduce((n, f) => n + f.samples, 0);
      const average = scored.reduce((sum, f) => sum + f.metrics[metric]! * f.samples, 0) / weight;
      groups.push({ group, metric, max: Math.max(...values), median: median(values), average });
    }
  }
  log(`Task ${task.name}:`);
  for (const g of groups) log(`    Group ${g.group} ${g.metric}: max = ${g.max.toFixed(3)}, median = ${g.median.toFixed(3)}, average = ${g.average.toFixed(3)}`);
  return { task: task.name, type: task.type, files, groups };
}
