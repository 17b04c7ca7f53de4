import { FLOATS, typeFail, type OpDefinition } from '../op-definition.js';
import { requireDim, requireRank } from './shape-rules.js';

/**
 * The in-place KV-cache append: a fixed-capacity cache keeps its shape from step to step (static
 * shapes for graph replay), and only the new positions are written. The offset is a tensor, not an
 * attribute, so it can live in device memory and change without changing the launch.
 */
export const cacheWrite: OpDefinition = {
  name: 'cache-write',
  kind: 'primitive',
  semantics:
    'Writes update [B, heads, S, d] into a copy of cache [B, heads, C, d] at positions offset … offset+S−1 of axis 2: ' +
    'out = cache except out[:, :, offset:offset+S, :] = update. offset is an i32 [1] tensor (device-resident, read at run time); ' +
    'offset < 0 or offset + S > C is a run-time error. The output may share the cache\'s storage (the caller donates the cache): ' +
    'then only the S written positions change.',
  inputs: [
    { name: 'cache', dtypes: FLOATS, doc: '[B, heads, C, d]: the cache of capacity C' },
    { name: 'update', dtypes: FLOATS, doc: '[B, heads, S, d]: the new positions, same dtype' },
    { name: 'offset', dtypes: ['i32'], doc: '[1]: the first position written' },
  ],
  outputs: ['out'],
  attrs: {},
  inPlace: { input: 0, output: 0 },
  inferTypes([cache, update, offset]) {
    requireRank(cache!, 4, 'cache-write cache');
    requireRank(update!, 4, 'cache-write update');
    if (update!.dtype !== cache!.dtype) typeFail(`cache-write update is ${update!.dtype}, the cache is ${cache!.dtype}`);
    for (const axis of [0, 1, 3]) requireDim(update!.shape[axis]!, cache!.shape[axis]!, `cache-write update dim ${axis}`);
    const [s, c] = [update!.shape[2]!, cache!.shape[2]!];
    if (typeof s === 'number' && typeof c === 'number' && s > c) typeFail(`cache-write writes ${s} positions into a cache of ${c}`);
    requireRank(offset!, 1, 'cache-write offset');
    requireDim(offset!.shape[0]!, 1, 'cache-write offset length');
    return [cache!];
  },
};
