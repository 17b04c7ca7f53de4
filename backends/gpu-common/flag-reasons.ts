/**
 * Why a launch record set the device's error flag (it holds only the record's tag + 1): the check
 * each op's kernels make on values they read from device memory, named by the node's op.
 */
const REASONS: Readonly<Record<string, string>> = {
  'cache-write': 'cache-write offset out of range (offset < 0 or offset + S > capacity)',
  attention: 'attention length out of range (length < queries or length > keys)',
  'glm-mask-fill': 'glm-mask-fill length out of range (length < queries or length > keys)',
  // It does the in-place cache-writes of its keys and values (planner.ts).
  'qkv-bias-rope': 'cache offset out of range for the keys and values it writes into the cache (offset < 0 or offset + S > capacity)',
};

export function flagReason(op: string | undefined): string {
  return (op !== undefined ? REASONS[op] : undefined) ?? 'an index or cache offset is out of range';
}
