/**
 * NCCL all-reduce through the cuda addon's own collective (backends/simt/native/collectives/
 * nccl_group.cpp, what the backend's ranks call): one rank per GPU of this machine (or `--ranks N`),
 * one process, each rank on its own device context. Every all-reduce is the record a sharded graph
 * emits (OP.allReduce), run by the addon's record loop; with several ranks their programs run in turns
 * (runFrom) and the last rank to reach a record issues every rank's ncclAllReduce in one group, as in
 * a session. Checks the sum first (rank r contributes r + 1, f32), then times fp16 all-reduces of
 * GLM-130B's sizes — one token's hidden state (24 KiB) up to a 2048-token prefill's (48 MiB) — with
 * events on rank 0's stream, median of 7 runs of 100 records. A benchmark script, not a test. Under
 * GLM_CUDA_EMULATE=1 it runs the emulator's collective (the times mean nothing there).
 * Writes JSON to $OUT (or prints it).
 *   node dist/bench/cuda/nccl-all-reduce.js [--ranks N]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAddon, type NativeAddon } from '../../backends/cuda/native-addon.js';
import { DTYPE_CODES, OP } from '../../backends/simt/launch-codes.js';

interface CollectiveAddon extends NativeAddon {
  useDevice(ordinal: number): void;
  deviceCount(): number;
  collectiveOpen(devices: readonly number[]): number;
  collectiveClose(group: number): void;
  collectiveLibrary(): string;
  runFrom(program: Float64Array, start: number): number;
}

const { values: args } = parseArgs({ options: { ranks: { type: 'string' } } });
const loaded = loadAddon();
if (!loaded.addon) throw new Error(loaded.reason);
const addon = loaded.addon as CollectiveAddon;
const gpus = addon.deviceCount();
const count = Number(args.ranks ?? gpus);
if (!addon.emulated && count > gpus) throw new Error(`${count} ranks need ${count} GPUs; this machine has ${gpus}`);
const devices = Array.from({ length: count }, (_, i) => i);
const maxBytes = 48 * 2 ** 20;
const buffers = devices.map((d) => (addon.open(d), addon.allocate(maxBytes)));
const group = addon.collectiveOpen(devices);

/** `reps` all-reduce records of rank `rank`, in place over its buffer. */
function program(rank: number, elements: number, dtype: 'f16' | 'f32', reps: number): Float64Array {
  const words: number[] = [];
  for (let i = 0; i < reps; i++) words.push(OP.allReduce, i, 6, group, rank, buffers[rank]!, buffers[rank]!, elements, DTYPE_CODES[dtype]);
  return Float64Array.from(words);
}

/** Every rank's program to its end, in turns: a record waits until every rank has reached it. */
function runAll(programs: readonly Float64Array[]): void {
  const at = programs.map(() => 0);
  while (at.some((a, r) => a < programs[r]!.length)) {
    let moved = false;
    programs.forEach((p, r) => {
      if (at[r]! >= p.length) return;
      addon.useDevice(r);
      const next = addon.runFrom(p, at[r]!);
      moved ||= next !== at[r];
      at[r] = next;
    });
    if (!moved) throw new Error('no rank moved: the collective never completed');
  }
}

function allReduceOnAll(elements: number, dtype: 'f16' | 'f32', reps: number): void {
  runAll(devices.map((r) => program(r, elements, dtype, reps)));
}

function syncAll(): void {
  for (const r of devices) (addon.useDevice(r), addon.finish(false));
}

// Correctness: rank r holds r + 1 everywhere; after the all-reduce every rank holds N(N+1)/2.
const checkElements = 1 << 16;
devices.forEach((r) => (addon.useDevice(r), addon.write(buffers[r]!, new Uint8Array(new Float32Array(checkElements).fill(r + 1).buffer))));
allReduceOnAll(checkElements, 'f32', 1);
syncAll();
const want = (count * (count + 1)) / 2;
const wrong = devices.map((r) => {
  addon.useDevice(r);
  const bytes = addon.read(buffers[r]!, checkElements * 4);
  return new Float32Array(bytes.buffer, bytes.byteOffset, checkElements).filter((v) => v !== want).length;
});

addon.useDevice(0);
const start = addon.eventCreate();
const end = addon.eventCreate();
// The emulator sums on the host in float64 (seconds for 48 MiB): there, the smallest size shows the path runs.
const sizes = addon.emulated ? [24 * 1024] : [24 * 1024, 96 * 1024, 384 * 1024, 2 ** 20, 8 * 2 ** 20, 48 * 2 ** 20];
const timings = sizes.map((bytes) => {
  const elements = bytes / 2;
  allReduceOnAll(elements, 'f16', 20);
  syncAll();
  const samples: number[] = [];
  for (let rep = 0; rep < 7; rep++) {
    addon.useDevice(0);
    addon.eventRecord(start);
    allReduceOnAll(elements, 'f16', 100);
    addon.useDevice(0);
    addon.eventRecord(end);
    syncAll();
    addon.useDevice(0);
    samples.push(addon.eventElapsed(start, end) * 10); // µs per all-reduce
  }
  samples.sort((a, b) => a - b);
  const us = samples[3]!;
  // Ring bus bandwidth; with one rank nothing moves, so none is given.
  const busGBs = count > 1 ? (((2 * (count - 1)) / count) * bytes) / (us * 1e3) : null;
  return { bytes, medianUs: us, minUs: samples[0]!, maxUs: samples[6]!, busGBs };
});
devices.forEach((r) => (addon.useDevice(r), addon.free(buffers[r]!)));
addon.collectiveClose(group);

const result = { ranks: count, emulated: addon.emulated, library: addon.collectiveLibrary(), sumCheck: { expected: want, wrongElementsPerRank: wrong }, timings };
const text = JSON.stringify(result, null, 1);
console.log(text);
if (process.env['OUT']) writeFileSync(join(process.env['OUT'], 'nccl-all-reduce.json'), text + '\n');
