/** Typed reading of command-line values; every bad value is a one-line usage error. */
import { GlmError } from '../core/errors.js';
import { isDType, type DType } from '../core/tensor/dtype.js';

/** An integer flag in [min, max] (max: no upper bound when absent). */
export function intOption(name: string, raw: string | undefined, fallback: number, min: number, max?: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < min || (max !== undefined && v > max)) {
    const range = max === undefined ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new GlmError('usage', `--${name} must be an integer ${range}, got "${raw}"`);
  }
  return v;
}

export function floatOption(name: string, raw: string | undefined, fallback: number, check: (v: number) => boolean, rule: string): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || !check(v)) throw new GlmError('usage', `--${name} must be ${rule}, got "${raw}"`);
  return v;
}

export function choiceOption<T extends string>(name: string, raw: string | undefined, choices: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!choices.includes(raw as T)) throw new GlmError('usage', `--${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  return raw as T;
}

export function dtypeOption(raw: string | undefined, fallback: DType): DType {
  if (raw === undefined) return fallback;
  if (!isDType(raw) || !['f32', 'f16', 'bf16'].includes(raw)) throw new GlmError('usage', `--dtype must be one of f32, f16, bf16, got "${raw}"`);
  return raw;
}
