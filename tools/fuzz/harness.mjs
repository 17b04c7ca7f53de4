/**
 * The fuzz harness of the `glm` command (docs/reliability.md). Each run builds one input — a random
 * or mutated argument vector, YAML task, jsonl dataset, safetensors header, tokenizer model file or
 * prompt — runs the real `glm` on it (in-process through runCli for speed, every Nth run as a real
 * subprocess of bin/glm.js), and records the exit code. A crash is exit 70 (an error that is not a
 * GlmError: a bug), a signal, an error printed on more than one line, or a stack trace on stderr; a
 * run past the time limit is a hang. Everything is derived from the seed, so a crash is replayed by its seed and run index.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// ---- seeded randomness (mulberry32: small, fast, the same on every machine) ----
export function makeRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  return { next, int, pick, chance: (p) => next() < p };
}

/** Byte-level mutations: flip, insert, delete, duplicate a slice, truncate, splice in an "interesting" byte. */
export function mutateBytes(rnd, bytes, rounds = 1 + rnd.int(4), kinds = 6) {
  let b = Uint8Array.from(bytes);
  for (let r = 0; r < rounds; r++) {
    const at = b.length === 0 ? 0 : rnd.int(b.length);
    switch (rnd.int(kinds)) {
      case 0: if (b.length) b[at] ^= 1 << rnd.int(8); break;
      case 1: b = concat(b.subarray(0, at), Uint8Array.of(rnd.pick([0, 0xff, 0x80, 0xc3, 0xed, 0xf4, 0x7b, 0x22, 0x0a, rnd.int(256)])), b.subarray(at)); break;
      case 2: b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rnd.int(16)))); break;
      case 3: { const end = Math.min(b.length, at + 1 + rnd.int(64)); b = concat(b.subarray(0, end), b.subarray(at, end), b.subarray(end)); break; }
      case 4: b = b.subarray(0, at); break;
      default: if (b.length) b[at] = rnd.pick([0, 0xff, 0x7f, 0x80, 0x30, 0x2d, 0x39]);
    }
  }
  return b;
}

/** In-place changes only (flip or set a byte): the file keeps its length and framing, so parsers get past the first check. */
export function flipBytes(rnd, bytes, rounds) {
  const b = Uint8Array.from(bytes);
  for (let r = 0; r < rounds; r++) {
    const at = rnd.int(b.length);
    if (rnd.chance(0.5)) b[at] ^= 1 << rnd.int(8);
    else b[at] = rnd.pick([0, 0xff, 0x7f, 0x80, 0xc3, 0xed, 0x30, 0x2d]);
  }
  return b;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
}

const enc = (s) => new TextEncoder().encode(s);

// ---- values and flags ----
const NUMBERS = ['0', '1', '2', '-1', '-0', '3.5', '1e-38', '1e-45', '1e309', 'NaN', 'Infinity', '-Infinity', '0x10', '99999999999999999999', '256', '257', '511', '512', '513', '', ' ', 'abc', '1_000', '٣'];
const FLAGS = {
  run: ['--backend', '--model', '--dtype', '--allow-cpu-fallback', '--input-source', '--output-path', '--overwrite', '--out-seq-length', '--min-gen-length', '--sampling-strategy', '--num-beams', '--length-penalty', '--no-repeat-ngram-size', '--print-all-beams', '--top-k', '--top-p', '--temperature', '--seed', '--explain', '--quantization-bit-width', '--from-quantized-checkpoint'],
  evaluate: ['--backend', '--model', '--dtype', '--json', '--overwrite', '--allow-cpu-fallback', '--explain'],
  conformance: ['--backend', '--filter', '--case', '--list', '--report', '--junit', '--markdown', '--perf-runs', '--expected-failures', '--matrix', '--baseline', '--strict', '--verify', '--overwrite'],
  backends: ['--backend', '--json'],
  ops: ['--markdown'],
};
const WORDS = ['BaseStrategy', 'BeamSearchStrategy', 'f32', 'f16', 'bf16', 'i4', 'cpu-ref', 'cuda', 'nope', './nope.js', 'tiny-random', 'default', 'interactive', '8', '4', 'op/scale/*', 'op/scale/f32/1-by-0.125'];

