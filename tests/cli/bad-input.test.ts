/**
 * Bad input at every entry point of `glm` (issue 23, "What a new user hits today"): each case is a
 * one-line error with its documented exit code, checked before expensive work — or, for a tiny
 * temperature, the right answer. Runs `runCli` in-process (the same code bin/glm.js runs) for speed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/main.js';

const work = mkdtempSync(join(tmpdir(), 'glm-bad-input-'));

function file(name: string, content: string | Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** `glm ARGS` in this process: exit code, stdout and stderr lines. */
async function glm(args: string[]): Promise<{ code: number; stdout: string; stderr: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
  await runCli(args);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  vi.restoreAllMocks();
  return { code, stdout: out.join('\n'), stderr: err };
}

/** Exactly one stderr line "glm: error: …" containing `text`, and nothing loaded before it when `early`. */
function expectError(r: Awaited<ReturnType<typeof glm>>, code: number, text: string | RegExp): void {
  const errors = r.stderr.filter((l) => l.startsWith('glm: error: '));
  expect(errors, r.stderr.join('\n')).toHaveLength(1);
  expect(r.code, r.stderr.join('\n')).toBe(code);
  if (typeof text === 'string') expect(errors[0]).toContain(text);
  else expect(errors[0]).toMatch(text);
  expect(errors[0]).not.toContain('\n');
  expect(r.stderr.join('\n')).not.toMatch(/internal error|\n\s+at /);
}

/** No model was loaded: the path check came first. */
function expectNothingLoaded(r: Awaited<ReturnType<typeof glm>>): void {
  expect(r.stderr.join('\n')).not.toContain('glm: model ');
}

const query = file('q.txt', 'The capital of France is [MASK].\nHello\n');

