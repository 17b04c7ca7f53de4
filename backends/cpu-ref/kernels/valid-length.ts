import { GlmError } from '../../../core/backend-api/plugin-api.js';
import type { RefTensor } from '../ref-tensor.js';

/**
 * The number of valid key positions of attention / glm-mask-fill: the optional `length` input of a
 * fixed-capacity cache, or every key. The queries are its last `queries` positions, so it must hold them.
 */
export function validLength(length: RefTensor | null | undefined, queries: number, keys: number): number {
  if (!length) return keys;
  const n = length.values[0]!;
  if (n < queries || n > keys) throw new GlmError('input', `length ${n} is outside [${queries}, ${keys}] (queries, keys)`);
  return n;
}
