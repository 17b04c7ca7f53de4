/**
 * A model compiled for one backend, with its weights resident once, running prefill and decode
 * calls over an in-place KV cache. It is the DecodingModel that generation drives.
 *
 * Per call: the small inputs (tokens, positions, cache offset) are written and the small outputs
 * (logits, or the device's top-k candidates) read back in one runStep, so a backend that implements
 * it waits for the device once per generated token. Decode steps reuse the same bound tensors, so
 * their launches are identical from step to step and a backend may record them once and replay them.
 */
import { GlmError, isGlmError } from '../errors.js';
import { byteLengthOf, storageView, type DType } from '../tensor/dtype.js';
import { elementCount, hostTensor, toFloat64 } from '../tensor/host-tensor.js';
import type { DecodeStep, DecodingModel, PrefillRow, TopLogits, TopLogitsStep } from '../generate/decoding-model.js';
import { headDim, kvHeads, type GlmConfig } from '../models/glm/config.js';
import type { KvCacheForm } from '../models/glm/block.js';
import { buildCacheReorderGraph, buildGlmModelGraph, CACHE_REORDER, GLM_INPUTS, GLM_OUTPUTS } from '../models/glm/graphs.js';
import type { WeightQuantization } from '../models/glm/weights-layout.js';
import type { Weights } from '../models/glm/weights.js';
import { compileFor, type Compiled } from '../execute/compile.js';
import type { FallbackSplit } from '../execute/cpu-fallback.js';
import { allocateTensor, freeTensor, uploadTensor } from '../backend-api/device-tensors.js';
import { CacheDroppedError, KvCache } from './kv-cache.js';
import type { Backend, DeviceTensor, ExecutionPlan } from '../backend-api/plugin-contract.js';
import { runStep } from '../backend-api/run-step.js';
import type { Graph } from '../ir/graph.js';
import { shardGlmGraph, SHARD_INPUTS } from '../passes/shard-graph.js';
import { vocabularyShardInputs } from '../passes/shard-io.js';
import { shardWeights } from '../passes/shard-weights.js';

export interface SessionOptions {
  readonly dtype: DType;
  readonly quantization?: WeightQuantization;
  /** Explicit CPU fallback for nodes the backend cannot run (see `split`); strict when absent. */
  readonly fallback?: Backend;
  /** Tokens the KV cache holds per row; the model's maximum sequence length when absent. */
  readonly cacheCapacity?: number;
  /**
   * This session is rank `rank` of `worldSize` tensor-parallel ranks (TensorParallelSession opens
   * them): its graphs are sharded (core/passes/shard-graph.ts), it holds its slice of the weights and
   * of the KV cache's heads, and its logits are its block of the vocabulary.
   */
  readonly shard?: RankShard;
}

export interface RankShard {
  readonly rank: number;
  readonly worldSize: number;
}

type CallForm = Exclude<KvCacheForm, 'functional'>;

/** The tensors one call binds besides weights and cache; decode steps reuse them. */
interface Staging {
  readonly key: string;
  readonly inputs: Record<string, DeviceTensor>;
  readonly outputs: Record<string, DeviceTensor>;
}

interface CallResult {
  readonly full?: Float32Array[];
  readonly top?: TopLogits[];
}

/** Candidates asked of a call: the k largest logits, and the log-sum-exp at this temperature too when ≠ 1. */
interface TopRequest {
  readonly k: number;
  readonly temperature: number;
}

/** The part of a graph's or staging's key that says what a call selects. */
function topKey(top?: TopRequest): string {
  return top === undefined ? 'all' : top.temperature === 1 ? `${top.k}` : `${top.k}@${top.temperature}`;
}

function int32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
}

export class ModelSession implements DecodingModel {
  private readonly cache: KvCache;
  private readonly compiled = new Map<string, Compiled>();
  private contextLengths: number[] = [];
  private staging: Staging | undefined;
  /** Counts calls, so a step's full() can tell its logits were overwritten since. */
  private calls = 0;
  private closed = false;

