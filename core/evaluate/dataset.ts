/** Task data: jsonl lines with inputs_pretokenized, choices_pretokenized, targets_pretokenized, label. */
import { readdir } from 'node:fs/promises';
import { readUtf8File } from '../io/utf8-text.js';
import { join, relative } from 'node:path';
import { GlmError } from '../errors.js';
import type { TaskType } from './task-config.js';

export interface Sample {
  readonly inputs: string;
  readonly choices: readonly string[];
  readonly targets: readonly string[];
  readonly label: number;
}

/** `*` matches within a path segment, `**` across segments. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export async function matchDataFiles(folder: string, glob: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(folder, { recursive: true });
  } catch {
    throw new GlmError('input', `task data folder ${folder} cannot be read`);
  }
  const re = globToRegExp(glob);
  return entries.map((e) => e.split('\\').join('/')).filter((e) => re.test(e)).sort().map((e) => join(folder, e));
}

export async function readSamples(file: string, type: TaskType, root: string): Promise<Sample[]> {
  const text = await readUtf8File(file, 'task data'); // invalid UTF-8: an error with its line and byte offset
  const where = relative(root, file) || file;
  const samples: Sample[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new GlmError('input', `${where}:${index + 1}: not valid JSON`);
    }
    const fail = (msg: string): never => {
      throw new GlmError('input', `${where}:${index + 1}: ${msg}`);
    };
    if (typeof raw !== 'object' || raw === null) fail('each line must be a JSON object');
    const inputs = raw['inputs_pretokenized'];
    if (typeof inputs !== 'string') fail('"inputs_pretokenized" must be a string');
    const strings = (key: string): string[] => {
      const v = raw[key];
      if (v === undefined) return [];
      if (typeof v === 'string') return [v];
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
      return fail(`"${key}" must be a string or a list of strings`);
    };
    const choices = strings('choices_pretokenized');
    const targets = strings('targets_pretokenized');
    const label = raw['label'] ?? 0;
    if (type === 'mul') {
      if (choices.length < 2) fail('a multiple-choice sample needs at least two "choices_pretokenized"');
      if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= choices.length) fail(`"label" must index the choices (0..${choices.length - 1})`);
    }
    if (type === 'gen' && targets.length === 0) fail('a generation sample needs "targets_pretokenized"');
    if (type === 'lm' && targets.length === 0 && inputs === '') fail('a language-modelling sample needs text');
    samples.push({ inputs: inputs as string, choices, targets, label: label as number });
  });
  if (samples.length === 0) throw new GlmError('input', `${where}: no samples`);
  return samples;
}
