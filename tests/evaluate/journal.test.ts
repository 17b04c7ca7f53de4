/**
 * The evaluation journal on its own: records survive a reopen with --resume, a line cut short by a
 * kill mid-write is dropped (and cut off the file, so the next record starts on a line of its own),
 * a journal of another run or a second fresh start over an existing journal is refused.
 */
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileJournal, JOURNAL_FORMAT, type JournalHeader } from '../../core/evaluate/journal.js';
import { isGlmError } from '../../core/errors.js';

const header: JournalHeader = { format: JOURNAL_FORMAT, model: 'glm-tiny', backend: 'cpu-ref', dtype: 'f32', tasks: 'abc' };
const fresh = { resume: false, overwrite: false };
const resume = { resume: true, overwrite: false };

function journalPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'glm-journal-')), 'j.journal');
}

describe('FileJournal', () => {
  it('keeps scores exactly across a reopen (doubles round-trip through JSON)', () => {
    const path = journalPath();
    const j = FileJournal.open(path, header, fresh);
    const loss = 0.1 + 0.2; // not representable in few digits: must come back bit for bit
    j.record('t', 'a.jsonl', 0, { kind: 'lm', loss, words: 3 });
    j.record('t', 'a.jsonl', 1, { kind: 'mul', correct: true, chance: 100 / 3 });
    j.close();
    const again = FileJournal.open(path, header, resume);
    expect(again.recordedCount).toBe(2);
    expect(again.recorded('t', 'a.jsonl', 0)).toEqual({ kind: 'lm', loss, words: 3 });
    expect(again.recorded('t', 'a.jsonl', 1)).toEqual({ kind: 'mul', correct: true, chance: 100 / 3 });
    expect(again.recorded('t', 'a.jsonl', 2)).toBeUndefined();
    again.close();
  });

  it('drops a line cut short by a kill and appends the next record on a line of its own', () => {
    const path = journalPath();
    const j = FileJournal.open(path, header, fresh);
    j.record('t', 'a.jsonl', 0, { kind: 'gen', em: 1, f1: 1 });
    j.close();
    appendFileSync(path, '{"task":"t","file":"a.jsonl","index":1,"sco'); // the kill came mid-write
    const again = FileJournal.open(path, header, resume);
    expect(again.recordedCount).toBe(1);
    again.record('t', 'a.jsonl', 1, { kind: 'gen', em: 0, f1: 0.5 });
    again.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => JSON.parse(l))[2]).toEqual({ task: 't', file: 'a.jsonl', index: 1, score: { kind: 'gen', em: 0, f1: 0.5 } });
  });

  it('refuses a journal of another run, a missing one on resume, and a fresh start over an existing one', () => {
    const path = journalPath();
    FileJournal.open(path, header, fresh).close();
    const errorOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(isGlmError(e)).toBe(true);
        return e as Error & { kind: string };
      }
      throw new Error('expected a GlmError');
    };
    const other = errorOf(() => FileJournal.open(path, { ...header, dtype: 'f16' }, resume));
    expect(other.kind).toBe('input');
    expect(other.message).toContain('dtype: f32 there, f16 now');
    expect(errorOf(() => FileJournal.open(path + '.none', header, resume)).kind).toBe('usage');
    expect(errorOf(() => FileJournal.open(path, header, fresh)).message).toContain('--resume continues it, --overwrite starts afresh');
    FileJournal.open(path, header, { resume: false, overwrite: true }).close();
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