describe('a 10 MB prompt line', () => {
  it('is refused with the limits (exit 3), not a stack overflow (exit 70)', async () => {
    const big = file('big.txt', 'a'.repeat(10 * 2 ** 20) + '\n');
    const r = await glm(['run', '--model', 'tiny-random', '--input-source', big]);
    expectError(r, 3, /query 1: the prompt is 10485761 tokens; .* out-seq-length 256 \(the model's context is \d+ tokens\)/);
  }, 60_000);

  it('a prompt one token too long for --out-seq-length is refused; one that fits runs', async () => {
    // tiny-random: byte tokenizer; "abc" → a b c [gMASK] = 4 tokens, [sop] makes 5.
    const q = file('abc.txt', 'abc\n');
    expectError(await glm(['run', '--model', 'tiny-random', '--input-source', q, '--out-seq-length', '4', '--top-k', '1']), 3, 'the prompt is 4 tokens');
    expect((await glm(['run', '--model', 'tiny-random', '--input-source', q, '--out-seq-length', '5', '--top-k', '1'])).code).toBe(0);
  });
});

describe('invalid UTF-8', () => {
  const bad = Uint8Array.from([...Buffer.from('fine line\nab'), 0xff, ...Buffer.from('cd [MASK]\n')]);

  it('in a prompt file: line and byte offset (exit 3), before the model loads', async () => {
    const r = await glm(['run', '--input-source', file('bad-utf8.txt', bad)]);
    expectError(r, 3, 'bad-utf8.txt: invalid UTF-8 at line 2, byte offset 12 (byte 2 of the line: 0xff)');
    expectNothingLoaded(r);
  });

  it('on stdin (a real process): the queries before it are answered, then line and byte offset (exit 3)', () => {
    const r = spawnSync(process.execPath, [resolve('bin/glm.js'), 'run', '--model', 'tiny-random', '--top-k', '1', '--out-seq-length', '16'], {
      input: Buffer.concat([Buffer.from('Hello [MASK]\r\nab'), Buffer.from([0xff]), Buffer.from('cd\n')]), encoding: 'utf8',
    });
    expect(r.status).toBe(3);
    expect(r.stdout.split('\n')[0]).toMatch(/^Hello /);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('glm: error: stdin: invalid UTF-8 at line 2, byte offset 16 (byte 2 of the line: 0xff)');
  });

  it('in a task YAML and in a jsonl data file', async () => {
    mkdirSync(join(work, 'utf8-task'), { recursive: true });
    const before = 'name: x\ntype: mul\npath: .\nfile-pattern: "*.jsonl"\n# caf';
    writeFileSync(join(work, 'utf8-task', 'task.yaml'), Uint8Array.from([...Buffer.from(before), 0xc3, 0x28, 0x0a])); // 0xc3 then no continuation byte
    expectError(await glm(['evaluate', join(work, 'utf8-task', 'task.yaml')]), 3, `invalid UTF-8 at line 5, byte offset ${before.length} (byte 5 of the line: 0xc3)`);
    mkdirSync(join(work, 'utf8-data'), { recursive: true });
    writeFileSync(join(work, 'utf8-data', 'task.yaml'), 'name: x\ntype: mul\npath: .\nfile-pattern: "*.jsonl"\n');
    const line = '{"inputs_pretokenized": "q", "choices_pretokenized": ["a", "b"], "label": 0}\n';
    writeFileSync(join(work, 'utf8-data', 'd.jsonl'), Uint8Array.from([...Buffer.from(line + line.slice(0, 10)), 0xe2, 0x82, ...Buffer.from(line.slice(10))]));
    expectError(await glm(['evaluate', join(work, 'utf8-data')]), 3, `d.jsonl: invalid UTF-8 at line 2, byte offset ${line.length + 10}`);
  });
});

describe('--temperature 1e-38', () => {
  it('gives greedy decoding on the default model (the limit T → 0), with sampling and top-k/top-p on', async () => {
    const greedy = await glm(['run', '--input-source', query, '--out-seq-length', '48', '--top-k', '1']);
    expect(greedy.code).toBe(0);
    for (const extra of [[], ['--top-p', '0'], ['--top-k', '5', '--top-p', '0.9']]) {
      const r = await glm(['run', '--input-source', query, '--out-seq-length', '48', '--temperature', '1e-38', ...extra]);
      expect(r.code, r.stderr.join('\n')).toBe(0);
      expect(r.stdout).toBe(greedy.stdout);
    }
    // A sampling temperature does differ from greedy here (the comparison can fail).
    expect((await glm(['run', '--input-source', query, '--out-seq-length', '48', '--temperature', '3', '--top-p', '0'])).stdout).not.toBe(greedy.stdout);
  }, 60_000);
});

describe('output and report paths are checked before any work', () => {
  it('glm run --output-path: a file in the way, earlier outputs without --overwrite, a missing parent', async () => {
    const existing = file('out-file', 'x');
    expectError(await glm(['run', '--input-source', query, '--output-path', existing]), 2, 'is a file, not a folder');
    const dir = join(work, 'out-dir');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'query-0001.txt'), 'old\n');
    const refused = await glm(['run', '--input-source', query, '--output-path', dir, '--top-k', '1']);
    expectError(refused, 2, 'holds 1 earlier output file(s) such as query-0001.txt (--overwrite replaces them)');
    expectNothingLoaded(refused);
    const replaced = await glm(['run', '--input-source', query, '--output-path', dir, '--top-k', '1', '--overwrite']);
    expect(replaced.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['query-0001.txt', 'query-0002.txt']);
    const nested = join(work, 'new-a', 'new-b');
    expect((await glm(['run', '--input-source', query, '--output-path', nested, '--top-k', '1', '--model', 'tiny-random'])).code).toBe(0);
    expect(readdirSync(nested).length).toBe(2);
    expectError(await glm(['run', '--input-source', query, '--output-path', join(existing, 'sub')]), 2, 'is not a folder');
  }, 60_000);

  it('glm evaluate --json: exists → refused before the model loads unless --overwrite; missing folder refused', async () => {
    const json = file('results.json', '{}');
    const r = await glm(['evaluate', resolve('tasks'), '--json', json]);
    expectError(r, 2, `--json ${json}: the file exists (--overwrite replaces it)`);
    expectNothingLoaded(r);
    expectError(await glm(['evaluate', resolve('tasks'), '--json', join(work, 'no-such-dir', 'r.json')]), 2, 'does not exist');
    expectError(await glm(['evaluate', resolve('tasks'), '--json', work]), 2, 'is a folder, not a file');
  });

  it('glm conformance --report/--junit/--markdown: refused before the first case runs', async () => {
    const report = file('report.json', '{}');
    const r = await glm(['conformance', '--filter', 'op/scale/f32', '--report', report]);
    expectError(r, 2, `--report ${report}: the file exists`);
    expect(r.stderr.join('\n')).not.toContain('cases on backend');
    expectError(await glm(['conformance', '--filter', 'op/scale/f32', '--junit', join(work, 'missing', 'j.xml')]), 2, '--junit');
    expectError(await glm(['conformance', '--filter', 'op/scale/f32', '--markdown', work]), 2, 'is a folder, not a file');
    const ok = await glm(['conformance', '--case', 'op/scale/f32/1-by-0.125', '--report', report, '--overwrite']);
    expect(ok.stderr.join('\n')).not.toContain('glm: error');
    expect(ok.code).toBe(0);
  });
});

