/**
 * A short seeded run of the fuzz harness (tools/fuzz/harness.mjs; the long runs and their results
 * are in docs/reliability.md): every input class against the real `glm` — in-process runCli, two
 * runs as real subprocesses of bin/glm.js — with no crash (exit 70, a signal, a multi-line error, a
 * stack trace).
 * The harness's crash detection is itself checked against a glm that crashes on purpose.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { TINY } from '../../core/models/glm/config.js';
import { writeSafetensors } from '../../core/io/safetensors.js';
import { randomWeights } from '../../core/models/glm/weights.js';
// @ts-expect-error -- a plain .mjs tool without types
import { fuzz, makeRandom, randomArgv } from '../../tools/fuzz/harness.mjs';

const sdk = { TINY, writeSafetensors, randomWeights, root: resolve('.') };
const BIN = resolve('bin/glm.js');
const work = () => mkdtempSync(join(tmpdir(), 'glm-fuzz-test-'));

describe('fuzzing glm', () => {
  it('seed 7, 35 runs over argv, YAML, jsonl, safetensors, tokenizer, prompt and model-config inputs: no crash', async () => {
    const result = await fuzz({ seed: 7, runs: 35, runCli, bin: BIN, work: work(), sdk, subprocessEvery: 17, timeoutMs: 60_000 });
    expect(result.crashes, JSON.stringify(result.crashes, null, 1)).toEqual([]);
    expect(result.hangs).toEqual([]);
    for (const [kind, s] of Object.entries(result.perClass as Record<string, { runs: number }>)) expect(s.runs, kind).toBe(5);
    // The inputs reach both outcomes: some run, most are refused as usage or input errors.
    expect(Object.keys(result.codes)).toEqual(expect.arrayContaining(['0', '3']));
  }, 180_000);

  it('the same seed gives the same inputs', () => {
    const ctx = { work: '/w', missing: '/w/m', promptFile: '/w/p.txt', taskFile: '/w/t.yaml' };
    const a = Array.from({ length: 20 }, ((r) => () => randomArgv(r, ctx))(makeRandom(3)));
    const b = Array.from({ length: 20 }, ((r) => () => randomArgv(r, ctx))(makeRandom(3)));
    expect(a).toEqual(b);
    expect(new Set(a.map((x: string[]) => x.join(' '))).size).toBeGreaterThan(15);
  });

  it('counts a crash: exit 70, an exception, a multi-line error, a stack trace (mutations of glm)', async () => {
    const crashing = async () => {
      console.error('glm: internal error: boom (this is a bug; GLM_DEBUG=1 shows the stack)');
      process.exitCode = 70;
    };
    const throwing = async () => {
      throw new TypeError('not caught by runCli');
    };
    const twoLines = async () => {
      console.error('glm: error: first line');
      console.error('glm: error: second line');
      process.exitCode = 3;
    };
    const stackTrace = async () => {
      console.error('glm: error: bad input');
      console.error('    at readThing (/x/core/io/thing.js:12:7)');
      process.exitCode = 3;
    };
    for (const broken of [crashing, throwing, twoLines, stackTrace]) {
      const result = await fuzz({ seed: 1, runs: 6, runCli: broken, bin: BIN, work: work(), sdk, subprocessEvery: 0 });
      expect(result.crashes.length, broken.name).toBe(6);
    }
    const fine = async () => {
      console.error('glm: error: one line');
      process.exitCode = 2;
    };
    expect((await fuzz({ seed: 1, runs: 6, runCli: fine, bin: BIN, work: work(), sdk, subprocessEvery: 0 })).crashes).toEqual([]);
  }, 60_000);
});
