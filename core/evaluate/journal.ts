/**
 * The journal of a long evaluation: one JSON line per finished sample, appended and fsynced before
 * the next sample starts, so a crash, a kill or Ctrl-C loses at most the sample in progress, and
 * `glm evaluate --resume` continues without scoring a finished sample again. The first line says
 * what run it belongs to (model, backend, dtype and a hash of the tasks and their samples): a journal
 * of another run is refused rather than mixed in. A sample's score is stored as computed (JSON keeps
 * every double exactly), and files fold their scores in sample order either way, so the metrics of a
 * resumed run equal those of an uninterrupted one bit for bit.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { relative } from 'node:path';
import { GlmError } from '../errors.js';
import type { SampleJournal, SampleScore, TaskData } from './run-task.js';
import { dataFolder } from './task-config.js';

export const JOURNAL_FORMAT = 'glm evaluate journal 1';

export interface JournalHeader {
  readonly format: string;
  readonly model: string;
  readonly backend: string;
  readonly dtype: string;
  /** sha256 over every task's name, type, files (relative to its data folder) and samples. */
  readonly tasks: string;
}

interface JournalLine {
  readonly task: string;
  readonly file: string;
  readonly index: number;
  readonly score: SampleScore;
}

/** The data file's name in the journal: relative to its task's data folder, so a run resumed from elsewhere still matches. */
export function journalFileName(data: TaskData, path: string): string {
  return relative(dataFolder(data.task), path);
}

export function tasksHash(tasks: readonly TaskData[]): string {
  const hash = createHash('sha256');
  for (const data of tasks) {
    hash.update(JSON.stringify([data.task.name, data.task.type]));
    for (const f of data.files) hash.update(JSON.stringify([f.group, journalFileName(data, f.path), f.samples]));
  }
  return hash.digest('hex');
}

const key = (task: string, file: string, index: number) => JSON.stringify([task, file, index]);

/** Complete lines only: a line cut short by a kill mid-write is dropped (and cut off the file). */
function readJournal(path: string): { header: unknown; lines: JournalLine[]; goodBytes: number } {
  const bytes = readFileSync(path);
  const text = bytes.toString('utf8');
  const end = text.lastIndexOf('\n') + 1;
  const complete = text.slice(0, end).split('\n').filter((l) => l !== '');
  if (complete.length === 0) throw new GlmError('input', `the journal ${path} is empty: start afresh with --overwrite`);
  try {
    const [head, ...rest] = complete.map((l) => JSON.parse(l) as unknown);
    return { header: head, lines: rest as JournalLine[], goodBytes: Buffer.byteLength(text.slice(0, end)) };
  } catch (e) {
    throw new GlmError('input', `the journal ${path} is not a glm evaluate journal (${(e as Error).message}): start afresh with --overwrite`);
  }
}

function checkHeader(path: string, found: unknown, want: JournalHeader): void {
  const h = found as Partial<JournalHeader> | null;
  if (h?.format !== JOURNAL_FORMAT) throw new GlmError('input', `the journal ${path} is not a ${JOURNAL_FORMAT}: start afresh with --overwrite`);
  for (const field of ['model', 'backend', 'dtype', 'tasks'] as const) {
    if (h[field] !== want[field]) {
      throw new GlmError('input', `the journal ${path} belongs to another run (${field}: ${String(h[field]).slice(0, 80)} there, ${want[field].slice(0, 80)} now): resume with the same settings, or start afresh with --overwrite`);
    }
  }
}

export class FileJournal implements SampleJournal {
  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly done: Map<string, SampleScore>,
  ) {}

  /**
   * `resume`: continue the journal at `path` (it must exist and belong to this run). Otherwise start
   * one; an existing journal is kept unless `overwrite` (it holds an interrupted run's work).
   */
  static open(path: string, header: JournalHeader, mode: { resume: boolean; overwrite: boolean }): FileJournal {
    const exists = existsSync(path);
    if (mode.resume && !exists) throw new GlmError('usage', `--resume: there is no journal at ${path} (a run writes it as it goes; nothing to continue)`);
    if (!mode.resume && exists && !mode.overwrite) {
      throw new GlmError('usage', `the journal of an earlier run is at ${path}: --resume continues it, --overwrite starts afresh`);
    }
    const done = new Map<string, SampleScore>();
    let fd: number;
    if (mode.resume) {
      const { header: found, lines, goodBytes } = readJournal(path);
      checkHeader(path, found, header);
      for (const l of lines) done.set(key(l.task, l.file, l.index), l.score);
      fd = openSync(path, 'r+');
      ftruncateSync(fd, goodBytes);
      closeSync(fd);
      fd = openSync(path, 'a');
    } else {
      fd = openSync(path, 'w');
      writeSync(fd, JSON.stringify(header) + '\n');
      fsyncSync(fd);
    }
    return new FileJournal(path, fd, done);
  }

  /** How many samples an earlier run finished. */
  get recordedCount(): number {
    return this.done.size;
  }

  recorded(task: string, file: string, index: number): SampleScore | undefined {
    return this.done.get(key(task, file, index));
  }

  record(task: string, file: string, index: number, score: SampleScore): void {
    const line: JournalLine = { task, file, index, score };
    writeSync(this.fd, JSON.stringify(line) + '\n');
    fsyncSync(this.fd);
    this.done.set(key(task, file, index), score);
  }

  fileName(data: TaskData, path: string): string {
    return journalFileName(data, path);
  }

  close(): void {
    closeSync(this.fd);
  }
}
