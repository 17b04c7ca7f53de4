/**
 * A model compiled for one backend, with its weights resident once, running prefill and decode
 * calls over a KV cache. It is the DecodingModel that generation drives.
 */
import { GlmError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { hostTensor, toFloat64, type HostTensor } from '../tensor/host-tensor.js';
import type { DecodeStep, DecodingModel, PrefillRow } from '../generate/decoding-model.js';
import { headDim, type GlmConfig } from '../models/glm/config.js';
import { buildGlmModelGraph, GLM_INPUTS, GLM_OUTPUTS } from '../models/glm/graphs.js';
import type { WeightQuantization } from '../models/glm/weights-layout.js';
import type { Weights } from '../models/glm/weights.js';
import { compileFor } from './compile.js';
import type { FallbackSplit } from './cpu-fallback.js';
import { allocateTensor, downloadTensor, freeTensor, uploadTensor } from './device-tensors.js';
import { KvCache } from './kv-cache.js';
import type { Backend, DeviceTensor, Executable, ExecutionPlan } from './plugin-contract.js';

export interface SessionOptions {
  readonly dtype: DType;
  readonly quantization?: WeightQuantization;
  /** Explicit CPU fallback for nodes the backend cannot run (see `split`); strict when absent. */
  readonly fallback?: Backend;
}

function i32(shape: number[], values: number[]): HostTensor {
  return hostTensor('i32', shape, Int32Array.from(values));
}

export class ModelSession implements DecodingModel {
  private readonly cache: KvCache;
  private contextLengths: number[] = [];
  private closed = false;

  private constructor(
    readonly backend: Backend,
    readonly config: GlmConfig,
    readonly dtype: DType,
    readonly plan: ExecutionPlan,
    private readonly executable: Executable,
    private readonly weights: ReadonlyMap<string, DeviceTensor>,
    /** Which nodes run on the fallback backend, when one was allowed and needed. */
    readonly split?: FallbackSplit,
  ) {
    this.cache = new KvCache(backend.memory);
  }

  /** Compile the model graph for the backend and upload the (already checked) weights once. */
  static async open(backend: Backend, config: GlmConfig, weights: Weights, options: SessionOptions): Promise<ModelSession> {
    const graph = buildGlmModelGraph(config, { dtype: options.dtype, quantization: options.quantization ?? 'none', logits: 'last' });
    const { plan, executable, split } = await compileFor(backend, graph, options.fallback ? { fallback: options.fallback } : {});
    const resident = new Map<string, DeviceTensor>();
    try {
      for (const id of plan.graph.params) {
        const name = plan.graph.values[id]!.name;
        const t = weights.get(name);
        if (!t) throw new GlmError('input', `weight "${name}" is missing`);
        resident.set(name, await uploadTensor(backend.memory, t));
      }
    } catch (e) {
      for (const t of resident.values()) freeTensor(backend.memory, t);
      executable.dispose();
      throw e;
    }
    return new ModelSession(backend, config, options.dtype, plan, executable, resident, split);
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

  async prefill(rows: PrefillRow[]): Promise<Float32Array[]> {
    if (rows.length === 0) throw new GlmError('usage', 'prefill needs at least one row');
    const length = rows[0]!.tokens.length;
    if (rows.some((r) => r.tokens.length !== length)) throw new GlmError('input', 'prefill rows must have the same length');
    this.cache.clear();
    this.contextLengths = rows.map((r) => r.contextLength);
    return this.call({
      tokens: rows.map((r) => r.tokens),
      positions: rows.map((r) => r.positions),
      blockPositions: rows.map((r) => r.blockPositions ?? []),
      cacheIndex: rows.map((_, i) => i),
      past: 'empty',
    });
  }

  async decode(step: DecodeStep): Promise<Float32Array[]> {
    if (this.cache.batch === 0) throw new GlmError('usage', 'decode called before prefill');
    for (const p of step.parents) {
      if (!Number.isInteger(p) || p < 0 || p >= this.cache.batch) throw new GlmError('usage', `decode parent ${p} is not a row of the cache`);
    }
    this.contextLengths = step.parents.map((p) => this.contextLengths[p]!);
    return this.call({
      tokens: step.tokens.map((t) => [t]),
      positions: step.positions.map((p) => [p]),
      blockPositions: (step.blockPositions ?? []).map((p) => [p]),
      cacheIndex: step.parents,
      past: 'cache',
    });
  }

  private emptyCache(batch: number): { keys: DeviceTensor[]; values: DeviceTensor[] } {
    const shape = [batch, this.config.numHeads, 0, headDim(this.config)];
    const make = () => Array.from({ length: this.config.numLayers }, () => allocateTensor(this.backend.memory, this.dtype, shape));
    return { keys: make(), values: make() };
  }

  private async call(args: {
    tokens: number[][];
    positions: number[][];
    blockPositions: number[][];
    cacheIndex: number[];
    /** 'empty': a fresh start (prefill); 'cache': continue the session's KV cache (decode). */
    past: 'empty' | 'cache';
  }): Promise<Float32Array[]> {
    if (this.closed) throw new GlmError('usage', 'session is closed');
    const c = this.config;
    const batch = args.tokens.length;
    const seq = args.tokens[0]!.length;
    const pastLength = args.past === 'empty' ? 0 : this.cache.length;
    if (pastLength + seq > c.maxSequenceLength) {
      throw new GlmError('input', `sequence of ${pastLength + seq} tokens exceeds the model's maximum of ${c.maxSequenceLength}`);
    }
    for (const row of args.tokens) {
      for (const t of row) if (!Number.isInteger(t) || t < 0 || t >= c.paddedVocabSize) throw new GlmError('input', `token id ${t} is outside the vocabulary`);
    }
    const host: Record<string, HostTensor> = {
      [GLM_INPUTS.inputIds]: i32([batch, seq], args.tokens.flat()),
      [GLM_INPUTS.positions]: i32([batch, seq], args.positions.flat()),
      [GLM_INPUTS.contextLengths]: i32([batch], this.contextLengths),
      [GLM_INPUTS.cacheIndex]: i32([batch], args.cacheIndex),
    };
    if (c.rotary === '2d') host[GLM_INPUTS.blockPositions] = i32([batch, seq], args.blockPositions.flat());

    const transient: DeviceTensor[] = [];
    const inputs: Record<string, DeviceTensor> = Object.fromEntries(this.weights);
    for (const [name, t] of Object.entries(host)) transient.push((inputs[name] = await uploadTensor(this.backend.memory, t)));
    const empty = args.past === 'empty' ? this.emptyCache(batch) : undefined;
    if (empty) transient.push(...empty.keys, ...empty.values);
    for (let layer = 0; layer < c.numLayers; layer++) {
      inputs[GLM_INPUTS.pastKey(layer)] = empty ? empty.keys[layer]! : this.cache.key(layer);
      inputs[GLM_INPUTS.pastValue(layer)] = empty ? empty.values[layer]! : this.cache.value(layer);
    }

    const kvShape = [batch, c.numHeads, pastLength + seq, headDim(c)];
    const logits = allocateTensor(this.backend.memory, this.dtype, [batch, 1, c.paddedVocabSize]);
    transient.push(logits);
    const keys: DeviceTensor[] = [];
    const values: DeviceTensor[] = [];
    const outputs: Record<string, DeviceTensor> = { [GLM_OUTPUTS.logits]: logits };
    try {
      for (let layer = 0; layer < c.numLayers; layer++) {
        keys.push((outputs[GLM_OUTPUTS.presentKey(layer)] = allocateTensor(this.backend.memory, this.dtype, kvShape)));
        values.push((outputs[GLM_OUTPUTS.presentValue(layer)] = allocateTensor(this.backend.memory, this.dtype, kvShape)));
      }
      await this.executable.run({ inputs, outputs });
    } catch (e) {
      for (const t of [...keys, ...values, ...transient]) freeTensor(this.backend.memory, t);
      throw e;
    }
    this.cache.replace(keys, values, batch, pastLength + seq);
    const result = toFloat64(await downloadTensor(this.backend.memory, logits));
    for (const t of transient) freeTensor(this.backend.memory, t);
    const width = c.paddedVocabSize;
    return Array.from({ length: batch }, (_, r) => Float32Array.from(result.subarray(r * width, (r + 1) * width)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    for (const t of this.weights.values()) freeTensor(this.backend.memory, t);
    this.executable.dispose();
  }
}
