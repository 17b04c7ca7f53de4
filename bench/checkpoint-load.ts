/**
 * Checkpoint-load throughput: a sharded safetensors model folder (random finite f16 weights, written
 * once) loaded by loadModelFolder from the page cache, against `cat FILES > /dev/null` on the same
 * files just before (the ceiling of reading them at all). The load runs in a child process so its
 * peak resident memory (maxRSS) is the load's own, to compare with the model's size.
 *
 *   node dist/bench/checkpoint-load.js [--dir DIR] [--layers N] [--keep]
 * Output: one JSON line (and a table for docs/bench/checkpoint-load.md).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { weightSpecs } from '../core/models/glm/weights-layout.js';
import { loadModelFolder } from '../core/models/glm/load-model.js';
import { writeSafetensors } from '../core/io/safetensors.js';
import { hostTensor, type HostTensor } from '../core/tensor/host-tensor.js';
import type { GlmConfig } from '../core/models/glm/config.js';

const SHARD_BYTES = 512e6;

function benchConfig(layers: number): GlmConfig {
  return {
    name: 'bench-4096', numLayers: layers, hiddenSize: 4096, numHeads: 32, ffnHiddenSize: 8192, vocabSize: 264, paddedVocabSize: 272,
    maxSequenceLength: 2048, layerNormEps: 1e-5, rotary: '1d', rotaryBase: 10000, mlp: 'geglu', tiedOutput: true, deepnormAlpha: Math.sqrt(2 * layers),
  };
}

/** Random f16 patterns with the exponent's top bit cleared: every value finite, |v| < 2. */
function randomF16(shape: readonly number[]): HostTensor {
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Uint16Array(count);
  for (let i = 0; i < count; i += 1 << 24) randomFillSync(data.subarray(i, Math.min(count, i + (1 << 24))));
  for (let i = 0; i < count; i++) data[i] = data[i]! & 0xbfff;
  return hostTensor('f16', shape, data);
}

async function writeFolder(dir: string, config: GlmConfig): Promise<string[]> {
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, tokenizer: 'bytes' }));
  const specs = weightSpecs(config, 'f16');
  const shards: (typeof specs)[] = [[]];
  let size = 0;
  for (const s of specs) {
    const bytes = s.shape.reduce((a, b) => a * b, 2);
    if (size > 0 && size + bytes > SHARD_BYTES) shards.push([]), (size = 0);
    shards.at(-1)!.push(s);
    size += bytes;
  }
  const names = shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`);
  const weightMap: Record<string, string> = {};
  for (const [i, shard] of shards.entries()) {
    await writeSafetensors(join(dir, names[i]!), new Map(shard.map((s) => [s.name, randomF16(s.shape)])));
    for (const s of shard) weightMap[s.name] = names[i]!;
  }
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
  return names.map((n) => join(dir, n));
}

/**
 * Positional reads of the same files in 128 MiB pieces, into one reused buffer or into a fresh
 * buffer each time: separates the cost of reading from the cost of first touching new memory
 * (page faults), which a loader that keeps every tensor cannot avoid.
 */
async function readGBs(files: string[], fresh: boolean): Promise<number> {
  const chunk = 128 * 2 ** 20;
  let buffer = new Uint8Array(chunk);
  let total = 0;
  const started = performance.now();
  for (const f of files) {
    const handle = await open(f, 'r');
    const size = (await handle.stat()).size;
    for (let p = 0; p < size; p += chunk) {
      if (fresh) buffer = new Uint8Array(chunk);
      total += (await handle.read(buffer, 0, Math.min(chunk, size - p), p)).bytesRead;
    }
    await handle.close();
  }
  return total / 1e9 / ((performance.now() - started) / 1000);
}

function catSeconds(files: string[]): number {
  const started = performance.now();
  execFileSync('sh', ['-c', 'cat "$@" > /dev/null', 'cat', ...files]);
  return (performance.now() - started) / 1000;
}

async function loadOnly(dir: string): Promise<void> {
  const started = performance.now();
  const model = await loadModelFolder(dir, 'f16');
  const seconds = (performance.now() - started) / 1000;
  let bytes = 0;
  let largest = 0;
  for (const t of model.weights.values()) (bytes += t.data.byteLength), (largest = Math.max(largest, t.data.byteLength));
  console.log(JSON.stringify({ seconds, bytes, largest, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({ options: { dir: { type: 'string' }, layers: { type: 'string' }, keep: { type: 'boolean' }, 'load-only': { type: 'string' } } });
  if (v['load-only']) return loadOnly(v['load-only']);
  const config = benchConfig(Number(v.layers ?? 4));
  const dir = await mkdtemp(join(v.dir ?? tmpdir(), 'glm-load-bench-'));
  try {
    const files = await writeFolder(dir, config);
    const fileBytes = Number(execFileSync('sh', ['-c', 'cat "$@" | wc -c', 'cat', ...files]).toString().trim());
    const rows: { cat: number; load: number; rss: number }[] = [];
    let weightBytes = 0;
    let largest = 0;
    for (let run = 0; run < 3; run++) {
      const cat = catSeconds(files); // also warms the page cache for the load right after it
      const child = spawnSync(process.execPath, [process.argv[1]!, '--load-only', dir], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`load failed: ${child.stderr}`);
      const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { seconds: number; bytes: number; largest: number; maxRssBytes: number };
      weightBytes = r.bytes;
      largest = r.largest;
      rows.push({ cat: fileBytes / 1e9 / cat, load: fileBytes / 1e9 / r.seconds, rss: r.maxRssBytes });
    }
    const best = (k: 'cat' | 'load') => Math.max(...rows.map((r) => r[k]));
    const reusedBufferGBs = await readGBs(files, false);
    const freshBufferGBs = await readGBs(files, true);
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
    console.log(JSON.stringify({
      date: new Date().toISOString(), commit, machine: `${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`, node: process.version,
      files: files.length, fileBytes, weightBytes, largestTensorBytes: largest, runs: rows,
      bestCatGBs: best('cat'), bestLoadGBs: best('load'), reusedBufferGBs, freshBufferGBs, maxRssBytes: Math.max(...rows.map((r) => r.rss)),
    }));
  } finally {
    if (!v.keep) await rm(dir, { recursive: true, force: true });
  }
}

await main();