  private constructor(
    readonly backend: Backend,
    readonly config: GlmConfig,
    readonly dtype: DType,
    private readonly options: SessionOptions,
    private readonly weights: ReadonlyMap<string, DeviceTensor>,
    decode: Compiled,
  ) {
    const capacity = options.cacheCapacity ?? config.maxSequenceLength;
    // Grouped-query attention (ChatGLM2/3, GLM-4) caches only the KV heads.
    const heads = kvHeads(config) / (options.shard?.worldSize ?? 1);
    this.cache = new KvCache(backend.memory, { layers: config.numLayers, heads, headDim: headDim(config), capacity, dtype });
    this.compiled.set(ModelSession.graphKey('in-place-extend'), decode);
  }

  /** Compile the decode graph for the backend and upload the (already checked) weights once. */
  static async open(backend: Backend, config: GlmConfig, weights: Weights, options: SessionOptions): Promise<ModelSession> {
    const capacity = options.cacheCapacity ?? config.maxSequenceLength;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > config.maxSequenceLength) {
      throw new GlmError('usage', `cache capacity must be an integer in [1, ${config.maxSequenceLength}], got ${capacity}`);
    }
    const decode = await ModelSession.compileGraph(backend, config, options, 'in-place-extend');
    const resident = new Map<string, DeviceTensor>();
    try {
      const own = options.shard ? shardWeights(config, weights, options.shard.rank, options.shard.worldSize) : weights;
      for (const id of decode.plan.graph.params) {
        const name = decode.plan.graph.values[id]!.name;
        const t = own.get(name);
        if (!t) throw new GlmError('input', `weight "${name}" is missing`);
        resident.set(name, await uploadTensor(backend.memory, t));
      }
    } catch (e) {
      for (const t of resident.values()) freeTensor(backend.memory, t);
      decode.executable.dispose();
      throw e;
    }
    return new ModelSession(backend, config, options.dtype, options, resident, decode);
  }

  private static graphKey(form: CallForm | 'reorder', top?: TopRequest): string {
    return `${form}/${topKey(top)}`;
  }

  private static compileGraph(backend: Backend, config: GlmConfig, options: SessionOptions, form: CallForm | 'reorder', top?: TopRequest): Promise<Compiled> {
    const built: Graph =
      form === 'reorder'
        ? buildCacheReorderGraph(config, options.dtype)
        : buildGlmModelGraph(config, {
            dtype: options.dtype,
            quantization: options.quantization ?? 'none',
            logits: 'last',
            cache: form,
            ...(top === undefined ? {} : { topK: top.k, topTemperature: top.temperature }),
          });
    const graph = options.shard ? shardGlmGraph(built, config, options.shard.worldSize).graph : built;
    return compileFor(backend, graph, options.fallback ? { fallback: options.fallback } : {});
  }

  private async graph(form: CallForm | 'reorder', top?: TopRequest): Promise<Compiled> {
    const key = ModelSession.graphKey(form, top);
    let c = this.compiled.get(key);
    if (!c) {
      c = await ModelSession.compileGraph(this.backend, this.config, this.options, form, top);
      this.compiled.set(key, c);
    }
    return c;
  }

  /** The decode graph as lowered for the backend (what the CLI reports). */
  get plan(): ExecutionPlan {
    return this.compiled.get(ModelSession.graphKey('in-place-extend'))!.plan;
  }

  /** Which nodes of the decode graph run on the fallback backend, when one was allowed and needed. */
  get split(): FallbackSplit | undefined {
    return this.compiled.get(ModelSession.graphKey('in-place-extend'))!.split;
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** Bytes of weights held on the backend. */
  get weightBytes(): number {
    let n = 0;
    for (const t of this.weights.values()) n += t.buffer.byteLength;
    return n;
  }

  /** Bytes of the KV cache held on the backend. */
  get cacheBytes(): number {
    return this.cache.byteLength;
  }

  /** The backend holding the weights and the cache. */
  get deviceBackends(): readonly Backend[] {
    return [this.backend];
  }

  async prefill(rows: PrefillRow[]): Promise<Float32Array[]> {
    return (await this.start(rows)).full!;
  }

  async prefillTop(rows: PrefillRow[], k: number, temperature = 1): Promise<TopLogitsStep> {
    return this.topStep(await this.start(rows, { k, temperature }));
  }

  async decode(step: DecodeStep): Promise<Float32Array[]> {
    return (await this.extend(step)).full!;
  }

  async decodeTop(step: DecodeStep, k: number, temperature = 1): Promise<TopLogitsStep> {
    return this.topStep(await this.extend(step, { k, temperature }));
  }

  private async start(rows: PrefillRow[], top?: TopRequest): Promise<CallResult> {
    if (rows.length === 0) throw new GlmError('usage', 'prefill needs at least one row');
    const length = rows[0]!.tokens.length;
    if (rows.some((r) => r.tokens.length !== length)) throw new GlmError('input', 'prefill rows must have the same length');
    this.checkOpen();
    this.checkLength(length);
    this.cache.reset(rows.length);
    this.contextLengths = rows.map((r) => r.contextLength);
    const result = await this.call('in-place-start', {
      tokens: rows.map((r) => r.tokens),
      positions: rows.map((r) => r.positions),
      blockPositions: rows.map((r) => r.blockPositions ?? []),
    }, top);
    this.cache.length = length;
    return result;
  }

  private async extend(step: DecodeStep, top?: TopRequest): Promise<CallResult> {
    this.checkOpen();
    if (this.cache.rows === 0) throw new GlmError('usage', 'decode called before prefill');
    for (const p of step.parents) {
      if (!Number.isInteger(p) || p < 0 || p >= this.cache.rows) throw new GlmError('usage', `decode parent ${p} is not a row of the cache`);
    }
    this.checkLength(this.cache.length + 1);
    await this.reorder(step.parents);
    const result = await this.call('in-place-extend', {
      tokens: step.tokens.map((t) => [t]),
      positions: step.positions.map((p) => [p]),
      blockPositions: (step.blockPositions ?? []).map((p) => [p]),
    }, top);
    this.cache.length += 1;
    return result;
  }

  /**
   * Rows of the next step continue `parents`; copies the cache only when that is not the identity,
   * one layer at a time (a layer's copy beside the cache, not a second cache). A failure part-way
   * drops the cache, whose layers then disagree: the error says so, and the next call must prefill.
   */
  private async reorder(parents: readonly number[]): Promise<void> {
    const identity = parents.length === this.cache.rows && parents.every((p, i) => p === i);
    if (identity) return;
    const contextLengths = parents.map((p) => this.contextLengths[p]!); // taken on success only
    const { executable } = await this.graph('reorder');
    const index = await uploadTensor(this.backend.memory, hostTensor('i32', [parents.length], Int32Array.from(parents)));
    try {
      await this.cache.replaceRows(parents.length, (layer, key, value) =>
        executable.run({
          inputs: { [GLM_INPUTS.cacheIndex]: index, [CACHE_REORDER.key]: this.cache.key(layer), [CACHE_REORDER.value]: this.cache.value(layer) },
          outputs: { [CACHE_REORDER.reorderedKey]: key, [CACHE_REORDER.reorderedValue]: value },
        }),
      );
    } catch (e) {
      if (!(e instanceof CacheDroppedError)) throw e;
      const kind = isGlmError(e.cause) ? e.cause.code : 'backend';
      throw new GlmError(kind, `${e.message} (reordering layer ${e.layer} of the KV cache for beam search; the cache was dropped: prefill again)`, { cause: e.cause });
    } finally {
      freeTensor(this.backend.memory, index);
    }
    this.contextLengths = contextLengths;
  }

  private checkOpen(): void {
    if (this.closed) throw new GlmError('usage', 'session is closed');
  }

  private checkLength(total: number): void {
    const capacity = this.cache.geometry.capacity;
    if (total > capacity) {
      const limit = capacity === this.config.maxSequenceLength ? "the model's maximum" : "the session's KV-cache capacity";
      throw new GlmError('input', `sequence of ${total} tokens exceeds ${limit} of ${capacity}`);
    }
  }

  private async call(
    form: CallForm,
    args: { tokens: number[][]; positions: number[][]; blockPositions: number[][] },
    top?: TopRequest,
  ): Promise<CallResult> {
    const c = this.config;
    const batch = args.tokens.length;
    const seq = args.tokens[0]!.length;
    for (const row of args.tokens) {
      for (const t of row) if (!Number.isInteger(t) || t < 0 || t >= c.paddedVocabSize) throw new GlmError('input', `token id ${t} is outside the vocabulary`);
    }
    if (top !== undefined && (!Number.isInteger(top.k) || top.k < 1 || top.k > c.vocabSize)) {
      throw new GlmError('usage', `top-k candidates must be an integer in [1, ${c.vocabSize}], got ${top.k}`);
    }
    if (top !== undefined && !(top.temperature > 0 && Number.isFinite(top.temperature))) {
      throw new GlmError('usage', `the candidates' temperature must be a positive number, got ${top.temperature}`);
    }
    const scaled = top !== undefined && top.temperature !== 1;
    const { executable } = await this.graph(form, top);
    const staging = this.stage(form, batch, seq, top);

    const write: Record<string, Uint8Array> = {
      [GLM_INPUTS.inputIds]: int32Bytes(args.tokens.flat()),
      [GLM_INPUTS.positions]: int32Bytes(args.positions.flat()),
      [GLM_INPUTS.contextLengths]: int32Bytes(this.contextLengths),
      [GLM_INPUTS.cacheOffset]: int32Bytes([this.cache.length]),
    };
    if (c.rotary === '2d') write[GLM_INPUTS.blockPositions] = int32Bytes(args.blockPositions.flat());
    if (form === 'in-place-extend') write[GLM_INPUTS.kvLength] = int32Bytes([this.cache.length + seq]);
    if (this.options.shard) {
      const { rank, worldSize } = this.options.shard;
      const { local, mask } = vocabularyShardInputs(args.tokens.flat(), rank, worldSize, c.paddedVocabSize);
      write[SHARD_INPUTS.localInputIds] = new Uint8Array(local.buffer);
      write[SHARD_INPUTS.vocabMask] = new Uint8Array(mask.buffer);
    }

    const inputs: Record<string, DeviceTensor> = { ...Object.fromEntries(this.weights), ...staging.inputs };
    const outputs: Record<string, DeviceTensor> = { ...staging.outputs };
    for (let l = 0; l < c.numLayers; l++) {
      // The cache is donated: each layer's present tensor is its past tensor, written in place.
      inputs[GLM_INPUTS.pastKey(l)] = outputs[GLM_OUTPUTS.presentKey(l)] = this.cache.key(l);
      inputs[GLM_INPUTS.pastValue(l)] = outputs[GLM_OUTPUTS.presentValue(l)] = this.cache.value(l);
    }
    const read =
      top === undefined
        ? [GLM_OUTPUTS.logits]
        : [GLM_OUTPUTS.topValues, GLM_OUTPUTS.topIndices, GLM_OUTPUTS.logSumExp, ...(scaled ? [GLM_OUTPUTS.logSumExpScaled] : [])];
    this.calls++;
    const bytes = await runStep(this.backend.memory, executable, { inputs, outputs }, { write, read, repeated: form === 'in-place-extend' });
    if (top === undefined) return { full: this.logitRows(bytes[GLM_OUTPUTS.logits]!, batch) };
    const { k } = top;
    const values = new Float32Array(bytes[GLM_OUTPUTS.topValues]!.slice().buffer);
    const indices = new Int32Array(bytes[GLM_OUTPUTS.topIndices]!.slice().buffer);
    const logSumExp = new Float32Array(bytes[GLM_OUTPUTS.logSumExp]!.slice().buffer);
    const scaledLogSumExp = scaled ? new Float32Array(bytes[GLM_OUTPUTS.logSumExpScaled]!.slice().buffer) : undefined;
    return {
      top: Array.from({ length: batch }, (_, r) => ({
        ids: indices.slice(r * k, (r + 1) * k),
        logits: values.slice(r * k, (r + 1) * k),
        logSumExp: logSumExp[r]!,
        ...(scaledLogSumExp ? { scaledLogSumExp: scaledLogSumExp[r]! } : {}),
      })),
    };
  }

  /** The call's bound tensors, reused while form, batch, length and head stay the same (decode). */
  private stage(form: CallForm, batch: number, seq: number, top?: TopRequest): Staging {
    const key = `${form}/${batch}/${seq}/${topKey(top)}`;
    if (this.staging?.key === key) return this.staging;
    this.freeStaging();
    const c = this.config;
    const memory = this.backend.memory;
    const made: DeviceTensor[] = [];
    const make = (dtype: DType, shape: number[]) => {
      const t = allocateTensor(memory, dtype, shape);
      made.push(t);
      return t;
    };
    try {
      const inputs: Record<string, DeviceTensor> = {
        [GLM_INPUTS.inputIds]: make('i32', [batch, seq]),
        [GLM_INPUTS.positions]: make('i32', [batch, seq]),
        [GLM_INPUTS.contextLengths]: make('i32', [batch]),
        [GLM_INPUTS.cacheOffset]: make('i32', [1]),
      };
      if (c.rotary === '2d') inputs[GLM_INPUTS.blockPositions] = make('i32', [batch, seq]);
      if (form === 'in-place-extend') inputs[GLM_INPUTS.kvLength] = make('i32', [1]);
      if (this.options.shard) {
        inputs[SHARD_INPUTS.localInputIds] = make('i32', [batch, seq]);
        inputs[SHARD_INPUTS.vocabMask] = make('i8', [batch, seq, 1]);
      }
      const vocabulary = c.paddedVocabSize / (this.options.shard?.worldSize ?? 1);
      const outputs: Record<string, DeviceTensor> = { [GLM_OUTPUTS.logits]: make(this.dtype, [batch, 1, vocabulary]) };
      if (top !== undefined) {
        outputs[GLM_OUTPUTS.topValues] = make('f32', [batch, 1, top.k]);
        outputs[GLM_OUTPUTS.topIndices] = make('i32', [batch, 1, top.k]);
        outputs[GLM_OUTPUTS.logSumExp] = make('f32', [batch, 1]);
        if (top.temperature !== 1) outputs[GLM_OUTPUTS.logSumExpScaled] = make('f32', [batch, 1]);
      }
      this.staging = { key, inputs, outputs };
      return this.staging;
    } catch (e) {
      for (const t of made) freeTensor(memory, t);
      throw e;
    }
  }

  private freeStaging(): void {
    if (!this.staging) return;
    for (const t of [...Object.values(this.staging.inputs), ...Object.values(this.staging.outputs)]) freeTensor(this.backend.memory, t);
    this.staging = undefined;
  }

  /** Each row's logits: the whole padded vocabulary, or this rank's block of it. */
  private logitRows(bytes: Uint8Array, batch: number): Float32Array[] {
    const width = this.config.paddedVocabSize / (this.options.shard?.worldSize ?? 1);
    const count = batch * width;
    const all = toFloat64(hostTensor(this.dtype, [count], storageView(this.dtype, bytes, count)));
    return Array.from({ length: batch }, (_, r) => Float32Array.from(all.subarray(r * width, (r + 1) * width)));
  }

  /** A top-k result whose full rows can still be read until the next call overwrites them. */
  private topStep(result: CallResult): TopLogitsStep {
    const call = this.calls;
    const logits = this.staging!.outputs[GLM_OUTPUTS.logits]!;
    return {
      rows: result.top!,
      full: async () => {
        if (call !== this.calls) throw new GlmError('usage', 'the full logits of this step were overwritten by a later call');
        const bytes = await this.backend.memory.read(logits.buffer, logits.byteOffset, byteLengthOf(logits.dtype, elementCount(logits.shape)));
        return this.logitRows(bytes, logits.shape[0]!);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.freeStaging();
    this.cache.clear();
    for (const t of this.weights.values()) freeTensor(this.backend.memory, t);
    for (const c of this.compiled.values()) c.executable.dispose();
  }
}
