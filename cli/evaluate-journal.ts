/**
 * `glm evaluate`'s journal options: where the journal goes (--journal FILE, else beside --json as
 * FILE.journal), --resume to continue it, --overwrite to start afresh (core/evaluate/journal.ts).
 */
import { existsSync } from 'node:fs';
import { GlmError } from '../core/errors.js';
import { FileJournal, JOURNAL_FORMAT, tasksHash } from '../core/evaluate/journal.js';
import type { TaskData } from '../core/evaluate/run-task.js';

export const JOURNAL_HELP = `  --journal FILE          keep each finished sample in FILE as it finishes (kept; default: the --json
                          file's name + .journal, removed once the JSON is written)
  --resume                continue an interrupted run from its journal: finished samples are not
                          scored again, the metrics equal an uninterrupted run's`;

export const JOURNAL_OPTIONS = {
  journal: { type: 'string' },
  resume: { type: 'boolean' },
} as const;

/** The journal's path, or undefined for none; checked before any work (a data-parallel rank keeps none). */
export function evaluateJournalPath(v: { json?: string; journal?: string; resume?: boolean }, dataParallel: boolean): string | undefined {
  if (dataParallel) {
    if (v.journal !== undefined || v.resume) throw new GlmError('usage', 'glm evaluate: --journal and --resume apply to one process, not to --data-parallel ranks');
    return undefined;
  }
  const path = v.journal ?? (v.json === undefined ? undefined : `${v.json}.journal`);
  if (v.resume && path === undefined) throw new GlmError('usage', 'glm evaluate --resume needs the journal: give the same --json (or --journal) as the interrupted run');
  if (v.resume && !existsSync(path!)) throw new GlmError('usage', `glm evaluate --resume: there is no journal at ${path} (nothing to continue)`);
  return path;
}

export function openEvaluateJournal(path: string, run: { model: string; backend: string; dtype: string; tasks: readonly TaskData[] }, mode: { resume: boolean; overwrite: boolean }): FileJournal {
  const journal = FileJournal.open(path, { format: JOURNAL_FORMAT, model: run.model, backend: run.backend, dtype: run.dtype, tasks: tasksHash(run.tasks) }, mode);
  if (mode.resume) console.error(`glm evaluate: resuming ${path}: ${journal.recordedCount} sample(s) already scored are not scored again`);
  return journal;
}
