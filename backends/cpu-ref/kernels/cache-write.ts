import type { RefKernel } from './kernel.js';
import { refTensor } from '../ref-tensor.js';
import { GlmError } from '../../../core/backend-api/plugin-api.js';

/**
 * A fresh copy of the cache with the update written at `offset`. The executable writes outputs only
 * after every node ran, from these float64 values, so it is correct whether or not the caller bound
 * the output to the cache's own buffer (the decoded input is cached and never modified here).
 */
export const cacheWrite: RefKernel = ([cache, update, offset]) => {
  const [batch, heads, capacity, d] = cache!.shape as [number, number, number, number];
  const steps = update!.shape[2]!;
  const at = offset!.values[0]!;
  if (at < 0 || at + steps > capacity) {
    throw new GlmError('input', `cache-write offset out of range: ${steps} position(s) at ${at} in a cache of ${capacity}`);
  }
  const out = Float64Array.from(cache!.values);
  for (let bh = 0; bh < batch * heads; bh++) {
    const from = bh * steps * d;
    out.set(update!.values.subarray(from, from + steps * d), (bh * capacity + at) * d);
  }
  return [refTensor(cache!.dtype, cache!.shape, out)];
};
