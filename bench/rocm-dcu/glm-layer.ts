/**
 * Benchmark (not a test): the cuda backend's GLM-layer cases (bench/cuda/glm-layer.ts) on the
 * rocm-dcu backend — one GLM-130B-shaped layer in fp16, the SDK's own block graph with random
 * weights made on the device, for a 2048-token prefill and decode steps of batch 1 and 16 over a
 * 2048-token cache. Timed with device events around the launches of each run, after warm-up; the
 * median of the repeats. Also the two ceilings through the addon: a 1 GiB device copy and an 8192³
 * fp16 product on the portable tiled GEMM (or hipBLAS where the build has it).
 *
 * On the lent H100 this runs the HIP sources through the HIP→CUDA map (GLM_DCU_TARGET=nvidia,
 * GLM_DCU_WAVE=32|64): it measures what the portable kernels cost against the cuda backend's
 * (run bench/cuda/glm-layer.ts in the same call), not a DCU.
 *
 *   node dist/bench/rocm-dcu/glm-layer.js [--reps 10] [--out dcu-bench.json] [--smoke]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GLM_130B, headDim } from '../../core/models/glm/config.js';
import { buildGlmBlockGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import { compileFor } from '../../core/runtime/compile.js';
import { allocateTensor, freeTensor, uploadTensor } from '../../core/runtime/device-tensors.js';
import type { DeviceTensor } from '../../core/runtime/plugin-contract.js';
import { hostTensor } from '../../core/tensor/host-tensor.js';
import { plugin, type DcuBackend } from '../../backends/rocm-dcu/index.js';
import { dtypeCode, GEMM_PATH, OP } from '../../backends/gpu-common/launch-codes.js';

const { values: args } = parseArgs({
  options: { reps: { type: 'string' }, out: { type: 'string' }, smoke: { type: 'boolean' } },
});
const reps = Number(args.reps ?? 10);

/** --smoke: a two-head layer and short sequences, to check the script itself (e.g. on the emulator). */
const c = args.smoke ? { ...GLM_130B, hiddenSize: 256, numHeads: 2, ffnHiddenSize: 512 } : GLM_130B;
const H = c.hiddenSize;
const D = headDim(c);

interface Case {
  readonly name: string;
  readonly batch: number;
  readonly seq: number;
  readonly past: number;
  readonly context: number;
}

