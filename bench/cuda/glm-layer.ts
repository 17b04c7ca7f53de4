/**
 * Benchmark (not a test): one GLM-130B-shaped layer in fp16 on the cuda backend — the SDK's own block
 * graph (core/models/glm/block.ts) with random weights made on the device — for a 2048-token prefill
 * and decode steps of batch 1 and 16 over a 2048-token cache, with the KV cache written in place (the
 * forms the session runs: 'in-place-start' for the prefill, 'in-place-extend' for decode). Decode runs
 * as the session's step (runStep, repeated: replayed from a CUDA Graph); variant 'no-graph' launches
 * record by record. Timed with CUDA events around the launches of each run, after warm-up; the median
 * of the repeats. Also the two ceilings measured
 * through the addon (a 1 GiB device copy, an 8192³ fp16 cuBLASLt GEMM), and, given the PyTorch peer's
 * report from the same machine (bench/cuda/torch_peer.py), the comparison.
 *
 *   node dist/bench/cuda/glm-layer.js [--reps 20] [--peer torch.json] [--out cuda-bench.json]
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GLM_130B, headDim } from '../../core/models/glm/config.js';
import { buildGlmBlockGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import { compileFor } from '../../core/runtime/compile.js';
import { allocateTensor, freeTensor, uploadTensor } from '../../core/runtime/device-tensors.js';
import type { DeviceTensor } from '../../core/runtime/plugin-contract.js';
import { hostTensor } from '../../core/tensor/host-tensor.js';
import { plugin, type CudaBackend } from '../../backends/cuda/index.js';
import { dtypeCode, GEMM_PATH, OP } from '../../backends/gpu-common/launch-codes.js';


const { values: args } = parseArgs({
  options: { reps: { type: 'string' }, peer: { type: 'string' }, out: { type: 'string' }, variants: { type: 'string' }, smoke: { type: 'boolean' } },
});
const reps = Number(args.reps ?? 20);

/** --smoke: a two-head layer and short sequences, to check the script itself (e.g. on the emulator). */
const c = args.smoke ? { ...GLM_130B, hiddenSize: 256, numHeads: 2, ffnHiddenSize: 512 } : GLM_130B;
const H = c.hiddenSize;
const D = headDim(c);
const PARAMS = H * (3 * H) + H * H + H * (2 * c.ffnHiddenSize) + c.ffnHiddenSize * H; // weights of one layer
const BIASES = 3 * H + H + 2 * c.ffnHiddenSize + H + 4 * H;

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

/**
 * The floor: the larger of arithmetic at the GEMM ceiling and the bytes that must move at the copy
 * ceiling — both ceilings measured in this run, on this card (bytes/s counting read + written).
 */
