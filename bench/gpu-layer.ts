/**
 * What the GPU backends' layer benchmarks share (bench/cuda/glm-layer.ts, bench/rocm-dcu/glm-layer.ts):
 * one GLM-130B-shaped layer with random weights made on the device (fp16, and INT4 / INT8 weight-only
 * for the quantized decode cases), the cases (prefill 2048; decode batch 1 and 16 over a 2048-token
 * cache, with fp16, INT4 and INT8 weights) bound the way the session binds them — the KV cache written in place
 * ('in-place-start' for the prefill, 'in-place-extend' for decode) — the two ceilings (a device copy,
 * an 8192³ fp16 product) and the floor of each case.
 */
import { GLM_130B, headDim, type GlmConfig } from '../core/models/glm/config.js';
import { buildGlmBlockGraph, GLM_INPUTS, GLM_OUTPUTS } from '../core/models/glm/graphs.js';
import type { WeightQuantization } from '../core/models/glm/weights-layout.js';
import { allocateTensor, uploadTensor } from '../core/backend-api/device-tensors.js';
import type { DeviceTensor } from '../core/backend-api/plugin-contract.js';
import type { Graph } from '../core/ir/graph.js';
import { byteLengthOf } from '../core/tensor/dtype.js';
import { elementCount, hostTensor } from '../core/tensor/host-tensor.js';
import type { DeviceMemory } from '../backends/program/device-memory.js';
import type { DeviceContext } from '../backends/program/device-context.js';
import { dtypeCode, OP } from '../backends/simt/launch-codes.js';
import type { ProgramAddon } from '../backends/program/native-addon.js';
import { fillUniform, randomWeight } from './device-random.js';

export interface LayerCase {
  readonly name: string;
  readonly batch: number;
  readonly seq: number;
  readonly past: number;
  readonly context: number;
  /** The block's Linear weights: fp16 ('none') or weight-only INT4 / INT8. */
  readonly quantization: WeightQuantization;
}

/** --smoke: a two-head layer and short sequences, to check a script itself (e.g. on an emulator). */
export function layerConfig(smoke: boolean): GlmConfig {
  return smoke ? { ...GLM_130B, hiddenSize: 256, numHeads: 2, ffnHiddenSize: 512 } : GLM_130B;
}

export function layerCases(smoke: boolean): LayerCase[] {
  const fp16 = 'none' as const;
  return smoke
    ? [
        { name: 'prefill-2048', batch: 1, seq: 40, past: 0, context: 20, quantization: fp16 },
        { name: 'decode-b1-cache2048', batch: 1, seq: 1, past: 40, context: 20, quantization: fp16 },
        { name: 'decode-b16-cache2048', batch: 3, seq: 1, past: 40, context: 20, quantization: fp16 },
        { name: 'decode-int4-b1-cache2048', batch: 1, seq: 1, past: 40, context: 20, quantization: 'int4' },
        { name: 'decode-int8-b1-cache2048', batch: 1, seq: 1, past: 40, context: 20, quantization: 'int8' },
        { name: 'decode-int4-b16-cache2048', batch: 3, seq: 1, past: 40, context: 20, quantization: 'int4' },
        { name: 'decode-int8-b16-cache2048', batch: 3, seq: 1, past: 40, context: 20, quantization: 'int8' },
      ]
    : [
        { name: 'prefill-2048', batch: 1, seq: 2048, past: 0, context: 1024, quantization: fp16 },
        { name: 'decode-b1-cache2048', batch: 1, seq: 1, past: 2048, context: 1024, quantization: fp16 },
        { name: 'decode-b16-cache2048', batch: 16, seq: 1, past: 2048, context: 1024, quantization: fp16 },
        { name: 'decode-int4-b1-cache2048', batch: 1, seq: 1, past: 2048, context: 1024, quantization: 'int4' },
        { name: 'decode-int8-b1-cache2048', batch: 1, seq: 1, past: 2048, context: 1024, quantization: 'int8' },
        { name: 'decode-int4-b16-cache2048', batch: 16, seq: 1, past: 2048, context: 1024, quantization: 'int4' },
        { name: 'decode-int8-b16-cache2048', batch: 16, seq: 1, past: 2048, context: 1024, quantization: 'int8' },
      ];
}

/** One weight format of the layer: the block graphs of the two cache forms and the weights on the device. */
export interface LayerModel {
  readonly graphs: { start: Graph; extend: Graph };
  /** The same names in both forms. */
  readonly weights: ReadonlyMap<string, DeviceTensor>;
  /** Bytes of those weights at their real size (INT4: half a byte a parameter, plus scales and biases). */
  readonly weightBytes: number;
}

/** The layer in each weight format a case asks for, made on first use and kept for the next cases. */
export function layerModels(memory: DeviceMemory, native: ProgramAddon, c: GlmConfig): (quantization: WeightQuantization) => LayerModel {
  const made = new Map<WeightQuantization, LayerModel>();
  return (quantization) => {
    let model = made.get(quantization);
    if (!model) {
      const graph = (cache: 'in-place-start' | 'in-place-extend') => buildGlmBlockGraph(c, 0, { dtype: 'f16', quantization, cache });
      const graphs = { start: graph('in-place-start'), extend: graph('in-place-extend') };
      model = { graphs, weights: graphWeights(memory, native, graphs.extend), weightBytes: paramBytes(graphs.extend) };
      made.set(quantization, model);
    }
    return model;
  };
}

