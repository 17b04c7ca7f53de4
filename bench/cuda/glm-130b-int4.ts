/**
 * Benchmark (not a test): the whole GLM-130B shape (70 layers) with INT4 weights on one cuda device,
 * one generated token per step, batch 1, at a given cache length — run as the session runs a decode
 * step: its decode graph (buildGlmModelGraph: in-place-extend cache, logits of the last position, the
 * device's top-k head), every layer's KV cache allocated at capacity and donated (present = past),
 * the step's small inputs written and the candidates read back in one runStep, repeated, so the
 * launches replay from a CUDA Graph. Weights are random and made on the device (63 GB of INT4: never
 * uploaded from the host); the caches hold random values.
 *
 * Reported: ms per token (CUDA events around the step's launches, median of --reps after warm-up;
 * also the wall clock of the whole runStep), tokens/s, the floor (every byte a token must read, at the
 * copy ceiling measured in the same run), the device memory the run needs — computed before anything
 * is allocated, so a device without room fails with one line — and what it used.
 *
 *   node dist/bench/cuda/glm-130b-int4.js [--cache 2048] [--reps 10] [--top-k 1] [--layers 70] [--out f.json] [--smoke]
 *
 * --cache: tokens already cached; the step writes position `cache` and attends cache + 1 keys, so the
 *   cache's capacity is cache + 1 (the layer benchmark's decode-int4-b1-cache2048 is the same step).
 * --top-k: candidates the head selects on the device (1: greedy, as `glm run --top-k 1`); 0 reads
 *   every logit back instead.
 * --smoke: a two-head, 2-layer model with a 1,024-token vocabulary and a 40-token cache, to check the
 *   script itself (e.g. GLM_CUDA_EMULATE=1).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GlmError } from '../../core/errors.js';
import type { Graph } from '../../core/ir/graph.js';
import { GLM_130B, headDim, type GlmConfig } from '../../core/models/glm/config.js';
import { buildGlmModelGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import { compileFor } from '../../core/execute/compile.js';
import { allocateTensor } from '../../core/backend-api/device-tensors.js';
import { bindGraphShapes } from '../../core/backend-api/graph-shapes.js';
import type { DeviceTensor } from '../../core/backend-api/plugin-contract.js';
import { runStep } from '../../core/backend-api/run-step.js';
import { byteLengthOf, type DType } from '../../core/tensor/dtype.js';
import { elementCount } from '../../core/tensor/host-tensor.js';
import { plugin, type CudaBackend } from '../../backends/cuda/index.js';
import { arenaAllocationFor } from '../../backends/program/device-context.js';
import { GEMM_PATH } from '../../backends/simt/launch-codes.js';
import { planSimtGraph } from '../../backends/simt/simt-target.js';
import { fillUniform, randomWeight } from '../device-random.js';
import { floorFrom, kvReadBytes, layerConfig, layerFlops, measureCeilings, median, paramBytes, timeRuns, type LayerCase } from '../gpu-layer.js';

const { values: args } = parseArgs({
  options: {
    cache: { type: 'string' },
    reps: { type: 'string' },
    'top-k': { type: 'string' },
    layers: { type: 'string' },
    out: { type: 'string' },
    smoke: { type: 'boolean' },
  },
});

/** A whole-number flag; a bad one ends the script with one line (exit 2, as the CLI's usage errors). */
function intArg(name: 'cache' | 'reps' | 'top-k' | 'layers', fallback: number, min: number): number {
  const raw = args[name];
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(v) || v < min) {
    console.error(`glm-130b-int4: --${name} must be an integer >= ${min}, got ${raw}`);
    process.exit(2);
  }
  return v;
}

const smoke = args.smoke ?? false;
const base: GlmConfig = smoke ? { ...layerConfig(true), name: 'glm-130b-smoke', numLayers: 2, vocabSize: 1000, paddedVocabSize: 1024 } : GLM_130B;
const c: GlmConfig = { ...base, numLayers: intArg('layers', base.numLayers, 1) };
const cache = intArg('cache', smoke ? 40 : 2048, 1);
const reps = intArg('reps', 10, 1);
const topK = intArg('top-k', 1, 0);
const BATCH = 1;
/** Steps before timing: the first runs directly, the second records the CUDA Graph, the rest replay it. */
const WARMUP = 3;
/** The step as one of the layer benchmark's cases (its floor terms are per layer). */
const step: LayerCase = { name: `decode-int4-b1-cache${cache}`, batch: BATCH, seq: 1, past: cache, context: Math.floor(cache / 2), quantization: 'int4' };

