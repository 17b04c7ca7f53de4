import type { Attrs } from '../../../core/backend-api/plugin-api.js';
import type { RefTensor } from '../ref-tensor.js';

export interface KernelContext {
  /** Concrete sizes of the symbolic dims of this call (reshape targets may name them). */
  resolveShape(shape: readonly (number | string)[]): number[];
}

/** A reference kernel: float64 from the stored inputs, outputs rounded once to their dtype. */
export type RefKernel = (inputs: readonly (RefTensor | null)[], attrs: Attrs, context: KernelContext) => RefTensor[];