/** Bytes of a graph's parameters, each at its dtype's size (i4 packed two per byte). */
export function paramBytes(graph: Graph): number {
  let bytes = 0;
  for (const id of graph.params) {
    const v = graph.values[id]!;
    bytes += byteLengthOf(v.type.dtype, elementCount(v.type.shape as number[]));
  }
  return bytes;
}

export interface Floor {
  readonly ms: number;
  readonly bound: 'flops' | 'bytes';
  readonly bytes: number;
  readonly flops: number;
}

/** Bytes the K and V caches of one layer hand to attention: `keys` positions of every row, read once. */
export function kvReadBytes(c: GlmConfig, batch: number, keys: number): number {
  return 2 * 2 * batch * c.numHeads * keys * headDim(c);
}

/** The larger of arithmetic at the GEMM ceiling and bytes at the copy ceiling (bytes/s counting read + written). */
export function floorFrom(bytes: number, flops: number, copyRate: number, gemmRate: number): Floor {
  const computeMs = (flops / gemmRate) * 1e3;
  const memoryMs = (bytes / copyRate) * 1e3;
  return { ms: Math.max(computeMs, memoryMs), bound: computeMs > memoryMs ? 'flops' : 'bytes', bytes, flops };
}

/** Arithmetic of one layer for a case: its four Linear layers and attention. */
export function layerFlops(c: GlmConfig, k: LayerCase): number {
  const H = c.hiddenSize;
  const params = H * (3 * H) + H * H + H * (2 * c.ffnHiddenSize) + c.ffnHiddenSize * H;
  const keys = k.past + k.seq;
  return 2 * k.batch * k.seq * params + 4 * k.batch * c.numHeads * k.seq * keys * headDim(c);
}

/**
 * The floor of one layer: its weights at their real size (`weightBytes`), the K/V read once and the
 * hidden state in and out — both ceilings measured in the same run, on the same card.
 */
