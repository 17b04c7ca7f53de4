/**
 * Opening a GLM session on a backend, with tensor parallelism as a plain option: `tensorParallel: N`
 * (N > 1) asks the backend for N ranks (`Backend.openRanks`) and splits the model over them; a backend
 * without multi-rank support is refused with that reason. The library's public entry passes it through.
 */
import type { DecodingModel } from '../generate/decoding-model.js';
import type { GlmConfig } from '../models/glm/config.js';
import type { Weights } from '../models/glm/weights.js';
import type { Backend, ExecutionPlan } from '../backend-api/plugin-contract.js';
import type { FallbackSplit } from '../execute/cpu-fallback.js';
import { openRanksOf } from '../execute/run-sharded.js';
import { checkTensorParallel } from '../passes/shard-layout.js';
import { ModelSession, type SessionOptions } from './session.js';
import { TensorParallelSession } from './tensor-parallel-session.js';

export interface GlmSessionOptions extends Omit<SessionOptions, 'shard'> {
  /** Ranks to split the model over (Megatron-style tensor parallelism); 1 or absent: one rank. */
  readonly tensorParallel?: number;
}

/** What both a single-rank and a tensor-parallel session offer. */
export interface GlmSession extends DecodingModel {
  readonly config: GlmConfig;
  readonly plan: ExecutionPlan;
  readonly split: FallbackSplit | undefined;
  readonly weightBytes: number;
  readonly cacheBytes: number;
  /** The backends holding the session's weights and cache: its own, or each rank's (tensor parallelism). */
  readonly deviceBackends: readonly Backend[];
  close(): Promise<void>;
}

export async function openGlmSession(backend: Backend, config: GlmConfig, weights: Weights, options: GlmSessionOptions): Promise<GlmSession> {
  const { tensorParallel = 1, ...rest } = options;
  checkTensorParallel(config, tensorParallel);
  if (tensorParallel === 1) return ModelSession.open(backend, config, weights, rest);
  const ranks = await openRanksOf(backend, tensorParallel);
  try {
    return await TensorParallelSession.open(ranks, config, weights, rest);
  } catch (e) {
    for (const r of ranks) await r.close();
    throw e;
  }
}
