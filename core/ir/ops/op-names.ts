/**
 * The IR's op names: the one list every registration table is typed against. Adding an op means
 * adding its name here, its definition to the catalogue (core/ir/ops/catalogue.ts) and its kernel to
 * cpu-ref (backends/cpu-ref/kernels/index.ts) — the compiler then points at every table that lacks it.
 */
export const OP_NAMES = [
  // primitives
  'matmul', 'add', 'mul', 'scale', 'layer-norm', 'gelu', 'softmax', 'cast', 'reshape', 'transpose', 'split', 'concat',
  'slice', 'gather', 'masked-fill', 'glm-mask-fill', 'rotary-table', 'dequantize', 'cache-write', 'top-k', 'log-sum-exp',
  // composites
  'linear', 'rope', 'qkv-bias-rope', 'attention', 'geglu', 'bias-geglu', 'deepnorm-residual',
  // composites of the ChatGLM2/3 and GLM-4 block
  'rms-norm', 'swiglu', 'grouped-query-attention', 'interleaved-rope',
  // collectives
  'all-reduce',
] as const;

export type OpName = (typeof OP_NAMES)[number];

const NAMES: ReadonlySet<string> = new Set(OP_NAMES);

/** Narrows a name read from a file, a plugin or the command line. */
export function isOpName(name: string): name is OpName {
  return NAMES.has(name);
}
