/** One task: every data file of every group scored, then per-group max / median / sample-weighted average. */
import { basename } from 'node:path';
import type { Tokenizer } from '../io/tokenizer.js';
import type { ModelSession } from '../session/session.js';
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

async function scoreFile(session: ModelSession, tokenizer: Tokenizer, task: TaskConfig, samples: Sample[], progress: TaskProgress, rotary: '1d' | '2d'): Promise<Pick<FileResult, 'metrics' | 'chance'>> {
  if (task.type === 'mul') {
    let correct = 0;
    let chance = 0;
    for (const sample of samples) {
      const scores = await scoreChoices(session, tokenizer, task, sample);
      const predicted = scores.indexOf(Math.max(...scores));
      if (predicted === sample.label) correct++;
      chance += 100 / sample.choices.length;
      progress.tick();
    }
    return { metrics: { Accuracy: (100 * correct) / samples.length }, chance: chance / samples.length };
  }
  if (task.type === 'gen') {
    let em = 0;
    let f1 = 0;
    for (const sample of samples) {
      const answer = await generateAnswer(session, tokenizer, task, sample, rotary);
      em += exactMatch(answer, sample.targets);
      f1 += f1Score(answer, sample.targets);
      progress.tick();
    }
    const metrics: Partial<Record<MetricName, number>> = {};
    if (task.metrics.includes('EM')) metrics.EM = em / samples.length;
    if (task.metrics.includes('F1')) metrics.F1 = f1 / samples.length;
    return { metrics };
  }
  let loss = 0;
  let words = 0;
  for (const sample of samples) {
    const r = await languageModelLoss(session, tokenizer, task, sample);
    loss += r.loss;
    words += wordCount(r.text);
    progress.tick();
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

export async function runTask(session: ModelSession, tokenizer: Tokenizer, data: TaskData, progress: TaskProgress, log: (line: string) => void): Promise<TaskResult> {
  const { task } = data;
  const files: FileResult[] = [];
  log(`Evaluating task ${task.name} (${task.type}):`);
  for (const { group, path, samples } of data.files) {
    progress.start(samples.length, `${task.name} ${basename(path)}`);
    const scored = await scoreFile(session, tokenizer, task, samples, progress, session.config.rotary);
    progress.stop();
    const result: FileResult = { group, file: path, samples: samples.length, ...scored };
    files.push(result);
    const shown = Object.entries(result.metrics).map(([m, v]) => `${m} = ${v!.toFixed(3)}`).join(', ');
    log(`  Finish ${basename(path)}, ${shown}${result.chance !== undefined ? ` (chance ${result.chance.toFixed(3)})` : ''}`);
  }
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