/** Decimal units: 1 GB = 1e9 bytes. */
function gb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** A tensor the step binds, described before anything is allocated. */
interface TensorSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: number[];
  readonly part: 'int4 weights' | 'weight scales' | 'embedding' | 'biases and LayerNorms' | 'KV cache' | 'step inputs and outputs';
}

function bytesOf(t: Pick<TensorSpec, 'dtype' | 'shape'>): number {
  return byteLengthOf(t.dtype, elementCount(t.shape));
}

function weightPart(name: string, dtype: DType): TensorSpec['part'] {
  if (dtype === 'i4') return 'int4 weights';
  if (/weight_scale$/.test(name)) return 'weight scales';
  if (/word_embeddings|lm_head/.test(name)) return 'embedding';
  return 'biases and LayerNorms';
}

/** Everything the step binds, as the session binds it (ModelSession.call / stage and its KvCache). */
function stepTensors(graph: Graph): { params: TensorSpec[]; inputs: TensorSpec[]; outputs: TensorSpec[]; caches: TensorSpec[] } {
  const params = graph.params.map((id) => {
    const v = graph.values[id]!;
    return { name: v.name, dtype: v.type.dtype, shape: v.type.shape as number[], part: weightPart(v.name, v.type.dtype) };
  });
  const small = (name: string, dtype: DType, shape: number[]): TensorSpec => ({ name, dtype, shape, part: 'step inputs and outputs' });
  const inputs = [
    small(GLM_INPUTS.inputIds, 'i32', [BATCH, 1]),
    small(GLM_INPUTS.positions, 'i32', [BATCH, 1]),
    small(GLM_INPUTS.contextLengths, 'i32', [BATCH]),
    small(GLM_INPUTS.cacheOffset, 'i32', [1]),
    small(GLM_INPUTS.kvLength, 'i32', [1]),
    ...(c.rotary === '2d' ? [small(GLM_INPUTS.blockPositions, 'i32', [BATCH, 1])] : []),
  ];
  const outputs = [small(GLM_OUTPUTS.logits, 'f16', [BATCH, 1, c.paddedVocabSize])];
  if (topK > 0) {
    outputs.push(small(GLM_OUTPUTS.topValues, 'f32', [BATCH, 1, topK]), small(GLM_OUTPUTS.topIndices, 'i32', [BATCH, 1, topK]), small(GLM_OUTPUTS.logSumExp, 'f32', [BATCH, 1]));
  }
  const cacheShape = [BATCH, c.numHeads, cache + 1, headDim(c)];
  const caches: TensorSpec[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    caches.push({ name: GLM_INPUTS.pastKey(l), dtype: 'f16', shape: cacheShape, part: 'KV cache' });
    caches.push({ name: GLM_INPUTS.pastValue(l), dtype: 'f16', shape: cacheShape, part: 'KV cache' });
  }
  return { params, inputs, outputs, caches };
}

/** The cache is donated: each layer's present tensor is its past tensor, written in place. */
function cacheDonations(): Map<string, string> {
  const donations = new Map<string, string>();
  for (let l = 0; l < c.numLayers; l++) {
    donations.set(GLM_OUTPUTS.presentKey(l), GLM_INPUTS.pastKey(l));
    donations.set(GLM_OUTPUTS.presentValue(l), GLM_INPUTS.pastValue(l));
  }
  return donations;
}

function int32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
}

