/**
 * A model compiled for one backend with its weights resident and its KV cache allocated: what
 * `glm run` and `glm evaluate` open, and what fillBlanks/generate/evaluate run on. Strict by default
 * (a node the backend cannot run fails the open); the CPU fallback only when asked, and then the split
 * is part of the session's description. Nothing here prints.
 */
import { loadPlugin, openBackend } from '../backends/registry.js';
import type { Backend, ExecutionKind } from '../core/backend-api/plugin-contract.js';
import type { FallbackSplit } from '../core/execute/cpu-fallback.js';
import { GlmError } from '../core/errors.js';
import { checkTensorParallel } from '../core/passes/shard-layout.js';
import { openGlmSession, type GlmSession } from '../core/session/open-session.js';
import type { Model } from './load-model.js';

export interface OpenSessionOptions {
  /** A built-in name (cpu-ref, cuda, rocm-dcu, ascend, sunway), a plugin path or a package name; default cpu-ref. */
  readonly backend?: string;
  /** Run the nodes the backend cannot run on cpu-ref (see Session.cpuFallback); strict when false (default). */
  readonly allowCpuFallback?: boolean;
  /** Tokens a row's KV cache holds: the longest sequence this session can generate (default: the model's maximum). */
  readonly cacheCapacity?: number;
  /** Where plugin paths and package names resolve (default: the current directory). */
  readonly cwd?: string;
  /**
   * Split the model over this many ranks of the backend (Megatron-style tensor parallelism, the
   * release's --model-parallel-size; docs/tensor-parallel.md). N must divide the heads, the FFN width
   * and the padded vocabulary; a backend without multi-rank support refuses with its reason. Default 1.
   */
  readonly tensorParallel?: number;
}

/** Where a session's results come from: the backend, its device, and real hardware, an emulator or cpu-ref. */
export interface ResultSource {
  readonly backend: string;
  readonly device: string;
  readonly execution: ExecutionKind;
  /** Present when some nodes ran on cpu-ref (allowCpuFallback). */
  readonly cpuFallback?: FallbackSplit;
  /** Tensor-parallel ranks the model is split over (1: not split). */
  readonly tensorParallel: number;
}

export class Session {
  private constructor(
    readonly model: Model,
    /** The runtime session (core/session): prefill/decode, for callers that drive decoding themselves. */
    readonly modelSession: GlmSession,
    /** The backend the session runs on (with tensor parallelism: the one its ranks were opened from). */
    readonly backend: Backend,
    private readonly fallback: Backend | undefined,
    /** Tokens a row's KV cache holds: the longest sequence this session can generate. */
    readonly capacity: number,
    /** Tensor-parallel ranks the model is split over (1: not split). */
    readonly tensorParallel: number,
  ) {}

  static async open(model: Model, options: OpenSessionOptions = {}): Promise<Session> {
    // Cheap checks before any backend is opened or anything compiled.
    const tensorParallel = options.tensorParallel ?? 1;
    checkTensorParallel(model.config, tensorParallel);
    if (tensorParallel > 1 && options.allowCpuFallback) throw new GlmError('usage', 'the CPU fallback cannot be combined with tensor parallelism');
    const { backend } = await openBackend(options.backend ?? 'cpu-ref', options.cwd);
    let fallback: Backend | undefined;
    try {
      fallback = options.allowCpuFallback && backend.name !== 'cpu-ref' ? await (await loadPlugin('cpu-ref')).open() : undefined;
      const modelSession = await openGlmSession(backend, model.config, model.weights, {
        dtype: model.dtype,
        quantization: model.quantization,
        tensorParallel,
        ...(fallback ? { fallback } : {}),
        ...(options.cacheCapacity === undefined ? {} : { cacheCapacity: options.cacheCapacity }),
      });
      return new Session(model, modelSession, backend, fallback, options.cacheCapacity ?? model.config.maxSequenceLength, tensorParallel);
    } catch (e) {
      await fallback?.close();
      await backend.close();
      throw e;
    }
  }

  /** Where results come from; every result of fillBlanks and evaluate carries it. */
  get source(): ResultSource {
    const { name, device, execution } = this.backend;
    const split = this.modelSession.split;
    return { backend: name, device, execution, tensorParallel: this.tensorParallel, ...(split ? { cpuFallback: split } : {}) };
  }

  /** Composites the backend did not claim, run as their decompositions (with its reason). */
  get decomposed() {
    return this.modelSession.plan.decomposed;
  }

  /** The backend's device memory now and at peak, when it reports it. */
  memoryUsage() {
    return this.backend.memory.usage?.();
  }

  async close(): Promise<void> {
    await this.modelSession.close();
    await this.backend.close();
    await this.fallback?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Open a session: load the backend, compile the model for it, upload the weights. */
export function openSession(model: Model, options: OpenSessionOptions = {}): Promise<Session> {
  return Session.open(model, options);
}
