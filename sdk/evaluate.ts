/**
 * Evaluation tasks (the release's YAML: mul, gen, lm over jsonl data) on a session, as `glm evaluate`
 * runs them. Tasks are read and checked up front (loadTasks), so bad data fails before model work.
 */
import { join } from 'node:path';
import { GlmError } from '../core/errors.js';
import { findTaskFiles, loadTaskConfig } from '../core/evaluate/task-config.js';
import { loadTaskData, runTask, type TaskData, type TaskProgress, type TaskResult } from '../core/evaluate/run-task.js';
import { packageRoot } from '../core/package-root.js';
import type { DType } from '../core/tensor/dtype.js';
import type { ResultSource, Session } from './session.js';

/** The folder of the tasks shipped with the package (fortunes: cloze, last word, next clause, perplexity). */
export function shippedTasksFolder(): string {
  return join(packageRoot(), 'tasks');
}

/** Every task YAML under the given files or folders (searched recursively), with its data read and checked. */
export async function loadTasks(paths: string | readonly string[]): Promise<TaskData[]> {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (!Array.isArray(list) || list.length === 0) throw new GlmError('usage', 'evaluate needs at least one task YAML file or folder');
  const configs = await Promise.all((await findTaskFiles(list)).map(loadTaskConfig));
  return Promise.all(configs.map(loadTaskData));
}

export interface EvaluateOptions {
  /** Each line of the per-file and per-group results, as `glm evaluate` prints them. */
  readonly onLine?: (line: string) => void;
  /** Per data file: start(total samples, label), tick() per sample, stop(). */
  readonly progress?: TaskProgress;
  /** Checked between tasks: once aborted, evaluation stops with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** The results and where they come from (what `glm evaluate --json` writes). */
export type EvaluationReport = { readonly model: string; readonly dtype: DType; readonly results: TaskResult[] } & ResultSource;

const NO_PROGRESS: TaskProgress = { start() {}, tick() {}, stop() {} };

export async function evaluate(session: Session, tasks: string | readonly string[] | readonly TaskData[], options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const data = isTaskDataList(tasks) ? tasks : await loadTasks(tasks as string | readonly string[]);
  const results: TaskResult[] = [];
  for (const task of data) {
    options.signal?.throwIfAborted();
    results.push(await runTask(session.modelSession, session.model.tokenizer, task, options.progress ?? NO_PROGRESS, options.onLine ?? (() => {})));
  }
  return { model: session.model.description, ...session.source, dtype: session.model.dtype, results };
}

function isTaskDataList(tasks: unknown): tasks is readonly TaskData[] {
  return Array.isArray(tasks) && tasks.length > 0 && tasks.every((t) => typeof t === 'object' && t !== null && 'task' in t && 'files' in t);
}
