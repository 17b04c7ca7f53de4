/**
 * Hostile pickles are refused by name and nothing runs. The fixtures were written by real Python:
 * malicious/mp_rank_00_model_states.pt is a torch.save zip whose pickle calls posix.system through
 * REDUCE, malicious/eval.pkl a protocol-2 pickle calling builtins.eval (spelled __builtin__.eval at
 * protocol 2). Unpickled by Python, either would run `touch /tmp/glm-sdk-malicious-pickle-ran`; the
 * tests check that file never appears. Hand-made pickles cover the other ways a pickle reaches code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GlmError } from '../../core/errors.js';
import { unpickle } from '../../core/io/pickle/restricted-unpickler.js';
import { TorchFile } from '../../core/io/pickle/torch-file.js';
import { FIXTURES } from './torch-fixture-logits.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'glm.js');
const PWNED = '/tmp/glm-sdk-malicious-pickle-ran';
const MALICIOUS = join(FIXTURES, 'malicious');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glm-malicious-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await rm(PWNED, { force: true });
});

/** A protocol-2 pickle from opcodes given as text ("\x80\x02c...") */
function pickle(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function refusal(bytes: Uint8Array): string {
  try {
    unpickle(bytes, { source: 'test.pkl' });
  } catch (e) {
    expect(e).toBeInstanceOf(GlmError);
    expect((e as GlmError).kind).toBe('input');
    return (e as GlmError).message;
  }
  throw new Error('the pickle was accepted');
}

describe('malicious pickles written by Python', () => {
  it('the fixture really would run a command: its pickle names posix.system and the command', async () => {
    const bytes = await readFile(join(MALICIOUS, 'mp_rank_00_model_states.pt'));
    expect(bytes.includes(Buffer.from('posix\nsystem\n'))).toBe(true);
    expect(bytes.includes(Buffer.from(`touch ${PWNED}`))).toBe(true);
  });

  it('torch.save zip calling posix.system: refused naming the global, nothing executed', async () => {
    const err = await TorchFile.open(join(MALICIOUS, 'mp_rank_00_model_states.pt')).then(() => undefined, (e: unknown) => e as GlmError);
    expect(err?.message).toMatch(/mp_rank_00_model_states\.pt \(mp_rank_00_model_states\/data\.pkl\): pickle global "posix\.system" is not allowed/);
    expect(existsSync(PWNED)).toBe(false);
  });

  it('protocol-2 pickle calling builtins.eval: refused naming the global, nothing executed', async () => {
    expect(refusal(await readFile(join(MALICIOUS, 'eval.pkl')))).toMatch(/^test\.pkl: pickle global "__builtin__\.eval" is not allowed/);
    expect(existsSync(PWNED)).toBe(false);
  });

  it('glm convert on a folder holding it: exit 3, one line naming the global, no output, nothing executed', async () => {
    const src = join(dir, 'sat');
    await cp(MALICIOUS, src, { recursive: true });
    const out = join(dir, 'out');
    const r = spawnSync(process.execPath, [BIN, 'convert', '--from', 'sat', '--config', 'tiny', '--input', src, '--output', out], { encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('pickle global "posix.system" is not allowed');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(PWNED)).toBe(false);
  });
});

describe('the other roads from a pickle to code are closed', () => {
  it('STACK_GLOBAL (protocol 4 spelling) is refused by name', () => {
    expect(refusal(pickle('\x80\x04\x8c\x08builtins\x8c\x04exec\x93.'))).toMatch(/pickle global "builtins\.exec" is not allowed/);
  });
  it('INST and OBJ (which import and call a class) are not supported opcodes', () => {
    expect(refusal(pickle('(ios\nsystem\nS"touch x"\n.'))).toMatch(/opcode 0x69 at byte 1 is not supported/);
    expect(refusal(pickle('\x80\x02(o.'))).toMatch(/opcode 0x6f at byte 3 is not supported/);
  });
  it('REDUCE on a plain value (not an allow-listed global) is refused', () => {
    expect(refusal(pickle('\x80\x02X\x01\x00\x00\x00a)R.'))).toMatch(/REDUCE\/NEWOBJ on a value that is not an allow-listed global/);
  });
  it('BUILD on an allow-listed non-dict (a __setstate__ road) is refused', () => {
    expect(refusal(pickle('\x80\x02]}b.'))).toMatch(/BUILD on something other than a dict is refused/);
  });
  it('persistent ids are refused outside a torch file', () => {
    expect(refusal(pickle('\x80\x02NQ.'))).toMatch(/persistent ids are not allowed/);
  });
  it('the allow-listed globals still build data (a state dict of a real fixture)', async () => {
    const file = await TorchFile.open(join(FIXTURES, 'sat-mp2', '1000', 'mp_rank_01_model_states.pt'));
    const root = file.root as Map<string, unknown>;
    expect(root.get('iteration')).toBe(1000);
    const module = root.get('module') as Map<string, { shape: number[] }>;
    expect(module.get('transformer.word_embeddings.weight')!.shape).toEqual([136, 32]);
    expect(module.get('transformer.layers.0.mlp.dense_4h_to_h.weight')!.shape).toEqual([32, 24]);
    await file.close();
  });
});
