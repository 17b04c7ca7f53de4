/**
 * Reading fields of a Hugging Face config.json: each wrong, missing or unsupported value is one line
 * naming the file and the key (exit 3 for bad values, 5 for a valid model this SDK does not run).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GlmError } from '../../../errors.js';

export class HfConfigFields {
  constructor(
    /** config.json's path, for errors. */
    readonly path: string,
    readonly raw: Readonly<Record<string, unknown>>,
  ) {}

  static async read(folder: string): Promise<HfConfigFields> {
    const path = join(folder, 'config.json');
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      throw new GlmError('input', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'not valid JSON'}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new GlmError('input', `${path}: not a JSON object`);
    return new HfConfigFields(path, raw as Record<string, unknown>);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  /** A positive integer; `fallback` when absent (undefined: required). */
  int(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new GlmError('input', `${this.path}: "${key}" must be a positive integer, got ${JSON.stringify(this.raw[key])}`);
    return v;
  }

  /** A positive finite number; `fallback` when absent. */
  positive(key: string, fallback?: number, value: unknown = this.raw[key]): number {
    const v = value ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new GlmError('input', `${this.path}: "${key}" must be a positive number, got ${JSON.stringify(value)}`);
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'boolean') throw new GlmError('input', `${this.path}: "${key}" must be true or false, got ${JSON.stringify(this.raw[key])}`);
    return v;
  }

  /** A switch the SDK's block has one way only: any other value is refused as unsupported (exit 5). */
  requireBool(key: string, fallback: boolean, needed: boolean, why: string): void {
    if (this.bool(key, fallback) !== needed) throw new GlmError('unsupported', `${this.path}: "${key}": ${!needed} is not supported (${why})`);
  }

  /** The checkpoint's name for the SDK config (`_name_or_path`), else the fallback. */
  name(fallback: string): string {
    const v = this.raw['_name_or_path'];
    return typeof v === 'string' && v !== '' ? v : fallback;
  }
}