/** One argument value: a number, a word, a path (existing, missing, a folder), or junk. */
function value(rnd, ctx) {
  switch (rnd.int(5)) {
    case 0: return rnd.pick(NUMBERS);
    case 1: return rnd.pick(WORDS);
    case 2: return rnd.pick([ctx.promptFile, ctx.missing, ctx.work, ctx.taskFile, join(ctx.work, 'out', `o${rnd.int(1e6)}`), ctx.promptFile + '/x']);
    case 3: return '-' + rnd.pick(NUMBERS);
    default: return String.fromCharCode(...Array.from({ length: rnd.int(12) }, () => 32 + rnd.int(0x2000)));
  }
}

const OUTPUT_FLAGS = /^--+(output[-_]path|json|report|junit|markdown|write[-_]baseline|html)$/;

/** A random argument vector for one command; `run` always reads a file (interactive would wait for stdin). */
export function randomArgv(rnd, ctx) {
  const command = rnd.chance(0.05) ? rnd.pick(['frobnicate', '', '--help', 'help', 'run--x']) : rnd.pick(['run', 'run', 'run', 'evaluate', 'conformance', 'backends', 'ops']);
  const argv = [command];
  const flags = FLAGS[command] ?? ['--x'];
  for (let i = 0, n = rnd.int(6); i < n; i++) {
    let flag = rnd.pick(flags);
    if (rnd.chance(0.15)) flag = flag.replace(/-(?=[a-z])/g, (m, k) => (k > 1 ? '_' : m)); // the release's --top_k
    if (rnd.chance(0.05)) flag = rnd.pick(['--bogus', '-x', '--', '---top-k', '--top-k=']);
    // Files the command would write always go under the fuzz folder, never into the working tree.
    const v = OUTPUT_FLAGS.test(flag) ? rnd.pick([join(ctx.work, 'out', `o${rnd.int(1e6)}`), ctx.promptFile, ctx.work, ctx.missing, join(ctx.promptFile, 'x')]) : value(rnd, ctx);
    if (rnd.chance(0.2)) argv.push(`${flag}=${v}`);
    else argv.push(flag, ...(rnd.chance(0.85) ? [v] : []));
  }
  if (command === 'run') argv.push('--input-source', ctx.promptFile, '--model', rnd.chance(0.8) ? 'tiny-random' : 'default', '--out-seq-length', String(8 + rnd.int(40)));
  if (command === 'evaluate') argv.push(ctx.taskFile, '--model', 'tiny-random');
  if (command === 'conformance' && !argv.includes('--matrix') && !argv.includes('--verify')) argv.push('--filter', 'op/scale/f32/1-by-0.125');
  if (argv.includes('--num-beams') || argv.includes('--num_beams')) argv.push('--num-beams', String(1 + rnd.int(4)));
  return argv;
}

// ---- files ----
const VALID_TASK = 'name: fuzz\ntype: mul\npath: .\nfile-pattern: "*.jsonl"\nmax_seq_length: 64\n';
const TASK_LINES = ['type: gen', 'type: lm', 'type: nope', 'generation-length: 3', 'max_gen_length: 0', 'max-gen-length: 4', 'num_beams: -1', 'metrics: [EM, F1]', 'metrics: Accuracy', 'file-pattern: {test: "*.jsonl", dev: "d*.jsonl"}', 'file_pattern: "*.jsonl"', 'path: ../../..', 'path: []', 'micro_batch_size: 1e9', 'sampling_strategy: BeamSearchStrategy', 'bogus_key: 1', 'module: x.y', 'a: &a [*a]', 'x: &x "lol"\ny: [*x, *x, *x, *x]', '- list', '{', ': :', 'name: [1, 2]', 'unidirectional: yes', 'use_task_mask: true', 'max_seq_length: 2', 'max_seq_length: 3', 'metrics: &m [*m]', 'name: &n [*n]', 'file-pattern: &f {test: *f}', 'length_penalty: .nan', 'num_beams: .inf', 'max_gen_length: 0x7fffffffffffffff', 'label: !!binary aGVsbG8=', 'name: !!js/function "f"', 'path: "\\0"', 'type: !!str mul\ntype: gen'];

export function randomTask(rnd) {
  let text = VALID_TASK;
  for (let i = 0, n = 1 + rnd.int(3); i < n; i++) text += rnd.pick(TASK_LINES) + '\n';
  const bytes = enc(text);
  return rnd.chance(0.3) ? mutateBytes(rnd, bytes) : bytes;
}

