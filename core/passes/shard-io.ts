/**
 * The host side of a sharded graph: rank r's inputs from the full ones (weights sliced, caches split by
 * heads, the vocabulary-parallel lookup's ids and mask derived from input_ids) and the full outputs
 * from the ranks' (split outputs concatenated in rank order, replicated ones checked to agree).
 */
import { GlmError } from '../errors.js';
import { fromFloat64, hostTensor, toFloat64, type HostTensor } from '../tensor/host-tensor.js';
import type { GlmConfig } from '../models/glm/config.js';
import { SHARD_INPUTS, type ShardedGraph } from './shard-graph.js';
import { shardTensor, takeBlocks } from './shard-weights.js';

/**
 * Megatron's VocabParallelEmbedding input: ids of this rank's rows [start, start + Vp/N) become local
 * row numbers, every other id row 0 with mask 0 (its looked-up row is zeroed before the all-reduce).
 */
export function vocabularyShardInputs(ids: ArrayLike<number>, rank: number, worldSize: number, paddedVocabSize: number): { local: Int32Array; mask: Int8Array } {
  const rows = paddedVocabSize / worldSize;
  const start = rank * rows;
  const local = new Int32Array(ids.length);
  const mask = new Int8Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const own = ids[i]! >= start && ids[i]! < start + rows;
    local[i] = own ? ids[i]! - start : 0;
    mask[i] = own ? 1 : 0;
  }
  return { local, mask };
}

/** Rank r's tensors for a sharded graph, from the full graph's inputs and weights (bound by name). */
export function rankInputs(sharded: ShardedGraph, c: GlmConfig, full: Readonly<Record<string, HostTensor>>, rank: number): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, shard] of Object.entries(sharded.params)) out[name] = shardTensor(need(full, name), shard, rank, sharded.worldSize, name);
  for (const [name, shard] of Object.entries(sharded.inputs)) {
    if (shard.kind === 'replicated') out[name] = need(full, name);
    else if (shard.kind === 'split') {
      const t = need(full, name);
      const block = t.shape[shard.axis]! / sharded.worldSize;
      out[name] = takeBlocks(t, shard.axis, [[rank * block, (rank + 1) * block]]);
    }
  }
  if (sharded.inputs[SHARD_INPUTS.localInputIds]) {
    const ids = need(full, 'input_ids');
    const { local, mask } = vocabularyShardInputs(toFloat64(ids), rank, sharded.worldSize, c.paddedVocabSize);
    out[SHARD_INPUTS.localInputIds] = hostTensor('i32', ids.shape, local);
    out[SHARD_INPUTS.vocabMask] = hostTensor('i8', [...ids.shape, 1], mask);
  }
  return out;
}

function need(full: Readonly<Record<string, HostTensor>>, name: string): HostTensor {
  const t = full[name];
  if (!t) throw new GlmError('input', `tensor "${name}" is not bound`);
  return t;
}

/** Concatenate along `axis` (negative counts from the end), in the order given. */
export function concatHost(parts: readonly HostTensor[], axis: number): HostTensor {
  const first = parts[0]!;
  const a = axis < 0 ? first.shape.length + axis : axis;
  const outer = first.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = first.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const total = parts.reduce((n, p) => n + p.shape[a]!, 0);
  const decoded = parts.map(toFloat64);
  const out = new Float64Array(outer * total * inner);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    parts.forEach((p, i) => {
      const n = p.shape[a]! * inner;
      out.set(decoded[i]!.subarray(o * n, (o + 1) * n), k);
      k += n;
    });
  }
  return fromFloat64(first.dtype, [...first.shape.slice(0, a), total, ...first.shape.slice(a + 1)], out);
}

/**
 * The full outputs from every rank's. A replicated output must be identical on every rank (each got
 * the same all-reduce): a difference is a bug in the collective, reported, not hidden.
 */
export function gatherOutputs(sharded: ShardedGraph, perRank: readonly Readonly<Record<string, HostTensor>>[]): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, shard] of Object.entries(sharded.outputs)) {
    const parts = perRank.map((r) => need(r, name));
    if (shard.kind === 'concat') out[name] = concatHost(parts, shard.axis);
    else {
      const first = toFloat64(parts[0]!);
      parts.forEach((p, rank) => {
        const v = toFloat64(p);
        if (v.some((x, i) => !Object.is(x, first[i]))) throw new GlmError('backend', `output "${name}" differs between rank 0 and rank ${rank}: the all-reduce did not give every rank the same sum`);
      });
      out[name] = parts[0]!;
    }
  }
  return out;
}
