/**
 * Evaluation tasks as the release's evaluate.py reads them: YAML files with the fields below; a
 * folder is searched recursively. Every problem is one line naming the file and the field.
 */
import { readdir, stat } from 'node:fs/promises';
import { readUtf8File } from '../io/utf8-text.js';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { GlmError } from '../errors.js';

export type TaskType = 'mul' | 'gen' | 'lm';
export type MetricName = 'Accuracy' | 'EM' | 'F1' | 'PPL';

export interface TaskConfig {
  readonly file: string;
  readonly name: string;
  readonly type: TaskType;
  /** Folder of the data files, relative to the YAML file. */
  readonly path: string;
  /** Group name → glob of jsonl files inside `path` (a plain glob becomes the group "test"). */
  readonly filePattern: Readonly<Record<string, string>>;
  readonly metrics: readonly MetricName[];
  /** Use [gMASK] instead of [MASK]. */
  readonly useTaskMask: boolean;
  readonly unidirectional: boolean;
  readonly maxSeqLength: number;
  readonly microBatchSize: number;
  // gen
  readonly samplingStrategy: 'BaseStrategy' | 'BeamSearchStrategy';
  readonly numBeams: number;
  readonly lengthPenalty: number;
  readonly noRepeatNgramSize: number;
  readonly minGenLength: number;
  readonly maxGenLength: number;
  // lm
  readonly generationLength: number;
}

const DEFAULT_METRICS: Record<TaskType, MetricName[]> = { mul: ['Accuracy'], gen: ['EM', 'F1'], lm: ['PPL'] };

/**
 * The keys a task may have, spelled as the spec spells them. The release's YAML files write some
 * with dashes (`file-pattern`) and some with underscores, and its loader accepts either, so
 * `generation-length` is `generation_length` and `file_pattern` is `file-pattern` here too.
 */
const TASK_KEYS = [
  'name', 'type', 'path', 'file-pattern', 'metrics', 'use_task_mask', 'unidirectional', 'max_seq_length', 'micro_batch_size',
  'sampling_strategy', 'num_beams', 'length_penalty', 'no_repeat_ngram_size', 'min_gen_length', 'max_gen_length', 'generation_length',
] as const;
/** Release keys read and deliberately not used: `module` names the release's Python class for the task; ours follows `type`. */
const IGNORED_KEYS = new Set(['module']);

/** The mapping with every key in its canonical spelling; an unknown key, or one given twice in two spellings, is an error naming it. */
function canonicalKeys(raw: Record<string, unknown>, file: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const spelled = new Map<string, string>();
  const fold = (key: string): string => key.replace(/-/g, '_');
  for (const [key, value] of Object.entries(raw)) {
    if (IGNORED_KEYS.has(fold(key))) continue;
    const canonical = TASK_KEYS.find((k) => fold(k) === fold(key));
    if (canonical === undefined) {
      throw new GlmError('input', `${file}: unknown key "${key}" (known: ${TASK_KEYS.join(', ')}; dashes or underscores)`);
    }
    const earlier = spelled.get(canonical);
    if (earlier !== undefined) throw new GlmError('input', `${file}: "${earlier}" and "${key}" are the same key`);
    spelled.set(canonical, key);
    out[canonical] = value;
  }
  return out;
}

/** A YAML value in an error message; YAML aliases can make it refer to itself, which JSON cannot show. */
function shown(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return 'a value that contains itself (a YAML alias cycle)';
  }
}

export function parseTaskConfig(text: string, file: string): TaskConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new GlmError('input', `${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new GlmError('input', `${file}: a task must be a YAML mapping`);
  const r = canonicalKeys(raw as Record<string, unknown>, file);
  const fail = (field: string, rule: string): never => {
    throw new GlmError('input', `${file}: "${field}" ${rule}, got ${shown(r[field])}`);
  };
  const str = (field: string): string => (typeof r[field] === 'string' && r[field] !== '' ? (r[field] as string) : fail(field, 'must be a non-empty string'));
  const int = (field: string, fallback: number, min = 0): number => {
    const v = r[field] ?? fallback;
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : fail(field, `must be an integer >= ${min}`);
  };
  const num = (field: string, fallback: number): number => {
    const v = r[field] ?? fallback;
    return typeof v === 'number' && Number.isFinite(v) ? v : fail(field, 'must be a number');
  };
  const bool = (field: string): boolean => {
    const v = r[field] ?? false;
    return typeof v === 'boolean' ? v : fail(field, 'must be true or false');
  };
  const type = str('type');
  if (type !== 'mul' && type !== 'gen' && type !== 'lm') fail('type', 'must be one of mul, gen, lm');
  const taskType = type as TaskType;
  const pattern = r['file-pattern'];
  let filePattern: Record<string, string>;
  if (typeof pattern === 'string') filePattern = { test: pattern };
  else if (typeof pattern === 'object' && pattern !== null && !Array.isArray(pattern) && Object.values(pattern).every((g) => typeof g === 'string')) {
    filePattern = Object.assign(Object.create(null) as Record<string, string>, pattern);
  } else filePattern = fail('file-pattern', 'must be a glob or a map of group → glob');
  const metrics = r['metrics'] ?? DEFAULT_METRICS[taskType];
  if (!Array.isArray(metrics) || metrics.some((m) => !['Accuracy', 'EM', 'F1', 'PPL'].includes(m as string))) fail('metrics', 'must be a list of Accuracy, EM, F1, PPL');
  const strategy = r['sampling_strategy'] ?? 'BeamSearchStrategy';
  if (strategy !== 'BaseStrategy' && strategy !== 'BeamSearchStrategy') fail('sampling_strategy', 'must be BaseStrategy or BeamSearchStrategy');
  return {
    file,
    name: str('name'),
    type: taskType,
    path: str('path'),
    filePattern,
    metrics: metrics as MetricName[],
    useTaskMask: bool('use_task_mask'),
    unidirectional: bool('unidirectional'),
    maxSeqLength: int('max_seq_length', 2048, 2),
    microBatchSize: int('micro_batch_size', 1, 1),
    samplingStrategy: strategy as TaskConfig['samplingStrategy'],
    numBeams: int('num_beams', 4, 1),
    lengthPenalty: num('length_penalty', 0),
    noRepeatNgramSize: int('no_repeat_ngram_size', 0),
    minGenLength: int('min_gen_length', 0),
    maxGenLength: int('max_gen_length', 128, 1),
    generationLength: int('generation_length', 256, 1),
  };
}

/** All task YAML files named: files as given, folders searched recursively (sorted). */
export async function findTaskFiles(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch {
      throw new GlmError('input', `no task file or folder at ${p}`);
    }
    if (info.isDirectory()) {
      const entries = await readdir(p, { recursive: true });
      found.push(...entries.filter((e) => /\.ya?ml$/.test(e)).sort().map((e) => join(p, e)));
    } else found.push(p);
  }
  if (found.length === 0) throw new GlmError('input', `no task YAML files in ${paths.join(', ')}`);
  return found;
}

export async function loadTaskConfig(file: string): Promise<TaskConfig> {
  return parseTaskConfig(await readUtf8File(file, 'task'), file);
}

export function dataFolder(task: TaskConfig): string {
  return resolve(dirname(task.file), task.path);
}
