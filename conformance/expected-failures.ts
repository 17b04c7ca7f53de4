/**
 * The expected-failure list of a backend: `conformance/expected-failures/<backend>.yaml`, entries
 * `- case: <pattern>` with a mandatory `reason:`. A listed case that passes is reported.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { GlmError } from '../core/errors.js';
import { matchesPattern } from './catalogue.js';

export interface ExpectedFailures {
  reasonFor(caseId: string): string | undefined;
  readonly source: string | undefined;
}

export const NO_EXPECTED_FAILURES: ExpectedFailures = { reasonFor: () => undefined, source: undefined };

export function expectedFailuresFrom(entries: readonly { case: string; reason: string }[], source: string): ExpectedFailures {
  return {
    source,
    reasonFor: (id) => entries.find((e) => matchesPattern(id, e.case))?.reason,
  };
}

export async function loadExpectedFailures(path: string): Promise<ExpectedFailures> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return NO_EXPECTED_FAILURES;
    throw new GlmError('input', `cannot read ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new GlmError('input', `${path}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (raw === null || raw === undefined) return expectedFailuresFrom([], path);
  if (!Array.isArray(raw)) throw new GlmError('input', `${path}: expected a list of { case, reason } entries`);
  const entries = raw.map((e: unknown, i: number) => {
    const entry = e as { case?: unknown; reason?: unknown };
    if (typeof entry?.case !== 'string' || typeof entry?.reason !== 'string' || entry.reason.trim() === '') {
      throw new GlmError('input', `${path}: entry ${i + 1} needs a "case" pattern and a non-empty "reason"`);
    }
    return { case: entry.case, reason: entry.reason };
  });
  return expectedFailuresFrom(entries, path);
}