describe('flag values', () => {
  it('negative values reach the range check instead of parseArgs\' "ambiguous"', async () => {
    expectError(await glm(['run', '--seed', '-1']), 2, '--seed must be an integer >= 0, got "-1"');
    expectError(await glm(['run', '--top-p', '-0.5']), 2, '--top-p must be in [0, 1], got "-0.5"');
    expectError(await glm(['run', '--temperature', '-2']), 2, '--temperature must be a number > 0, got "-2"');
    expectError(await glm(['run', '--top-k', '-3']), 2, '--top-k must be an integer >= 0, got "-3"');
    expectError(await glm(['run', '--output-path', '--top-k']), 2, /--output-path needs a value; a value that starts with "-" must be written --output-path=VALUE/);
    expectError(await glm(['run', '--input-source']), 2, '--input-source needs a value');
  });

  it('ranges: beams, lengths, temperatures', async () => {
    expectError(await glm(['run', '--sampling-strategy', 'BeamSearchStrategy', '--num-beams', '100000']), 2, '--num-beams must be an integer in [1, 256], got "100000"');
    expectError(await glm(['run', '--temperature', '0']), 2, '--temperature must be a number > 0');
    expectError(await glm(['run', '--temperature', 'Infinity']), 2, '--temperature must be a number > 0');
    expectError(await glm(['run', '--out-seq-length', '1']), 2, '--out-seq-length must be an integer >= 2');
    expectError(await glm(['run', '--length-penalty', 'NaN', '--sampling-strategy', 'BeamSearchStrategy']), 2, '--length-penalty must be a finite number');
  });

  it('the release\'s underscore spellings are the same flags (--top_k, --out_seq_length=N)', async () => {
    const dashed = await glm(['run', '--model', 'tiny-random', '--input-source', query, '--top-k', '1', '--out-seq-length', '48']);
    const release = await glm(['run', '--model', 'tiny-random', '--input_source', query, '--top_k', '1', '--out_seq_length=48']);
    expect(release.code, release.stderr.join('\n')).toBe(0);
    expect(release.stdout).toBe(dashed.stdout);
    expectError(await glm(['run', '--top_k', '-1']), 2, '--top-k must be an integer >= 0');
    expectError(await glm(['run', '--no_such_flag']), 2, "Unknown option '--no_such_flag'");
  });
});