const SAMPLE = { inputs_pretokenized: 'The cat sat on the', choices_pretokenized: ['mat', 'moon'], targets_pretokenized: ['mat'], label: 0 };
export function randomDataset(rnd) {
  const lines = [];
  for (let i = 0, n = 1 + rnd.int(3); i < n; i++) {
    const s = { ...SAMPLE };
    switch (rnd.int(9)) {
      case 0: s.label = rnd.pick([-1, 2, 1.5, '0', null, 1e300]); break;
      case 1: s.choices_pretokenized = rnd.pick([[], ['a'], 'mat', [1, 2], [['x']], ['', '']]); break;
      case 2: s.inputs_pretokenized = rnd.pick(['', '[MASK]'.repeat(50), 'x'.repeat(70000), '\u0000\uffff', 7, null]); break;
      case 3: lines.push(rnd.pick(['[]', '5', 'null', '"s"', '{', '{"a":1}', '', '   '])); continue;
      case 4: s.targets_pretokenized = rnd.pick([[], '', [''], 5]); break;
      default:
    }
    lines.push(JSON.stringify(s));
  }
  const bytes = enc(lines.join('\n') + '\n');
  return rnd.chance(0.3) ? mutateBytes(rnd, bytes) : bytes;
}

/** A safetensors file whose header (length prefix or JSON) or data is mutated. */
export function mutateSafetensors(rnd, file) {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength)));
  const data = file.subarray(8 + headerLength);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = rnd.pick(names);
  const t = header[name];
  switch (rnd.int(10)) {
    case 0: t.dtype = rnd.pick(['F64', 'I64', 'BOOL', 'F8_E4M3', 'X', 7, 'BF16', 'F16', 'I8']); break;
    case 1: t.shape = rnd.pick([[], [0], [-1], [1e18, 1e18], [2 ** 53], t.shape.concat([1]), t.shape.slice(1), 'x']); break;
    case 2: t.data_offsets = rnd.pick([[0, 0], [t.data_offsets[1], t.data_offsets[0]], [0, 2 ** 60], [-4, 4], [1.5, 8], null, [0]]); break;
    case 3: delete header[name]; break;
    case 4: header[`${name}.extra`] = { ...t }; break;
    case 5: header.__metadata__ = rnd.pick([5, { a: 1 }, { format: 'pt' }, []]); break;
    default: {
      const json = mutateBytes(rnd, enc(JSON.stringify(header)));
      const prefix = new Uint8Array(8);
      new DataView(prefix.buffer).setBigUint64(0, rnd.chance(0.3) ? BigInt(rnd.pick([0, 1, 2 ** 40, json.length + 9])) : BigInt(json.length), true);
      return rnd.chance(0.5) ? concat(prefix, json, data) : mutateBytes(rnd, concat(prefix, json, data).subarray(0, 4096 + rnd.int(4096)));
    }
  }
  const json = enc(JSON.stringify(header));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  return concat(prefix, json, data);
}

const PROMPT_PIECES = ['The capital of France is [MASK].', '[gMASK]', '[sMASK]', '[MASK][MASK][MASK]', '[sop]', '[eop]', '中文 [MASK] 测试', '\t\u0000\u001b[31m', '\ud83d\ude00', 'x'.repeat(600), '[MASK', 'MASK]', '   ', 'stop', '\u202e\u200b'];
export function randomPrompt(rnd) {
  const lines = [];
  for (let i = 0, n = 1 + rnd.int(3); i < n; i++) {
    let line = '';
    for (let j = 0, m = 1 + rnd.int(4); j < m; j++) line += rnd.pick(PROMPT_PIECES);
    lines.push(line);
  }
  const bytes = enc(lines.join(rnd.pick(['\n', '\r\n'])) + '\n');
  return rnd.chance(0.25) ? mutateBytes(rnd, bytes) : bytes;
}

// ---- running ----
/**
 * Run `glm argv` in this process with output silenced; the exit code and the error lines. `runCli`
 * is cli/main.ts's (from dist/ or the sources).
 */
