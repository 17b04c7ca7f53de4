/**
 * NCCL all-reduce on this machine's GPUs (one rank per visible GPU, one process, communicators made
 * from one unique id), through the SDK's run-time NCCL binding (backends/simt/collectives/nccl-library.ts).
 * Checks the sum first (rank r contributes r + 1 in f32), then times fp16 all-reduces of GLM-130B's
 * sizes: one token's hidden state (24 KiB) up to a 2048-token prefill's (48 MiB), with CUDA events,
 * median of 7 runs of 100. A benchmark script, not a test. Writes JSON to $OUT (or prints it).
 *   node dist/bench/cuda/nccl-all-reduce.js
 */
import koffi from 'koffi';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNccl, type Handle } from '../../backends/simt/collectives/nccl-library.js';

function loadCudart() {
  const names = ['libcudart.so', 'libcudart.so.13', 'libcudart.so.12', '/usr/local/cuda/lib64/libcudart.so'];
  for (const name of names) {
    try {
      return koffi.load(name);
    } catch {
      /* next */
    }
  }
  throw new Error(`no CUDA runtime library among ${names.join(', ')}`);
}

const cudart = loadCudart();
const rt = {
  deviceCount: cudart.func('int cudaGetDeviceCount(_Out_ int *count)'),
  setDevice: cudart.func('int cudaSetDevice(int device)'),
  malloc: cudart.func('int cudaMalloc(_Out_ void **ptr, size_t size)'),
  memcpyToDevice: cudart.func('int cudaMemcpy(void *dst, const float *src, size_t size, int kind)'),
  memcpyToHost: cudart.func('int cudaMemcpy(_Out_ float *dst, const void *src, size_t size, int kind)'),
  streamCreate: cudart.func('int cudaStreamCreate(_Out_ void **stream)'),
  streamSync: cudart.func('int cudaStreamSynchronize(void *stream)'),
  eventCreate: cudart.func('int cudaEventCreate(_Out_ void **event)'),
  eventRecord: cudart.func('int cudaEventRecord(void *event, void *stream)'),
  eventSync: cudart.func('int cudaEventSynchronize(void *event)'),
  elapsed: cudart.func('int cudaEventElapsedTime(_Out_ float *ms, void *start, void *end)'),
  deviceName: cudart.func('int cudaDeviceGetAttribute(_Out_ int *value, int attr, int device)'),
};
function ok(what: string, status: number): void {
  if (status !== 0) throw new Error(`${what}: cudaError ${status}`);
}
function out<T>(call: (o: T[]) => number, what: string): T {
  const o: T[] = [null as T];
  ok(what, call(o));
  return o[0]!;
}

const nccl = loadNccl();
const count = out<number>((o) => rt.deviceCount(o) as number, 'cudaGetDeviceCount');
const devices = Array.from({ length: count }, (_, i) => i);
const maxBytes = 48 * 2 ** 20;
const ranks = devices.map((d) => {
  ok('cudaSetDevice', rt.setDevice(d) as number);
  return {
    device: d,
    buffer: out<Handle>((o) => rt.malloc(o, maxBytes) as number, 'cudaMalloc'),
    stream: out<Handle>((o) => rt.streamCreate(o) as number, 'cudaStreamCreate'),
    start: out<Handle>((o) => rt.eventCreate(o) as number, 'cudaEventCreate'),
    end: out<Handle>((o) => rt.eventCreate(o) as number, 'cudaEventCreate'),
  };
});
const comms = nccl.initRanks(devices, (d) => ok('cudaSetDevice', rt.setDevice(d) as number));

function allReduceOnAll(elements: number, dtype: 'f16' | 'f32'): void {
  nccl.groupStart();
  ranks.forEach((r, i) => nccl.allReduce(r.buffer, r.buffer, elements, dtype, comms[i], r.stream));
  nccl.groupEnd();
}
function syncAll(): void {
  for (const r of ranks) ok('cudaStreamSynchronize', rt.streamSync(r.stream) as number);
}

// Correctness: rank r holds r + 1 everywhere; after the all-reduce every rank holds N(N+1)/2.
const checkElements = 1 << 16;
ranks.forEach((r, i) => ok('cudaMemcpy H2D', rt.memcpyToDevice(r.buffer, new Float32Array(checkElements).fill(i + 1), checkElements * 4, 1) as number));
allReduceOnAll(checkElements, 'f32');
syncAll();
const want = (count * (count + 1)) / 2;
const wrong = ranks.map((r) => {
  const host = new Float32Array(checkElements);
  ok('cudaMemcpy D2H', rt.memcpyToHost(host, r.buffer, checkElements * 4, 2) as number);
  return host.filter((v) => v !== want).length;
});

const sizes = [24 * 1024, 96 * 1024, 384 * 1024, 2 ** 20, 8 * 2 ** 20, 48 * 2 ** 20];
const timings = sizes.map((bytes) => {
  const elements = bytes / 2;
  for (let i = 0; i < 20; i++) allReduceOnAll(elements, 'f16');
  syncAll();
  const samples: number[] = [];
  for (let rep = 0; rep < 7; rep++) {
    const r0 = ranks[0]!;
    ok('cudaEventRecord', rt.eventRecord(r0.start, r0.stream) as number);
    for (let i = 0; i < 100; i++) allReduceOnAll(elements, 'f16');
    ok('cudaEventRecord', rt.eventRecord(r0.end, r0.stream) as number);
    ok('cudaEventSynchronize', rt.eventSync(r0.end) as number);
    syncAll();
    samples.push(out<number>((o) => rt.elapsed(o, r0.start, r0.end) as number, 'cudaEventElapsedTime') * 10); // µs per call
  }
  samples.sort((a, b) => a - b);
  const us = samples[3]!;
  const busGBs = count > 1 ? ((2 * (count - 1)) / count) * bytes / (us * 1e3) : bytes / (us * 1e3);
  return { bytes, medianUs: us, minUs: samples[0]!, maxUs: samples[6]!, busGBs };
});
for (const c of comms) nccl.destroy(c);

const result = { ranks: count, ncclLibrary: nccl.path, ncclVersion: nccl.version, sumCheck: { expected: want, wrongElementsPerRank: wrong }, timings };
const text = JSON.stringify(result, null, 1);
console.log(text);
if (process.env['OUT']) writeFileSync(join(process.env['OUT'], 'nccl-all-reduce.json'), text + '\n');
