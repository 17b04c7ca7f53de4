/** What one weight is (name, dtype, shape, how random weights fill it): shared by every family's layout. */
import type { DType } from '../../tensor/dtype.js';

export type WeightQuantization = 'none' | 'int8' | 'int4';

export interface WeightSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** What the weights loader fills it with when making random weights. */
  readonly init: 'normal' | 'ones' | 'zeros';
}
