/**
 * A backend's expected failures, read from its conformance entry: `backends/<name>/conformance.yaml`
 * for a built-in, `conformance.yaml` beside a plugin's entry module for a plugin (docs/conformance.md).
 * The entry says how to certify the backend (`certify:`, `runs-on:`) and lists the cases known to
 * fail, each with a mandatory reason; a listed case that passes is reported. A file given with
 * `--expected-failures` may also be a bare list of `{ case, reason }` entries.
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

/** The parts of a conformance entry this SDK reads; the rest (certify, runs-on, reports) is for people. */
export interface ConformanceEntry {
  readonly backend: string | undefined;
  readonly certify: string | undefined;
  readonly expectedFailures: readonly { case: string; reason: string }[];
}

function entriesOf(list: unknown, path: string): { case: string; reason: string }[] {
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw new GlmError('input', `${path}: expected-failures must be a list of { case, reason } entries`);
  return list.map((e: unknown, i: number) => {
    const entry = e as { case?: unknown; reason?: unknown };
    if (typeof entry?.case !== 'string' || typeof entry?.reason !== 'string' || entry.reason.trim() === '') {
      throw new GlmError('input', `${path}: expected failure ${i + 1} needs a "case" pattern and a non-empty "reason"`);
    }
    return { case: entry.case, reason: entry.reason };
  });
}

/** Parses an entry (an object with `expected-failures:`) or a bare list of expected failures. */
export function parseConformanceEntry(text: string, path: string): ConformanceEntry {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new GlmError('input', `${path}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (Array.isArray(raw) || raw === null || raw === undefined) return { backend: undefined, certify: undefined, expectedFailures: entriesOf(raw, path) };
  if (typeof raw !== 'object') throw new GlmError('input', `${path}: expected a conformance entry (backend, certify, expected-failures)`);
  const entry = raw as Record<string, unknown>;
  if (!('expected-failures' in entry)) throw new GlmError('input', `${path}: the entry has no "expected-failures" list (write "expected-failures: []" when none fail)`);
  const str = (key: string) => (typeof entry[key] === 'string' ? (entry[key] as string) : undefined);
  return { backend: str('backend'), certify: str('certify'), expectedFailures: entriesOf(entry['expected-failures'], path) };
}

/**
 * The expected failures of backend `backend` from `path`. A missing file is an error when the user
 * named it (`required`), and means "none listed" for a plugin's default location.
 */
export async function loadExpectedFailures(path: string, backend: string, required: boolean): Promise<ExpectedFailures> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !required) return NO_EXPECTED_FAILURES;
    throw new GlmError('input', `cannot read the expected-failure list ${path}: ${(e as Error).message}`);
  }
  const entry = parseConformanceEntry(text, path);
  if (entry.backend !== undefined && entry.backend !== backend) {
    throw new GlmError('input', `${path} is the conformance entry of backend "${entry.backend}", not of "${backend}"`);
  }
  return expectedFailuresFrom(entry.expectedFailures, path);
}