async function main(): Promise<void> {
  const probe = await plugin.probe();
  if (!probe.available) throw new GlmError('backend', `cuda unavailable: ${probe.reason}`);
  const backend = (await plugin.open()) as CudaBackend;
  const { context: ctx, native, memory } = backend;
  console.log(`device: ${backend.device}`);
  console.log(`model: ${c.name}, ${c.numLayers} layers, INT4 weights; decode batch ${BATCH}, cache ${cache} tokens, ${topK > 0 ? `top-${topK} head` : 'full logits'}`);

  const graph = buildGlmModelGraph(c, { dtype: 'f16', quantization: 'int4', logits: 'last', cache: 'in-place-extend', ...(topK > 0 ? { topK } : {}) });
  const { plan, executable } = await compileFor(backend, graph);
  const tensors = stepTensors(plan.graph);
  const all = [...tensors.params, ...tensors.inputs, ...tensors.outputs, ...tensors.caches];

  // ---- what the run needs, before any of it is allocated ----
  const dims = bindGraphShapes(plan.graph, Object.fromEntries([...tensors.params, ...tensors.inputs, ...tensors.caches].map((t) => [t.name, t.shape])));
  const planned = planSimtGraph(plan.graph, dims, () => 256, ctx.options, cacheDonations());
  const need: Record<string, number> = {};
  for (const t of all) need[t.part] = (need[t.part] ?? 0) + bytesOf(t);
  need['arena (intermediates)'] = arenaAllocationFor(planned.arenaBytes);
  const needTotal = Object.values(need).reduce((a, b) => a + b, 0);
  const before = native.memoryInfo();
  console.log(`memory needed: ${gb(needTotal)} (${Object.entries(need).map(([k, v]) => `${k} ${gb(v)}`).join(', ')}); free ${gb(before.free)} of ${gb(before.total)}`);
  if (needTotal > before.free) {
    throw new GlmError('resource', `${c.name} with ${c.numLayers} layers in INT4 and a ${cache + 1}-token cache needs ${gb(needTotal)} of device memory, but ${backend.device} has ${gb(before.free)} free (of ${gb(before.total)})`);
  }

  // Before the model: the copy needs 2 GiB of its own for a moment.
  const ceilings = measureCeilings(native, smoke, GEMM_PATH.vendor, reps);
  console.log(`ceilings: copy ${ceilings.copy.tbPerS.toFixed(2)} TB/s, gemm ${ceilings.gemm_fp16_8192.tflopPerS.toFixed(0)} TFLOP/s`);

  // ---- the model on the device ----
  const made: DeviceTensor[] = [];
  const bound = new Map<string, DeviceTensor>();
  let seed = 100;
  for (const t of tensors.params) bound.set(t.name, randomWeight(memory, native, t.name, t.dtype, t.shape, seed++));
  for (const t of [...tensors.inputs, ...tensors.outputs]) bound.set(t.name, allocateTensor(memory, t.dtype, t.shape));
  for (const t of tensors.caches) {
    const tensor = allocateTensor(memory, t.dtype, t.shape);
    fillUniform(memory, native, tensor, -1, 1, seed++);
    bound.set(t.name, tensor);
  }
  made.push(...bound.values());
  const inputs: Record<string, DeviceTensor> = {};
  for (const t of [...tensors.params, ...tensors.inputs, ...tensors.caches]) inputs[t.name] = bound.get(t.name)!;
  const outputs: Record<string, DeviceTensor> = {};
  for (const t of tensors.outputs) outputs[t.name] = bound.get(t.name)!;
  for (const [present, past] of cacheDonations()) outputs[present] = bound.get(past)!;

  const write: Record<string, Uint8Array> = {
    [GLM_INPUTS.inputIds]: int32Bytes([1234 % c.vocabSize]),
    [GLM_INPUTS.positions]: int32Bytes([cache]),
    [GLM_INPUTS.contextLengths]: int32Bytes([step.context]),
    [GLM_INPUTS.cacheOffset]: int32Bytes([cache]),
    [GLM_INPUTS.kvLength]: int32Bytes([cache + 1]),
  };
  if (c.rotary === '2d') write[GLM_INPUTS.blockPositions] = int32Bytes([0]);
  const read = topK > 0 ? [GLM_OUTPUTS.topValues, GLM_OUTPUTS.topIndices, GLM_OUTPUTS.logSumExp] : [GLM_OUTPUTS.logits];

  // ---- the step, timed ----
  const wallMs: number[] = [];
  let last: Record<string, Uint8Array> = {};
  const replaysBefore = native.stepStats().replays;
  const t = await timeRuns(native, ctx, async () => {
    const started = performance.now();
    last = await runStep(memory, executable, { inputs, outputs }, { write, read, repeated: true });
    wallMs.push(performance.now() - started);
  }, reps, WARMUP);
  const replays = native.stepStats().replays - replaysBefore;
  if (!native.emulated && replays < reps) {
    throw new GlmError('backend', `expected the decode step to replay from a CUDA Graph, got ${replays} replays in ${reps + WARMUP} steps (${native.stepStats().lastCaptureError || 'no capture error recorded'})`);
  }
  const wall = median(wallMs.slice(-reps));

  // Every byte a token must read: all weights (the tied embedding whole, for the logits), each layer's
  // K and V up to the new token, and the logits written.
  const copyRate = ceilings.copy.tbPerS * 1e12;
  const floor = floorFrom(
    paramBytes(plan.graph) + c.numLayers * kvReadBytes(c, BATCH, cache + 1) + 2 * BATCH * c.paddedVocabSize,
    c.numLayers * layerFlops(c, step) + 2 * BATCH * c.paddedVocabSize * c.hiddenSize,
    copyRate,
    ceilings.gemm_fp16_8192.tflopPerS * 1e12,
  );
  const after = native.memoryInfo();
  const usage = memory.usage();
  const head =
    topK > 0
      ? { topIndex: new Int32Array(last[GLM_OUTPUTS.topIndices]!.slice().buffer)[0], topValue: new Float32Array(last[GLM_OUTPUTS.topValues]!.slice().buffer)[0], logSumExp: new Float32Array(last[GLM_OUTPUTS.logSumExp]!.slice().buffer)[0] }
      : {};
  console.log(
    `${step.name} (${c.numLayers} layers): ${t.medianMs.toFixed(3)} ms/token (min ${t.minMs.toFixed(3)}; wall ${wall.toFixed(3)} ms), ${(1000 / t.medianMs).toFixed(1)} tokens/s; ` +
      `floor ${floor.ms.toFixed(3)} ms (${gb(floor.bytes)} at ${ceilings.copy.tbPerS.toFixed(2)} TB/s, ${floor.bound}-bound; ×${(t.medianMs / floor.ms).toFixed(2)})`,
  );
  console.log(`memory: device used ${gb(after.total - after.free)} of ${gb(after.total)}; SDK peak ${gb(usage.peakBytes)} (arena ${gb(ctx.arenaSize)}, planned ${gb(need['arena (intermediates)']!)}); CUDA Graph replays ${replays}/${reps + WARMUP} steps`);
  if (topK > 0) console.log(`last step: top token ${head.topIndex}, logit ${head.topValue}, log-sum-exp ${head.logSumExp}`);

  const report = {
    tool: 'bench/cuda/glm-130b-int4', date: new Date().toISOString(), device: backend.device, execution: probe.execution,
    model: { name: c.name, layers: c.numLayers, hiddenSize: c.hiddenSize, heads: c.numHeads, ffnHiddenSize: c.ffnHiddenSize, paddedVocabSize: c.paddedVocabSize, weights: 'int4 (per-row fp16 scales), fp16 activations, embedding and KV cache' },
    step: { batch: BATCH, cachedTokens: cache, attendedKeys: cache + 1, capacity: cache + 1, head: topK > 0 ? `top-${topK}` : 'full logits' },
    msPerToken: t.medianMs, minMsPerToken: t.minMs, wallMsPerToken: wall, tokensPerSecond: 1000 / t.medianMs, reps,
    floor: { ...floor, overFloor: t.medianMs / floor.ms }, ceilings,
    memory: {
      needBytes: needTotal, need, freeBefore: before.free, total: after.total, deviceUsedAfter: after.total - after.free,
      sdkPeakBytes: usage.peakBytes, arenaBytes: ctx.arenaSize,
    },
    steps: native.stepStats(), replays, gemm: native.stats(), lastStep: head,
  };
  if (args.out) writeFileSync(args.out, JSON.stringify(report, null, 1) + '\n');
  executable.dispose();
  for (const tensor of made) memory.free(tensor.buffer);
  await backend.close();
}

main().catch((e) => {
  // A GlmError is one line for the user (not enough memory, a bad flag); anything else is a bug here.
  if (e instanceof GlmError) {
    console.error(`glm-130b-int4: ${e.message}`);
    process.exit(e.exitCode);
  }
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
