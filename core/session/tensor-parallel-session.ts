/**
 * GLM generation over N tensor-parallel ranks of one backend: one rank session per rank
 * (ModelSession with `shard`), all given the same call at once; their all-reduces meet inside the
 * backend's collective, and each returns its block of the vocabulary, concatenated here in rank order
 * (the gather of logits). It reads full logits: the device top-k of a single rank would need a
 * distributed top-k, not implemented, and generation on full logits gives the same tokens.
 */
import { GlmError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import type { DecodeStep, DecodingModel, PrefillRow } from '../generate/decoding-model.js';
import type { GlmConfig } from '../models/glm/config.js';
import type { Weights } from '../models/glm/weights.js';
import type { Backend, ExecutionPlan } from '../backend-api/plugin-contract.js';
import type { FallbackSplit } from '../execute/cpu-fallback.js';
import { checkTensorParallel } from '../passes/shard-layout.js';
import { ModelSession, type SessionOptions } from './session.js';

export class TensorParallelSession implements DecodingModel {
  private constructor(
    readonly config: GlmConfig,
    readonly dtype: DType,
    private readonly ranks: readonly ModelSession[],
    private readonly rankBackends: readonly Backend[],
  ) {}

  /** Open one rank session per backend rank (`Backend.openRanks`); the ranks are closed with the session. */
  static async open(ranks: readonly Backend[], config: GlmConfig, weights: Weights, options: Omit<SessionOptions, 'shard'>): Promise<TensorParallelSession> {
    const worldSize = ranks.length;
    checkTensorParallel(config, worldSize);
    if (options.fallback) throw new GlmError('usage', 'the CPU fallback cannot be combined with tensor parallelism');
    const opened: ModelSession[] = [];
    try {
      for (const [rank, backend] of ranks.entries()) opened.push(await ModelSession.open(backend, config, weights, { ...options, shard: { rank, worldSize } }));
    } catch (e) {
      for (const s of opened) await s.close();
      throw e;
    }
    return new TensorParallelSession(config, options.dtype, opened, ranks);
  }

  get worldSize(): number {
    return this.ranks.length;
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** Rank 0's decode graph as lowered (every rank runs the same graph on its own weights). */
  get plan(): ExecutionPlan {
    return this.ranks[0]!.plan;
  }

  get split(): FallbackSplit | undefined {
    return undefined;
  }

  /** Bytes of weights over all ranks. */
  get weightBytes(): number {
    return this.ranks.reduce((n, r) => n + r.weightBytes, 0);
  }

  /** Each rank's backend, in rank order (each holds its slice of the weights and of the cache). */
  get deviceBackends(): readonly Backend[] {
    return this.rankBackends;
  }

  get cacheBytes(): number {
    return this.ranks.reduce((n, r) => n + r.cacheBytes, 0);
  }

  prefill(rows: PrefillRow[]): Promise<Float32Array[]> {
    return this.gather((s) => s.prefill(rows));
  }

  decode(step: DecodeStep): Promise<Float32Array[]> {
    return this.gather((s) => s.decode(step));
  }

  /** Every rank runs the call; row r's logits are the ranks' blocks of row r, in rank order. */
  private async gather(call: (s: ModelSession) => Promise<Float32Array[]>): Promise<Float32Array[]> {
    const blocks = await Promise.all(this.ranks.map(call));
    return blocks[0]!.map((_, row) => {
      const out = new Float32Array(this.config.paddedVocabSize);
      let at = 0;
      for (const rank of blocks) {
        out.set(rank[row]!, at);
        at += rank[row]!.length;
      }
      return out;
    });
  }

  async close(): Promise<void> {
    for (const s of this.ranks) await s.close();
    for (const b of this.rankBackends) await b.close();
  }
}