const CASES: Case[] = args.smoke
  ? [
      { name: 'prefill-2048', batch: 1, seq: 40, past: 0, context: 20 },
      { name: 'decode-b1-cache2048', batch: 1, seq: 1, past: 40, context: 20 },
      { name: 'decode-b16-cache2048', batch: 3, seq: 1, past: 40, context: 20 },
    ]
  : [
      { name: 'prefill-2048', batch: 1, seq: 2048, past: 0, context: 1024 },
      { name: 'decode-b1-cache2048', batch: 1, seq: 1, past: 2048, context: 1024 },
      { name: 'decode-b16-cache2048', batch: 16, seq: 1, past: 2048, context: 1024 },
    ];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const probe = await plugin.probe();
  if (!probe.available) throw new Error(`rocm-dcu unavailable: ${probe.reason}`);
  const backend = (await plugin.open()) as DcuBackend;
  const native = backend.native;
  const ctx = backend.context;
  const start = native.eventCreate();
  const end = native.eventCreate();
  console.log(`device: ${backend.device}`);

  const timeProgram = (program: Float64Array, repeats = reps) => {
    const times: number[] = [];
    for (let i = 0; i < repeats + 2; i++) {
      native.run(program, start, end);
      native.finish(false);
      if (i >= 2) times.push(native.eventElapsed(start, end));
    }
    return { medianMs: median(times), minMs: Math.min(...times) };
  };

  // ---- ceilings ----
  const ceilings: Record<string, unknown> = {};
  {
    const n = args.smoke ? 2 ** 20 : 2 ** 30;
    const a = native.allocate(n);
    const b = native.allocate(n);
    native.fill(a, 7, n);
    const t = timeProgram(Float64Array.from([OP.memcpy, 0, 3, b, a, n]));
    ceilings['copy'] = { ...t, bytes: 2 * n, tbPerS: (2 * n) / (t.medianMs * 1e-3) / 1e12 };
    native.free(a);
    native.free(b);
    const size = args.smoke ? 64 : 8192;
    const bytes = size * size * 2;
    const [x, y, z] = [native.allocate(bytes), native.allocate(bytes), native.allocate(bytes)];
    native.fillRandom(x, size * size, dtypeCode('f16'), -1, 1, 1);
    native.fillRandom(y, size * size, dtypeCode('f16'), -1, 1, 2);
    const f16 = dtypeCode('f16');
    const path = backend.build.hipblas ? GEMM_PATH.auto : GEMM_PATH.portable;
    const gemm = Float64Array.from([OP.gemm, 0, 21, f16, f16, f16, size, size, size, x, size, 0, y, size, 0, 0, z, size, 0, 1, 1, 0, 0, path]);
    const g = timeProgram(gemm, Math.min(reps, 5));
    ceilings['gemm_fp16_8192'] = { ...g, path: backend.build.hipblas ? 'hipBLAS' : 'portable tiled GEMM', tflopPerS: (2 * size ** 3) / (g.medianMs * 1e-3) / 1e12 };
    for (const p of [x, y, z]) native.free(p);
  }
  console.log(`ceilings: copy ${(ceilings['copy'] as { tbPerS: number }).tbPerS.toFixed(2)} TB/s, gemm ${(ceilings['gemm_fp16_8192'] as { tflopPerS: number }).tflopPerS.toFixed(1)} TFLOP/s`);

  // ---- the layer ----
  const graph = buildGlmBlockGraph(c, 0, { dtype: 'f16' });
  const params = new Map<string, DeviceTensor>();
  const addressOf = (t: DeviceTensor) => backend.memory.own(t.buffer).address;
  let seed = 100;
  for (const id of graph.params) {
    const v = graph.values[id]!;
    const shape = v.type.shape as number[];
    const t = allocateTensor(backend.memory, 'f16', shape);
    const [low, high] = /layernorm\.weight$/.test(v.name) ? [0.8, 1.2] : /layernorm\.bias$/.test(v.name) ? [-0.1, 0.1] : [-0.02, 0.02];
    native.fillRandom(addressOf(t), shape.reduce((p, d) => p * d, 1), dtypeCode('f16'), low, high, seed++);
    params.set(v.name, t);
  }

  const results: Record<string, Record<string, unknown>> = {};
  for (const k of CASES) {
    const inputs: Record<string, DeviceTensor> = Object.fromEntries(params);
    const owned: DeviceTensor[] = [];
    const random = (shape: number[], low: number, high: number) => {
      const t = allocateTensor(backend.memory, 'f16', shape);
      native.fillRandom(addressOf(t), shape.reduce((p, d) => p * d, 1), dtypeCode('f16'), low, high, seed++);
      owned.push(t);
      return t;
    };
    const i32 = async (shape: number[], values: number[]) => {
      const t = await uploadTensor(backend.memory, hostTensor('i32', shape, Int32Array.from(values)));
      owned.push(t);
      return t;
    };
    inputs[GLM_OUTPUTS.hidden] = random([k.batch, k.seq, H], -1, 1);
    inputs[GLM_INPUTS.positions] = await i32([k.batch, k.seq], Array.from({ length: k.batch * k.seq }, (_, i) => k.past + (i % k.seq)));
    inputs[GLM_INPUTS.contextLengths] = await i32([k.batch], new Array<number>(k.batch).fill(k.context));
    inputs[GLM_INPUTS.cacheIndex] = await i32([k.batch], Array.from({ length: k.batch }, (_, i) => i));
    inputs[GLM_INPUTS.pastKey(0)] = random([k.batch, c.numHeads, k.past, D], -1, 1);
    inputs[GLM_INPUTS.pastValue(0)] = random([k.batch, c.numHeads, k.past, D], -1, 1);
    const outputs: Record<string, DeviceTensor> = {};
    const outShape = (shape: number[]) => {
      const t = allocateTensor(backend.memory, 'f16', shape);
      owned.push(t);
      return t;
    };
    outputs[GLM_OUTPUTS.hidden] = outShape([k.batch, k.seq, H]);
    outputs[GLM_OUTPUTS.presentKey(0)] = outShape([k.batch, c.numHeads, k.past + k.seq, D]);
    outputs[GLM_OUTPUTS.presentValue(0)] = outShape([k.batch, c.numHeads, k.past + k.seq, D]);

    const { executable } = await compileFor(backend, graph);
    const times: number[] = [];
    const caseReps = k.seq > 1 ? Math.min(reps, 5) : reps;
    for (let i = 0; i < caseReps + 2; i++) {
      ctx.timing = { start, end };
      await executable.run({ inputs, outputs });
      ctx.timing = null;
      if (i >= 2) times.push(native.eventElapsed(start, end));
    }
    executable.dispose();
    const ms = median(times);
    results[k.name] = { medianMs: ms, minMs: Math.min(...times), reps: caseReps };
    console.log(`${k.name}: ${ms.toFixed(3)} ms (min ${Math.min(...times).toFixed(3)})`);
    for (const t of owned) freeTensor(backend.memory, t);
  }
  const memory = native.memoryInfo();
  const report = {
    tool: 'bench/rocm-dcu/glm-layer', date: new Date().toISOString(), device: backend.device, execution: backend.execution,
    build: backend.build, arenaBytes: ctx.arenaSize, deviceMemoryUsed: memory.total - memory.free, gemm: native.stats(), ceilings, cases: results,
  };
  if (args.out) writeFileSync(args.out, JSON.stringify(report, null, 1) + '\n');
  await backend.close();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
