/**
 * The numpy op fixtures (tests/ops/fixtures/op-cases.json, made by tools/fixtures/make_op_fixtures.py)
 * as reference tensors: what reference-kernels.test.ts and glm-family-ops.test.ts both read.
 */
import { readFileSync } from 'node:fs';
import type { RefTensor } from '../../backends/cpu-ref/ref-tensor.js';
import type { Attrs } from '../../core/ir/graph.js';
import type { DType } from '../../core/tensor/dtype.js';

/** Non-finite values are spelled as strings in JSON. */
export type Encoded = number | 'inf' | '-inf' | 'nan';

export interface FixtureTensor {
  dtype: DType;
  shape: number[];
  values: Encoded[];
}

export interface FixtureCase {
  name: string;
  op: string;
  attrs: Attrs;
  inputs: (FixtureTensor | null)[];
  outputs: FixtureTensor[];
}

export const OP_FIXTURES = JSON.parse(readFileSync(new URL('./fixtures/op-cases.json', import.meta.url), 'utf8')) as {
  generator: string;
  cases: FixtureCase[];
};

export function decode(v: Encoded): number {
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (v === 'nan') return NaN;
  return v;
}

export function toRef(t: FixtureTensor): RefTensor {
  return { dtype: t.dtype, shape: [...t.shape], values: Float64Array.from(t.values, decode) };
}