function floorOf(k: Case, COPY_RATE: number, GEMM_RATE: number): { ms: number; bound: string; bytes: number; flops: number } {
  const keys = k.past + k.seq;
  const tokens = k.batch * k.seq;
  const flops = 2 * tokens * PARAMS + 4 * k.batch * c.numHeads * k.seq * keys * D;
  const weights = 2 * (PARAMS + BIASES);
  const kvRead = 2 * 2 * k.batch * c.numHeads * keys * D; // K and V read once
  const activations = 2 * 2 * tokens * H; // hidden in and out
  const bytes = weights + kvRead + activations;
  const computeMs = (flops / GEMM_RATE) * 1e3;
  const memoryMs = (bytes / COPY_RATE) * 1e3;
  return { ms: Math.max(computeMs, memoryMs), bound: computeMs > memoryMs ? 'flops' : 'bytes', bytes, flops };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const probe = await plugin.probe();
  if (!probe.available) throw new Error(`cuda unavailable: ${probe.reason}`);
  const backend = (await plugin.open()) as CudaBackend;
  const ctx = backend.context;
  const native = backend.native;
  const start = native.eventCreate();
  const end = native.eventCreate();
  console.log(`device: ${backend.device}`);

  const timeProgram = (program: Float64Array) => {
    const times: number[] = [];
    for (let i = 0; i < reps + 3; i++) {
      native.run(program, start, end);
      native.finish(false);
      if (i >= 3) times.push(native.eventElapsed(start, end));
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
    const gemm = Float64Array.from([OP.gemm, 0, 21, f16, f16, f16, size, size, size, x, size, 0, y, size, 0, 0, z, size, 0, 1, 1, 0, 0, GEMM_PATH.vendor]);
    const g = timeProgram(gemm);
    ceilings['gemm_fp16_8192'] = { ...g, tflopPerS: (2 * size ** 3) / (g.medianMs * 1e-3) / 1e12 };
    for (const p of [x, y, z]) native.free(p);
  }
  console.log(`ceilings: copy ${(ceilings['copy'] as { tbPerS: number }).tbPerS.toFixed(2)} TB/s, gemm ${(ceilings['gemm_fp16_8192'] as { tflopPerS: number }).tflopPerS.toFixed(0)} TFLOP/s`);

  // ---- the layer ----
  const graphs = {
    start: buildGlmBlockGraph(c, 0, { dtype: 'f16', cache: 'in-place-start' }),
    extend: buildGlmBlockGraph(c, 0, { dtype: 'f16', cache: 'in-place-extend' }),
  };
  const graph = graphs.extend;
  const params = new Map<string, DeviceTensor>();
  let seed = 100;
  for (const id of graph.params) {
    const v = graph.values[id]!;
    const shape = v.type.shape as number[];
    const t = allocateTensor(backend.memory, 'f16', shape);
    const layerNormWeight = /layernorm\.weight$/.test(v.name);
    const [low, high] = layerNormWeight ? [0.8, 1.2] : /layernorm\.bias$/.test(v.name) ? [-0.1, 0.1] : [-0.02, 0.02];
    native.fillRandom(backend.memory.own(t.buffer).address, shape.reduce((p, d) => p * d, 1), dtypeCode('f16'), low, high, seed++);
    params.set(v.name, t);
  }

  const variants = (args.variants ?? 'default').split(',');
  const results: Record<string, Record<string, unknown>> = {};
  for (const k of CASES) {
    const inputs: Record<string, DeviceTensor> = Object.fromEntries(params);
    const owned: DeviceTensor[] = [];
    const random = (shape: number[], low: number, high: number) => {
      const t = allocateTensor(backend.memory, 'f16', shape);
      native.fillRandom(backend.memory.own(t.buffer).address, shape.reduce((p, d) => p * d, 1), dtypeCode('f16'), low, high, seed++);
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
    inputs[GLM_INPUTS.cacheOffset] = await i32([1], [k.past]);
    const form = k.past === 0 ? 'start' : 'extend';
    if (form === 'extend') inputs[GLM_INPUTS.kvLength] = await i32([1], [k.past + k.seq]);
    // The cache holds exactly the case's tokens; it is donated (present = past, written in place).
    const capacity = k.past + k.seq;
    const cacheKey = random([k.batch, c.numHeads, capacity, D], -1, 1);
    const cacheValue = random([k.batch, c.numHeads, capacity, D], -1, 1);
    inputs[GLM_INPUTS.pastKey(0)] = cacheKey;
    inputs[GLM_INPUTS.pastValue(0)] = cacheValue;
    const hiddenOut = allocateTensor(backend.memory, 'f16', [k.batch, k.seq, H]);
    owned.push(hiddenOut);
    const outputs: Record<string, DeviceTensor> = {
      [GLM_OUTPUTS.hidden]: hiddenOut,
      [GLM_OUTPUTS.presentKey(0)]: cacheKey,
      [GLM_OUTPUTS.presentValue(0)]: cacheValue,
    };

    const floor = floorOf(k, (ceilings['copy'] as { tbPerS: number }).tbPerS * 1e12, (ceilings['gemm_fp16_8192'] as { tflopPerS: number }).tflopPerS * 1e12);
    results[k.name] = { floor };
    for (const variant of variants) {
      const base = ctx.options;
      if (variant === 'cublaslt-decode') ctx.options = { ...base, gemvMaxRows: 0 };
      else if (variant === 'fused-attention') ctx.options = { ...base, attentionMaterializeFrom: 1e9 };
      else if (variant === 'gemv16') ctx.options = { ...base, gemvMaxRows: 16 };
      const { executable } = await compileFor(backend, graphs[form]);
      const asStep = form === 'extend' && variant !== 'no-graph';
      const before = native.stepStats();
      const times: number[] = [];
      for (let i = 0; i < reps + 3; i++) {
        ctx.timing = { start, end };
        if (asStep) await executable.runStep!({ inputs, outputs }, { write: {}, read: [], repeated: true });
        else await executable.run({ inputs, outputs });
        ctx.timing = null;
        if (i >= 3) times.push(native.eventElapsed(start, end));
      }
      const after = native.stepStats();
      if (asStep && !native.emulated && after.replays - before.replays < reps) {
        throw new Error(`${k.name}: expected the decode step to replay from a CUDA Graph, got ${after.replays - before.replays} replays (${after.lastCaptureError || 'no capture error recorded'})`);
      }
      executable.dispose();
      ctx.options = base;
      const ms = median(times);
      results[k.name]![variant] = { medianMs: ms, minMs: Math.min(...times), overFloor: ms / floor.ms };
      console.log(`${k.name} [${variant}]: ${ms.toFixed(3)} ms (floor ${floor.ms.toFixed(3)} ms, ${floor.bound}-bound; ×${(ms / floor.ms).toFixed(2)})`);
    }
    for (const t of owned) freeTensor(backend.memory, t);
  }
  const memory = native.memoryInfo();
  const report = {
    tool: 'bench/cuda/glm-layer', date: new Date().toISOString(), device: backend.device,
    arenaBytes: ctx.arenaSize, deviceMemoryUsed: memory.total - memory.free, gemm: native.stats(), steps: native.stepStats(), ceilings, cases: results,
  };
  if (args.out) writeFileSync(args.out, JSON.stringify(report, null, 1) + '\n');

  // ---- comparison with the PyTorch peer of the same run ----
  if (args.peer) {
    const peer = JSON.parse(readFileSync(args.peer, 'utf8')) as { torch: string; cases: Record<string, Record<string, { median_ms: number }>> };
    console.log(`\n| case | cuda ms | floor ms | cuda/floor | best PyTorch ${peer.torch} (variant) ms | cuda/best |`);
    console.log('|---|---|---|---|---|---|');
    for (const k of CASES) {
      const ours = results[k.name]!['default'] as { medianMs: number };
      const floor = (results[k.name]!['floor'] as { ms: number }).ms;
      const variantsOfPeer = Object.entries(peer.cases[k.name] ?? {});
      const best = variantsOfPeer.reduce((a, b) => (b[1].median_ms < a[1].median_ms ? b : a));
      console.log(`| ${k.name} | ${ours.medianMs.toFixed(3)} | ${floor.toFixed(3)} | ${(ours.medianMs / floor).toFixed(2)} | ${best[1].median_ms.toFixed(3)} (${best[0]}) | ${(ours.medianMs / best[1].median_ms).toFixed(2)} |`);
    }
  }
  await backend.close();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
