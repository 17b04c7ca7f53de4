/**
 * The weight slicing of tensor parallelism: rank r's weights from the full ones, by the layout of
 * shard-layout.ts. Values are copied exactly (integer INT8/INT4 weights and their scales included:
 * a per-row scale stays with its row), so a rank holds 1/N of every split weight and all of the rest.
 */
import { GlmError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { fromFloat64, toFloat64, type HostTensor } from '../tensor/host-tensor.js';
import type { GlmConfig } from '../models/glm/config.js';
import { checkTensorParallel, glmShardRule, type ParamShard, type ShardRule } from './shard-layout.js';

/** Blocks [start, end) along `axis` of a dense row-major tensor, concatenated in the order given. */
export function takeBlocks(t: HostTensor, axis: number, blocks: readonly [number, number][]): HostTensor {
  const shape = t.shape;
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const along = shape[axis]!;
  const width = blocks.reduce((n, [s, e]) => n + (e - s), 0);
  const source = toFloat64(t);
  const out = new Float64Array(outer * width * inner);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (const [start, end] of blocks) {
      const from = (o * along + start) * inner;
      out.set(source.subarray(from, from + (end - start) * inner), k);
      k += (end - start) * inner;
    }
  }
  return fromFloat64(t.dtype as DType, [...shape.slice(0, axis), width, ...shape.slice(axis + 1)], out);
}

/** Rank r's block(s) of one tensor under a shard kind. */
export function shardTensor(t: HostTensor, shard: ParamShard, rank: number, worldSize: number, name: string): HostTensor {
  if (shard.kind === 'replicated') return t;
  const axis = shard.kind === 'columns' ? 1 : 0;
  const size = t.shape[axis];
  const halves = shard.kind === 'pair-rows' ? 2 : 1;
  if (size === undefined || size % (halves * worldSize) !== 0) {
    throw new GlmError('shape', `tensor "${name}" [${t.shape}] cannot be split ${shard.kind} over ${worldSize} ranks`);
  }
  const half = size / halves;
  const block = half / worldSize;
  const blocks: [number, number][] = [];
  for (let h = 0; h < halves; h++) blocks.push([h * half + rank * block, h * half + (rank + 1) * block]);
  return takeBlocks(t, axis, blocks);
}

/** Rank r's weights: every tensor of `weights`, split or replicated by the layout rule. */
export function shardWeights(c: GlmConfig, weights: ReadonlyMap<string, HostTensor>, rank: number, worldSize: number, rule: ShardRule = glmShardRule): Map<string, HostTensor> {
  checkTensorParallel(c, worldSize);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new GlmError('usage', `rank ${rank} is not in [0, ${worldSize})`);
  const out = new Map<string, HostTensor>();
  for (const [name, t] of weights) out.set(name, shardTensor(t, rule(name, c), rank, worldSize, name));
  return out;
}
