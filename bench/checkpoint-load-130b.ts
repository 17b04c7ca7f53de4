/**
 * Loading the full GLM-130B shape in INT4 (the release's quantized layout: i4 Linears with f16
 * per-row scales, f16 embeddings and LayerNorms; about 67 GB) through loadModelFolder with
 * --from-quantized-checkpoint, for the time and the peak resident memory. Meant for the GPU machine
 * (128 GiB of RAM, no disk room for 67 GB): the folder goes to /dev/shm.
 *
 * Two folders, because files and a resident model of 67 GB each do not fit 128 GiB together:
 *   --layers 70 --sparse   every tensor's bytes are a hole of a sparse file (tmpfs stores nothing and
 *                          reads zeros): the whole model is loaded and held, the files cost no RAM;
 *   --layers N             every tensor written with random content (f16 finite, int4 any byte), so
 *                          the read is of real data; N chosen so that files + model fit.
 * The load runs in a child process (its maxRSS is the load's own peak).
 *
 *   node dist/bench/checkpoint-load-130b.js --dir /dev/shm --layers 70 --sparse
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GLM_130B, type GlmConfig } from '../core/models/glm/config.js';
import { weightSpecs, type WeightSpec } from '../core/models/glm/weights-layout.js';
import { loadModelFolder } from '../core/models/glm/load-model.js';
import { safetensorsHeader } from '../core/io/safetensors.js';
import { byteLengthOf } from '../core/tensor/dtype.js';
import { elementCount } from '../core/tensor/host-tensor.js';

const SHARD_BYTES = 4e9;
/** One random block reused for every tensor's content: real, varied bytes without generating 67 GB. */
const BLOCK = 64 * 2 ** 20;

function randomBlock(): Uint8Array {
  const block = new Uint8Array(BLOCK);
  randomFillSync(block);
  // As f16 pairs: clear each element's top exponent bit, so every f16 is finite (|v| < 2).
  const halves = new Uint16Array(block.buffer);
  for (let i = 0; i < halves.length; i++) halves[i] = halves[i]! & 0xbfff;
  return block;
}

async function writeShard(path: string, specs: WeightSpec[], block: Uint8Array | undefined): Promise<void> {
  const header = safetensorsHeader(specs).head;
  const handle = await open(path, 'w');
  try {
    await handle.write(header, 0, header.length, 0);
    const dataBytes = specs.reduce((n, s) => n + byteLengthOf(s.dtype, elementCount(s.shape)), 0);
    if (!block) return void (await handle.truncate(header.length + dataBytes));
    for (let done = 0; done < dataBytes; done += BLOCK) await handle.write(block, 0, Math.min(BLOCK, dataBytes - done), header.length + done);
  } finally {
    await handle.close();
  }
}

async function writeFolder(dir: string, config: GlmConfig, sparse: boolean): Promise<number> {
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, tokenizer: 'bytes', quantization: 'int4' }));
  const specs = weightSpecs(config, 'f16', 'int4');
  const shards: WeightSpec[][] = [[]];
  let size = 0;
  for (const s of specs) {
    const bytes = byteLengthOf(s.dtype, elementCount(s.shape));
    if (size > 0 && size + bytes > SHARD_BYTES) shards.push([]), (size = 0);
    shards.at(-1)!.push(s);
    size += bytes;
  }
  const block = sparse ? undefined : randomBlock();
  const weightMap: Record<string, string> = {};
  for (const [i, shard] of shards.entries()) {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    await writeShard(join(dir, name), shard, block);
    for (const s of shard) weightMap[s.name] = name;
  }
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
  return specs.reduce((n, s) => n + byteLengthOf(s.dtype, elementCount(s.shape)), 0);
}

async function loadOnly(dir: string): Promise<void> {
  const started = performance.now();
  const model = await loadModelFolder(dir, 'f16', { fromQuantizedCheckpoint: true, quantizationBitWidth: 4 });
  const seconds = (performance.now() - started) / 1000;
  let bytes = 0;
  for (const t of model.weights.values()) bytes += t.data.byteLength;
  console.log(JSON.stringify({ seconds, bytes, tensors: model.weights.size, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({ options: { dir: { type: 'string' }, layers: { type: 'string' }, sparse: { type: 'boolean' }, 'load-only': { type: 'string' } } });
  if (v['load-only']) return loadOnly(v['load-only']);
  const layers = Number(v.layers ?? 70);
  const config: GlmConfig = { ...GLM_130B, numLayers: layers, name: `glm-130b${layers === 70 ? '' : `-${layers}-layers`}` };
  const dir = await mkdtemp(join(v.dir ?? '/dev/shm', 'glm-130b-int4-'));
  try {
    const writeStarted = performance.now();
    const bytes = await writeFolder(dir, config, v.sparse === true);
    const writeSeconds = (performance.now() - writeStarted) / 1000;
    const child = spawnSync(process.execPath, ['--max-old-space-size=4096', process.argv[1]!, '--load-only', dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`load failed (${child.status}): ${child.stderr.slice(-2000)}`);
    const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { seconds: number; bytes: number; tensors: number; maxRssBytes: number };
    console.log(JSON.stringify({
      date: new Date().toISOString(), machine: `${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`, node: process.version,
      layers, files: v.sparse ? 'sparse (holes) in ' + dir : 'random content in ' + dir, fileBytes: bytes, writeSeconds,
      loadSeconds: r.seconds, loadGBs: bytes / 1e9 / r.seconds, tensors: r.tensors, residentWeightBytes: r.bytes, maxRssBytes: r.maxRssBytes,
    }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