describe('task YAML keys', () => {
  const data = '{"inputs_pretokenized": "a b", "targets_pretokenized": ["c"]}\n';

  it('dashed spellings are the underscore keys; an unknown key is named; two spellings of one key are refused', async () => {
    const { loadTaskConfig } = await import('../../core/evaluate/task-config.js');
    mkdirSync(join(work, 'yaml'), { recursive: true });
    writeFileSync(join(work, 'yaml', 'd.jsonl'), data);
    const task = (name: string, body: string) => file(join('yaml', name), `name: t\ntype: lm\npath: .\nfile-pattern: "*.jsonl"\n${body}`);
    const dashed = await loadTaskConfig(task('dashed.yaml', 'generation-length: 7\nmax-seq-length: 99\nmicro-batch-size: 2\n'));
    expect([dashed.generationLength, dashed.maxSeqLength, dashed.microBatchSize]).toEqual([7, 99, 2]);
    const underscored = await loadTaskConfig(file(join('yaml', 'under.yaml'), 'name: t\ntype: lm\npath: .\nfile_pattern: "*.jsonl"\ngeneration_length: 7\n'));
    expect(underscored.filePattern).toEqual({ test: '*.jsonl' });
    expect(underscored.generationLength).toBe(7);
    await expect(loadTaskConfig(task('unknown.yaml', 'generation_lenght: 7\n'))).rejects.toThrow(/unknown key "generation_lenght" \(known: name, type/);
    await expect(loadTaskConfig(task('twice.yaml', 'generation_length: 7\ngeneration-length: 8\n'))).rejects.toThrow(/"generation_length" and "generation-length" are the same key/);
    // Found by the fuzzer (docs/reliability.md): a YAML alias cycle in a field's value was exit 70 (JSON.stringify threw).
    await expect(loadTaskConfig(task('cycle.yaml', 'metrics: &m [*m]\n'))).rejects.toThrow(/"metrics" must be a list of Accuracy, EM, F1, PPL, got a value that contains itself \(a YAML alias cycle\)/);
    // The release's `module` (its Python class) is read and not used.
    expect((await loadTaskConfig(task('module.yaml', 'module: tasks.lm.LM\n'))).name).toBe('t');
    expectError(await glm(['evaluate', join(work, 'yaml', 'unknown.yaml')]), 3, 'unknown key "generation_lenght"');
  });
});

describe('the strict-mode refusal', () => {
  it('is one summary line (count, ops, first reason); --explain lists every node', async () => {
    const cpuRefModule = resolve('dist/backends/cpu-ref/index.js');
    const partial = file('partial-plugin.mjs', `
import { plugin as cpuRef } from ${JSON.stringify(cpuRefModule)};
export default {
  name: 'partial', apiVersion: 1, description: 'cpu-ref without layer-norm or gelu',
  probe: async () => ({ available: true, device: 'test', execution: 'emulator' }),
  async open() {
    const inner = await cpuRef.open();
    const missing = ['layer-norm', 'gelu', 'geglu', 'bias-geglu'];
    return { ...inner, name: 'partial', execution: 'emulator',
      supports: (v) => missing.includes(v.node.op) ? { supported: false, reason: 'no ' + v.node.op + ' kernel in this test backend' } : inner.supports(v) };
  },
};`);
    const refused = await glm(['run', '--backend', partial, '--input-source', query, '--top-k', '1']);
    expectError(refused, 5, /^glm: error: backend "partial" cannot run (\d+) node\(s\), and no decomposition makes them runnable — ops layer-norm ×\d+, gelu ×\d+; first: \S+ \(layer-norm\): no layer-norm kernel in this test backend \(--explain lists all \d+\)$/);
    const line = refused.stderr.find((l) => l.startsWith('glm: error:'))!;
    const count = Number(/cannot run (\d+) node/.exec(line)![1]);
    expect(count).toBeGreaterThan(4);
    expect(line.length).toBeLessThan(300);
    const explained = await glm(['run', '--backend', partial, '--input-source', query, '--top-k', '1', '--explain']);
    expect(explained.code).toBe(5);
    const listed = explained.stderr.filter((l) => l.startsWith('glm:   '));
    expect(listed).toHaveLength(count);
    expect(listed.every((l) => /^glm: {3}\S+ \((layer-norm|gelu)\): no (layer-norm|gelu) kernel in this test backend$/.test(l))).toBe(true);
  }, 60_000);
});