export function floorOf(c: GlmConfig, k: LayerCase, weightBytes: number, copyRate: number, gemmRate: number): Floor {
  const activations = 2 * 2 * k.batch * k.seq * c.hiddenSize;
  return floorFrom(weightBytes + kvReadBytes(c, k.batch, k.past + k.seq) + activations, layerFlops(c, k), copyRate, gemmRate);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Device events around `run`, after `warmup` runs; median and minimum of `reps`. */
export async function timeRuns(
  native: ProgramAddon,
  ctx: DeviceContext,
  run: () => Promise<void>,
  reps: number,
  warmup = 3,
): Promise<{ medianMs: number; minMs: number }> {
  const start = native.eventCreate();
  const end = native.eventCreate();
  const times: number[] = [];
  for (let i = 0; i < reps + warmup; i++) {
    ctx.timing = { start, end };
    try {
      await run();
    } finally {
      ctx.timing = null;
    }
    if (i >= warmup) times.push(native.eventElapsed(start, end));
  }
  return { medianMs: median(times), minMs: Math.min(...times) };
}

/** One launch record timed by itself (the ceilings). */
export function timeProgram(native: ProgramAddon, program: Float64Array, reps: number, warmup = 3): { medianMs: number; minMs: number } {
  const start = native.eventCreate();
  const end = native.eventCreate();
  const times: number[] = [];
  for (let i = 0; i < reps + warmup; i++) {
    native.run(program, start, end);
    native.finish(false);
    if (i >= warmup) times.push(native.eventElapsed(start, end));
  }
  return { medianMs: median(times), minMs: Math.min(...times) };
}

export interface Ceilings {
  readonly copy: { medianMs: number; minMs: number; bytes: number; tbPerS: number };
  readonly gemm_fp16_8192: { medianMs: number; minMs: number; tflopPerS: number };
}

/**
 * The 8192³ fp16 product repeated for at least `busyMs` of device time: the GEMM rate a case can
 * count on when its own timed loop runs that long. A long tensor-core loop reaches the card's power
 * limit and its clock drops (an H200, 2026-11-28: 759 TFLOP/s over 20 products, 656 over 200, with
 * 1,380–1,470 MHz at 690 W against 1,980 MHz before), so a floor from the short loop's rate lies
 * below what any code can reach in a case timed over as long as prefill's 20 repeats.
 */
export function sustainedGemmRate(native: ProgramAddon, smoke: boolean, gemmPath: number, burstMs: number, busyMs: number): { reps: number; medianMs: number; tflopPerS: number } {
  const size = smoke ? 64 : 8192;
  const reps = Math.max(1, Math.ceil(busyMs / Math.max(burstMs, 1e-3)));
  const t = withGemm(native, size, gemmPath, (program) => timeProgram(native, program, reps));
  return { reps, medianMs: t.medianMs, tflopPerS: (2 * size ** 3) / (t.medianMs * 1e-3) / 1e12 };
}

/** Random size × size fp16 operands on the device and the launch record of their product. */
function withGemm<R>(native: ProgramAddon, size: number, gemmPath: number, use: (program: Float64Array) => R): R {
  const bytes = size * size * 2;
  const [x, y, z] = [native.allocate(bytes), native.allocate(bytes), native.allocate(bytes)];
  try {
    const f16 = dtypeCode('f16');
    native.fillRandom(x, size * size, f16, -1, 1, 1);
    native.fillRandom(y, size * size, f16, -1, 1, 2);
    return use(Float64Array.from([OP.gemm, 0, 23, f16, f16, f16, size, size, size, x, size, 0, y, size, 0, 0, z, size, 0, 1, 1, 0, 0, 0, 0, gemmPath]));
  } finally {
    for (const p of [x, y, z]) native.free(p);
  }
}

/** A 1 GiB device copy and an 8192³ fp16 product through `gemmPath` (launch-codes' GEMM_PATH). */
export function measureCeilings(native: ProgramAddon, smoke: boolean, gemmPath: number, reps: number, gemmReps = reps): Ceilings {
  const n = smoke ? 2 ** 20 : 2 ** 30;
  const a = native.allocate(n);
  const b = native.allocate(n);
  native.fill(a, 7, n);
  const t = timeProgram(native, Float64Array.from([OP.memcpy, 0, 3, b, a, n]), reps);
  native.free(a);
  native.free(b);
  const size = smoke ? 64 : 8192;
  const g = withGemm(native, size, gemmPath, (program) => timeProgram(native, program, gemmReps));
  return {
    copy: { ...t, bytes: 2 * n, tbPerS: (2 * n) / (t.medianMs * 1e-3) / 1e12 },
    gemm_fp16_8192: { ...g, tflopPerS: (2 * size ** 3) / (g.medianMs * 1e-3) / 1e12 },
  };
}

/** Random weights on the device for every parameter of `graph`, each in its own dtype (device-random.ts). */
export function graphWeights(memory: DeviceMemory, native: ProgramAddon, graph: Graph): Map<string, DeviceTensor> {
  const params = new Map<string, DeviceTensor>();
  let seed = 100;
  for (const id of graph.params) {
    const v = graph.values[id]!;
    params.set(v.name, randomWeight(memory, native, v.name, v.type.dtype, v.type.shape as number[], seed++));
  }
  return params;
}

export interface CaseBindings {
  readonly form: 'start' | 'extend';
  readonly inputs: Record<string, DeviceTensor>;
  readonly outputs: Record<string, DeviceTensor>;
  /** Tensors made for this case (the caller frees them). */
  readonly owned: DeviceTensor[];
}

/**
 * A case bound as the session binds it: a cache holding exactly the case's tokens, donated (present =
 * past, written in place), the cache offset and (decode) the attended length as device scalars.
 */
export async function caseBindings(
  memory: DeviceMemory,
  native: ProgramAddon,
  c: GlmConfig,
  k: LayerCase,
  weights: ReadonlyMap<string, DeviceTensor>,
): Promise<CaseBindings> {
  const owned: DeviceTensor[] = [];
  let seed = 1000;
  const random = (shape: number[]) => {
    const t = allocateTensor(memory, 'f16', shape);
    owned.push(t);
    fillUniform(memory, native, t, -1, 1, seed++);
    return t;
  };
  const i32 = async (shape: number[], values: number[]) => {
    const t = await uploadTensor(memory, hostTensor('i32', shape, Int32Array.from(values)));
    owned.push(t);
    return t;
  };
  const form = k.past === 0 ? 'start' : 'extend';
  const inputs: Record<string, DeviceTensor> = Object.fromEntries(weights);
  inputs[GLM_OUTPUTS.hidden] = random([k.batch, k.seq, c.hiddenSize]);
  inputs[GLM_INPUTS.positions] = await i32([k.batch, k.seq], Array.from({ length: k.batch * k.seq }, (_, i) => k.past + (i % k.seq)));
  inputs[GLM_INPUTS.contextLengths] = await i32([k.batch], new Array<number>(k.batch).fill(k.context));
  inputs[GLM_INPUTS.cacheOffset] = await i32([1], [k.past]);
  if (form === 'extend') inputs[GLM_INPUTS.kvLength] = await i32([1], [k.past + k.seq]);
  const cacheShape = [k.batch, c.numHeads, k.past + k.seq, headDim(c)];
  const cacheKey = random(cacheShape);
  const cacheValue = random(cacheShape);
  inputs[GLM_INPUTS.pastKey(0)] = cacheKey;
  inputs[GLM_INPUTS.pastValue(0)] = cacheValue;
  const hidden = allocateTensor(memory, 'f16', [k.batch, k.seq, c.hiddenSize]);
  owned.push(hidden);
  const outputs = { [GLM_OUTPUTS.hidden]: hidden, [GLM_OUTPUTS.presentKey(0)]: cacheKey, [GLM_OUTPUTS.presentValue(0)]: cacheValue };
  return { form, inputs, outputs, owned };
}