async function inProcess(runCli, argv, timeoutMs) {
  const errors = [];
  const saved = { log: console.log, error: console.error, info: console.info, warn: console.warn, out: process.stdout.write, err: process.stderr.write };
  console.log = console.info = console.warn = () => {};
  console.error = (...a) => void errors.push(a.join(' '));
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  let timer;
  try {
    const done = runCli(argv).then(() => Number(process.exitCode ?? 0));
    const hung = new Promise((r) => (timer = setTimeout(() => r('hang'), timeoutMs)));
    const code = await Promise.race([done, hung]);
    return { code, errors };
  } catch (e) {
    return { code: 'threw', errors: [...errors, String(e?.stack ?? e)] };
  } finally {
    clearTimeout(timer);
    process.exitCode = undefined;
    Object.assign(console, { log: saved.log, error: saved.error, info: saved.info, warn: saved.warn });
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
}

function subprocess(bin, argv, timeoutMs, cwd) {
  const r = spawnSync(process.execPath, [bin, ...argv], { input: '', encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 2 ** 20, cwd });
  const code = r.error?.code === 'ETIMEDOUT' ? 'hang' : r.signal ? `signal ${r.signal}` : r.status;
  return { code, errors: r.stderr.split('\n').filter((l) => l.trim() !== '') };
}

/** Files every run reads, made once per fuzz: a tiny model folder (bytes tokenizer), the glm-tiny tokenizer. */
export async function prepareFixtures(work, sdk) {
  mkdirSync(work, { recursive: true });
  const model = join(work, 'tiny-model');
  mkdirSync(model, { recursive: true });
  writeFileSync(join(model, 'config.json'), JSON.stringify({ ...sdk.TINY, tokenizer: 'bytes' }));
  await sdk.writeSafetensors(join(model, 'model.safetensors'), sdk.randomWeights(sdk.TINY, 'f32', 1234));
  return { tinySafetensors: readFileSync(join(model, 'model.safetensors')), spmModel: readFileSync(resolve(sdk.root, 'models/glm-tiny/tokenizer.model')), glmTinyConfig: readFileSync(resolve(sdk.root, 'models/glm-tiny/config.json'), 'utf8'), glmTinyWeights: resolve(sdk.root, 'models/glm-tiny/model.safetensors') };
}

const CLASSES = ['argv', 'yaml', 'jsonl', 'safetensors', 'tokenizer', 'prompt', 'config'];

const CONFIG_VALUES = [0, -1, 1, 2, 3, 7, 1e9, 2 ** 53, 0.5, NaN, 'x', '', null, true, [], {}, 'bytes', 'icetk', 'sentencepiece', '2d', '1d', 'none', 'int4', 'swiglu'];
/** The tiny model's config.json with 1–3 fields set to odd values (or the JSON text byte-mutated). */
export function randomConfig(rnd, config) {
  if (rnd.chance(0.2)) return mutateBytes(rnd, enc(JSON.stringify(config)));
  const c = { ...config };
  const keys = Object.keys(c);
  for (let i = 0, n = 1 + rnd.int(3); i < n; i++) {
    const key = rnd.chance(0.9) ? rnd.pick(keys) : rnd.pick(['bogus', 'quantization', 'tiedOutput', 'mlp']);
    if (rnd.chance(0.1)) delete c[key];
    else c[key] = rnd.pick(CONFIG_VALUES);
  }
  return enc(JSON.stringify(c));
}

/** Build the input of run `i` (its class rotates) and the argv that feeds it to glm. */
function buildCase(rnd, i, ctx, fixtures) {
  const c = buildInput(rnd, i, ctx, fixtures);
  return { ...c, dir: dirname(ctx.promptFile) };
}

function buildInput(rnd, i, ctx, fixtures) {
  const kind = CLASSES[i % CLASSES.length];
  const dir = join(ctx.work, `case-${i % 50}`);
  mkdirSync(dir, { recursive: true });
  ctx.taskFile = join(dir, 'task.yaml');
  writeFileSync(ctx.taskFile, enc(VALID_TASK));
  writeFileSync(join(dir, 'data.jsonl'), enc(JSON.stringify(SAMPLE) + '\n' + JSON.stringify({ ...SAMPLE, label: 1 }) + '\n'));
  ctx.promptFile = join(dir, 'prompts.txt');
  writeFileSync(ctx.promptFile, 'The [MASK] sat\n');
  switch (kind) {
    case 'argv':
      return { kind, argv: randomArgv(rnd, ctx) };
    case 'yaml':
      writeFileSync(ctx.taskFile, randomTask(rnd));
      return { kind, argv: ['evaluate', ctx.taskFile, '--model', 'tiny-random'] };
    case 'jsonl':
      writeFileSync(join(dir, 'data.jsonl'), randomDataset(rnd));
      return { kind, argv: ['evaluate', ctx.taskFile, '--model', 'tiny-random'] };
    case 'safetensors': {
      const model = join(dir, 'model');
      mkdirSync(model, { recursive: true });
      writeFileSync(join(model, 'config.json'), readFileSync(join(ctx.work, 'tiny-model', 'config.json')));
      writeFileSync(join(model, 'model.safetensors'), mutateSafetensors(rnd, fixtures.tinySafetensors));
      return { kind, argv: ['run', '--model', model, '--input-source', ctx.promptFile, '--top-k', '1', '--out-seq-length', '12'] };
    }
    case 'tokenizer': {
      const model = join(dir, 'spm-model');
      mkdirSync(model, { recursive: true });
      writeFileSync(join(model, 'config.json'), fixtures.glmTinyConfig);
      copyFileSync(fixtures.glmTinyWeights, join(model, 'model.safetensors'));
      writeFileSync(join(model, 'tokenizer.model'), rnd.chance(0.7) ? flipBytes(rnd, fixtures.spmModel, 1 + rnd.int(8)) : mutateBytes(rnd, fixtures.spmModel));
      return { kind, argv: ['run', '--model', model, '--input-source', ctx.promptFile, '--top-k', '1', '--out-seq-length', '12'] };
    }
    case 'config': {
      const model = join(dir, 'cfg-model');
      mkdirSync(model, { recursive: true });
      writeFileSync(join(model, 'config.json'), randomConfig(rnd, JSON.parse(readFileSync(join(ctx.work, 'tiny-model', 'config.json'), 'utf8'))));
      writeFileSync(join(model, 'model.safetensors'), fixtures.tinySafetensors);
      return { kind, argv: ['run', '--model', model, '--input-source', ctx.promptFile, '--top-k', '1', '--out-seq-length', '12'] };
    }
    default:
      writeFileSync(ctx.promptFile, randomPrompt(rnd));
      return { kind, argv: ['run', '--model', rnd.chance(0.5) ? 'tiny-random' : 'default', '--input-source', ctx.promptFile, '--top-k', '1', '--out-seq-length', String(4 + rnd.int(60))] };
  }
}

/**
 * `runs` cases from `seed`: every `subprocessEvery`-th through bin/glm.js, the rest in-process.
 * Returns counts per input class, exit codes seen, and each crash with what reproduces it.
 */
export async function fuzz({ seed, runs, runCli, bin, work, sdk, subprocessEvery = 25, timeoutMs = 30_000, onRun }) {
  const rnd = makeRandom(seed);
  const fixtures = await prepareFixtures(work, sdk);
  const ctx = { work, missing: join(work, 'missing', 'nothing.txt') };
  const perClass = Object.fromEntries(CLASSES.map((c) => [c, { runs: 0, codes: {} }]));
  const crashes = [];
  const hangs = [];
  for (let i = 0; i < runs; i++) {
    const c = buildCase(rnd, i, ctx, fixtures);
    const viaSubprocess = subprocessEvery > 0 && i % subprocessEvery === subprocessEvery - 1;
    const r = viaSubprocess ? subprocess(bin, c.argv, timeoutMs, work) : await inProcess(runCli, c.argv, timeoutMs);
    const stats = perClass[c.kind];
    stats.runs++;
    stats.codes[r.code] = (stats.codes[r.code] ?? 0) + 1;
    const errorLines = r.errors.filter((l) => l.startsWith('glm: error') || l.startsWith('glm: internal'));
    const multiLine = errorLines.length > 1 && !c.argv.includes('--explain');
    const stackTrace = r.errors.some((l) => /^\s+at .+:\d+:\d+\)?$/.test(l) || /^\w*Error: /.test(l));
    const crashed = r.code === 70 || r.code === 'threw' || String(r.code).startsWith('signal') || multiLine || stackTrace;
    if (crashed) {
      // The case folder is reused by later runs: keep a copy of the input that crashed.
      const kept = join(work, `crash-${i}`);
      cpSync(c.dir, kept, { recursive: true });
      crashes.push({ run: i, seed, kind: c.kind, subprocess: viaSubprocess, code: r.code, argv: c.argv, input: kept, error: r.errors.slice(-3).join(' | ').slice(0, 500) });
    }
    if (r.code === 'hang') hangs.push({ run: i, kind: c.kind, argv: c.argv });
    onRun?.(i, c, r);
  }
  const codes = {};
  for (const s of Object.values(perClass)) for (const [k, n] of Object.entries(s.codes)) codes[k] = (codes[k] ?? 0) + n;
  return { seed, runs, perClass, codes, crashes, hangs };
}
