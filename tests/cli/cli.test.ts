/** The `glm` command as a user runs it: the built bin, real processes, exit codes and one-line errors. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../core/io/safetensors.js';
import { TINY } from '../../core/models/glm/config.js';
import { randomWeights } from '../../core/models/glm/weights.js';
import { DEFAULT_MODEL_SEED } from '../../core/models/glm/load-model.js';
import { expectOneLineError } from '../support/one-line-error.js';

const BIN = resolve('bin/glm.js');
const work = mkdtempSync(join(tmpdir(), 'glm-cli-'));

function glm(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', cwd: work });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

describe('glm command', () => {
  it('prints help for the command and each subcommand', () => {
    const main = glm(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('run ');
    expect(main.stdout).toContain('backends ');
    for (const sub of ['run', 'backends']) {
      const r = glm([sub, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: glm ${sub}`));
    }
    expect(glm(['run', '--help']).stdout).toContain('--no-repeat-ngram-size');
    expect(glm([]).code).toBe(2);
  });

  it('gives one-line usage errors with exit code 2', () => {
    expectOneLineError(glm(['frobnicate']), 2, 'unknown command "frobnicate"');
    expectOneLineError(glm(['run', '--bogus']), 2, "Unknown option '--bogus'");
    expectOneLineError(glm(['run', '--top-p', '2']), 2, '--top-p must be in [0, 1], got "2"');
    expectOneLineError(glm(['run', '--num-beams', '0', '--sampling-strategy', 'BeamSearchStrategy']), 2, '--num-beams must be an integer in [1, 256], got "0"');
    expectOneLineError(glm(['run', '--sampling-strategy', 'Greedy']), 2, '--sampling-strategy must be one of BaseStrategy, BeamSearchStrategy');
    expectOneLineError(glm(['run', '--dtype', 'f64']), 2, '--dtype must be one of f32, f16, bf16');
    expectOneLineError(glm(['run', '--out-seq-length', '100000', '--input-source', file('q0.txt', 'hi\n')]), 2, 'exceeds the model\'s maximum sequence length 512');
  });

  it('reports bad input files (exit 3) and unknown backends (exit 6)', () => {
    expectOneLineError(glm(['run', '--input-source', join(work, 'missing.txt')]), 3, 'cannot read --input-source');
    expectOneLineError(glm(['run', '--model', join(work, 'no-model')]), 3, 'cannot read model config');
    mkdirSync(join(work, 'badjson'), { recursive: true });
    writeFileSync(join(work, 'badjson', 'config.json'), '{"numLayers": 2,');
    expectOneLineError(glm(['run', '--model', join(work, 'badjson')]), 3, 'config.json: not valid JSON');
    mkdirSync(join(work, 'badconfig'), { recursive: true });
    writeFileSync(join(work, 'badconfig', 'config.json'), JSON.stringify({ ...TINY, numHeads: 5 }));
    expectOneLineError(glm(['run', '--model', join(work, 'badconfig')]), 3, 'hiddenSize 64 is not a multiple of numHeads 5');
    mkdirSync(join(work, 'truncated'), { recursive: true });
    writeFileSync(join(work, 'truncated', 'config.json'), JSON.stringify(TINY));
    writeFileSync(join(work, 'truncated', 'model.safetensors'), new Uint8Array([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    expectOneLineError(glm(['run', '--model', join(work, 'truncated')]), 3, 'model.safetensors');
    expectOneLineError(glm(['run', '--backend', 'nope']), 6, 'unknown backend "nope"');
    // No GPU here: either the addon is not built or there is no driver; either way a named reason.
    const cuda = glm(['run', '--backend', 'cuda']);
    expectOneLineError(cuda, 6, 'backend "cuda" is ');
    expect(cuda.stderr).toMatch(/backend "cuda" is (unavailable: \S|not part of this build)/);
  });

  it('glm backends lists cpu-ref as available and the others with a reason', () => {
    const r = glm(['backends']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cpu-ref\s+available\s+reference/m);
    for (const name of ['cuda', 'rocm-dcu']) expect(r.stdout).toMatch(new RegExp(`^${name}\\s+unavailable\\s+\\S`, 'm'));
    // sunway runs on its athread emulator once its addon is built (npm run build:sunway), and says so.
    expect(r.stdout).toMatch(/^sunway\s+(unavailable\s+\S|available\s+emulator\s+— emulator \(SW26010(-Pro)? model\), kernels compiled with )/m);
    // ascend runs on its emulator once that is built (npm run build:ascend-emu), and says so.
    expect(r.stdout).toMatch(/^ascend\s+(unavailable\s+\S|available\s+(emulator\s+— emulator \(|hardware\s+— CANN ))/m);
  });

  it('runs greedy generation from a file, prints the best answer and writes one file per query atomically', () => {
    const queries = file('queries.txt', 'Hello [MASK] world\n\n[gMASK] abc\n');
    const out = join(work, 'out');
    const r = glm(['run', '--input-source', queries, '--top-k', '1', '--out-seq-length', '48', '--output-path', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('results from the CPU reference');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.startsWith('Hello')).toBe(true); // the blank is spliced in between
    expect(lines[0]!.endsWith('world')).toBe(true);
    expect(lines[1]!.endsWith('abc')).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['query-0001.txt', 'query-0002.txt']);
    expect(readFileSync(join(out, 'query-0001.txt'), 'utf8')).toBe(`${lines[0]}\n`);
    // Greedy decoding is deterministic: a second run prints the same.
    expect(glm(['run', '--input-source', queries, '--top-k', '1', '--out-seq-length', '48']).stdout).toBe(r.stdout);
  });

  it('reads interactive queries from stdin until "stop", and beam search prints every beam on request', () => {
    const r = glm(['run', '--sampling-strategy', 'BeamSearchStrategy', '--num-beams', '3', '--print-all-beams', '--out-seq-length', '24'], 'abc\nstop\nnot read\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('query 1: 3 beam(s)');
    expect(r.stderr).not.toContain('query 2');
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(3);
  });

  it('loads a model folder; the tiny-random weights saved to a folder give the same output', async () => {
    const folder = join(work, 'tiny-folder');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...TINY, tokenizer: 'bytes' }));
    await writeSafetensors(join(folder, 'model.safetensors'), randomWeights(TINY, 'f32', DEFAULT_MODEL_SEED));
    const queries = file('q.txt', 'The [MASK] sat\n');
    const fromFolder = glm(['run', '--model', folder, '--input-source', queries, '--top-k', '1', '--out-seq-length', '32']);
    const builtin = glm(['run', '--model', 'tiny-random', '--input-source', queries, '--top-k', '1', '--out-seq-length', '32']);
    expect(fromFolder.code).toBe(0);
    expect(fromFolder.stdout).toBe(builtin.stdout);
  });
});

describe('docs/ops.md', () => {
  it('is exactly what `glm ops --markdown` prints from the catalogue', () => {
    const r = glm(['ops', '--markdown']);
    expect(r.code).toBe(0);
    expect(readFileSync(resolve('docs/ops.md'), 'utf8')).toBe(r.stdout);
  });
});

describe('glm conformance', () => {
  it('runs a selection on cpu-ref and writes JSON, JUnit and Markdown reports', () => {
    const json = join(work, 'c.json');
    const xml = join(work, 'c.xml');
    const md = join(work, 'c.md');
    const r = glm(['conformance', '--backend', 'cpu-ref', '--filter', 'op/softmax/f16/1x17-*,op/masked-fill/f32/4x9*', '--report', json, '--junit', xml, '--markdown', md]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^total\s+4\s+0\s+0\s+0\s+0\s+1$/m); // 2 softmax + 3 masked-fill, the all-masked one mistrusted
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.execution).toBe('reference');
    expect(report.results).toHaveLength(5);
    expect(readFileSync(xml, 'utf8')).toContain('<testsuites name="glm conformance: cpu-ref (reference)" tests="5" failures="0" skipped="1"');
    expect(readFileSync(md, 'utf8')).toContain('| op: softmax | 2/2 |');
  });

  it('reports the skeleton plugin all-unsupported and exits 0; a bad selection is a usage error', () => {
    const r = glm(['conformance', '--backend', resolve('dist/backends/skeleton/index.js'), '--case', 'op/gelu/f32/17-none']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^total\s+0\s+0\s+1\s/m);
    expect(r.stderr).toContain('results from EMULATOR');
    expectOneLineError(glm(['conformance', '--filter', 'no-such-case']), 2, 'no conformance case matches the selection');
  });
});

describe('glm conformance --baseline / --write-baseline / --verify', () => {
  const filter = 'op/gelu/f32/*';
  const base = join(work, 'gelu-base.json');
  const written = join(work, 'gelu-written.json');
  const first = glm(['conformance', '--backend', 'cpu-ref', '--filter', filter, '--report', base, '--write-baseline', written]);
  const edit = (name: string, change: (report: { results: Record<string, unknown>[] }) => void) => {
    const report = JSON.parse(readFileSync(base, 'utf8'));
    change(report);
    return file(name, JSON.stringify(report));
  };

  it('records the suite identity and passes against its own baseline', () => {
    expect(first.code).toBe(0);
    const report = JSON.parse(readFileSync(base, 'utf8'));
    expect(report.identity.suite.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(report.identity).toMatchObject({ selection: { filter }, sdkVersion: report.version, execution: 'reference' });
    expect(report.identity.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(JSON.parse(readFileSync(written, 'utf8')).identity).toEqual(report.identity);
    const r = glm(['conformance', '--backend', 'cpu-ref', '--filter', filter, '--baseline', written, '--strict']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no regressions against the baseline');
  });

  it('exits 1 with a table when a baseline case disappeared; a baseline case flipped to fail is an improvement', () => {
    const mutated = edit('gelu-mutated.json', (rep) => {
      rep.results[0]!.id = 'op/gelu/f32/no-longer-here';
      rep.results[1]!.status = 'fail';
    });
    const r = glm(['conformance', '--backend', 'cpu-ref', '--filter', filter, '--baseline', mutated]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/REGRESSIONS \(1\):\n\s+op\/gelu\/f32\/no-longer-here\s+pass → \(disappeared\)/);
    expect(r.stdout).toMatch(/improvements \(1\):/);
    expect(r.stdout).toMatch(/new cases \(1\):/);
  });

  it('fails a backend whose cases went from pass to unsupported', () => {
    const r = glm(['conformance', '--backend', resolve('dist/backends/skeleton/index.js'), '--case', 'op/gelu/f32/17-none', '--baseline', base]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/op\/gelu\/f32\/17-none\s+pass → unsupported/);
  });

  it('checks the baseline before opening any backend: missing or malformed is one line, exit 3', () => {
    expectOneLineError(glm(['conformance', '--backend', 'no-such-backend', '--filter', filter, '--baseline', join(work, 'missing.json')]), 3, 'missing.json: no such file');
    expectOneLineError(glm(['conformance', '--backend', 'no-such-backend', '--filter', filter, '--baseline', file('garbage.json', '{"tool": 1')]), 3, 'cannot use report');
    expectOneLineError(glm(['conformance', '--filter', filter, '--strict']), 2, '--strict needs --baseline');
  });

  it('--verify accepts the report, names an edited tolerance, and calls old reports unverifiable', () => {
    const ok = glm(['conformance', '--verify', base]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('produced by this suite');
    const edited = edit('gelu-edited.json', (rep) => {
      (rep.results[3]!.tolerance as { worstEps: number }).worstEps *= 10;
    });
    const bad = glm(['conformance', '--verify', edited]);
    expect(bad.code).toBe(1);
    const id = JSON.parse(readFileSync(base, 'utf8')).results[3].id;
    expect(bad.stdout).toContain(`different tolerance (1):\n    ${id}: report`);
    const old = edit('gelu-old.json', (rep) => {
      delete (rep as { identity?: unknown }).identity;
    });
    const r = glm(['conformance', '--verify', old]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim()).toBe(`${old}: unverifiable: made before suite identities`);
  });

  it('documents the flags in --help', () => {
    const help = glm(['conformance', '--help']).stdout;
    for (const flag of ['--baseline', '--strict', '--write-baseline', '--verify']) expect(help).toContain(flag);
  });
});

describe('glm evaluate', () => {
  it('needs tasks, and reports malformed task files and data in one line', () => {
    expectOneLineError(glm(['evaluate']), 2, 'glm evaluate needs at least one task YAML file or folder');
    expectOneLineError(glm(['evaluate', join(work, 'nothing-here')]), 3, 'no task file or folder at');
    const bad = file('bad-task.yaml', 'name: t\ntype: mul\npath: data\nfile-pattern: "*.jsonl"\n');
    mkdirSync(join(work, 'data'), { recursive: true });
    writeFileSync(join(work, 'data', 'x.jsonl'), '{"inputs_pretokenized": "a [MASK]", "choices_pretokenized": ["b", "c"], "label": 5}\n');
    expectOneLineError(glm(['evaluate', bad]), 3, 'x.jsonl:1: "label" must index the choices (0..1)');
  });

  it('prints each file\'s metric and the group summary like the release', () => {
    const task = file('ok-task.yaml', 'name: tiny-mc\ntype: mul\npath: ok\nfile-pattern:\n  dev: "*.jsonl"\n');
    mkdirSync(join(work, 'ok'), { recursive: true });
    writeFileSync(join(work, 'ok', 'a.jsonl'), '{"inputs_pretokenized": "one [MASK] three", "choices_pretokenized": [" two", " xyz"], "label": 0}\n');
    writeFileSync(join(work, 'ok', 'b.jsonl'), '{"inputs_pretokenized": "red [MASK] blue", "choices_pretokenized": [" dog", " green"], "label": 1}\n{"inputs_pretokenized": "x [MASK]", "choices_pretokenized": [" y", " z"], "label": 0}\n');
    const r = glm(['evaluate', task, '--json', join(work, 'eval.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^  Finish a\.jsonl, Accuracy = (0|100)\.000 \(chance 50\.000\)$/m);
    expect(r.stdout).toMatch(/^    Group dev Accuracy: max = \d+\.\d{3}, median = \d+\.\d{3}, average = \d+\.\d{3}$/m);
    const json = JSON.parse(readFileSync(join(work, 'eval.json'), 'utf8'));
    const [a, b] = json.results[0].files;
    const group = json.results[0].groups[0];
    expect(group.average).toBeCloseTo((a.metrics.Accuracy * 1 + b.metrics.Accuracy * 2) / 3, 9); // weighted by samples
  });
});

describe('glm run on the default model', () => {
  it('uses glm-tiny and reproduces the PyTorch golden greedy continuation', () => {
    const golden = JSON.parse(readFileSync(resolve('models/glm-tiny/golden.json'), 'utf8')) as { prompts: { text: string; greedy: { filled_text: string } }[] };
    const prompts = golden.prompts.filter((p) => !p.text.includes('\n')).slice(0, 3);
    const r = glm(['run', '--top-k', '1', '--out-seq-length', '256'], prompts.map((p) => p.text).join('\n') + '\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('model glm-tiny from');
    expect(r.stdout.trimEnd().split('\n')).toEqual(prompts.map((p) => p.greedy.filled_text));
  });
});

describe('--allow-cpu-fallback', () => {
  it('is refused without the flag and printed with it; results equal cpu-ref', () => {
    const cpuRefModule = resolve('dist/backends/cpu-ref/index.js');
    const partial = file('partial-plugin.mjs', `
import { plugin as cpuRef } from ${JSON.stringify(cpuRefModule)};
export default {
  name: 'partial', apiVersion: 1, description: 'cpu-ref without gelu, geglu or bias-geglu',
  probe: async () => ({ available: true, device: 'test', execution: 'emulator' }),
  async open() {
    const inner = await cpuRef.open();
    const missing = ['gelu', 'geglu', 'bias-geglu'];
    return { ...inner, name: 'partial', execution: 'emulator',
      supports: (v) => missing.includes(v.node.op) ? { supported: false, reason: 'no ' + v.node.op + ' kernel' } : inner.supports(v) };
  },
};`);
    const query = file('fallback-q.txt', 'The early bird catches the [MASK].\n');
    expectOneLineError(glm(['run', '--backend', partial, '--input-source', query, '--top-k', '1']), 5, 'backend "partial" cannot run 4 node(s)');
    const r = glm(['run', '--backend', partial, '--allow-cpu-fallback', '--input-source', query, '--top-k', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('results from an EMULATOR');
    expect(r.stderr).toMatch(/CPU FALLBACK \(--allow-cpu-fallback\): 4 node\(s\) run on cpu-ref, \d+ on partial, in \d+ segments; ops on cpu-ref: gelu/);
    expect(r.stderr).toContain('layers.0.bias_geglu.geglu.gelu (gelu) on cpu-ref: no gelu kernel');
    expect(r.stdout).toBe(glm(['run', '--input-source', query, '--top-k', '1']).stdout);
  });
});
