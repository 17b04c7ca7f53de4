/**
 * The cpu-ref kernels against independently computed values: tests/ops/fixtures/op-cases.json, written by
 * tools/fixtures/make_op_fixtures.py (numpy / exact rationals from each op's semantics, rounded once to the
 * output dtype). Regenerate with `python3 tools/fixtures/make_op_fixtures.py`.
 *
 * Comparison policy.
 *  - EXACT (bit for bit, including the sign of zero and NaN-ness) for data movement (reshape, transpose,
 *    split, concat, slice, gather, masked-fill, glm-mask-fill, all-reduce, top-k: a selection, values and
 *    indices alike) and for ops whose output is one
 *    rounding of a value float64 computes exactly or by one fixed IEEE operation sequence given in the
 *    semantics: add, mul (sums/products of ≤ 24-bit values are exact in float64), scale and
 *    deepnorm-residual (the float64 product / product-plus-sum, then one rounding), cast, dequantize
 *    (q·scale is exact), and matmul / linear in f16 and bf16 (products of two ≤ 11-bit significands over the
 *    fixtures' exponent range, and their short sums, are exact in float64 in any order, so the kernel's sum
 *    and the generator's exact rational sum round to the same value).
 *  - AT MOST 1 ULP of the output dtype for ops with transcendental functions or long float64 sums: gelu,
 *    geglu and bias-geglu (erf / tanh; bias-geglu's float64 bias sum is one IEEE addition, the same in both),
 *    softmax and log-sum-exp (exp, log), layer-norm (sqrt and rounded float64 mean / variance), attention
 *    (exp and sums), rope, qkv-bias-rope and rotary-table (pow, cos, sin), rms-norm (sqrt, float64 sum of squares),
 *    swiglu (exp), grouped-query-attention (attention's), interleaved-rope (pow, cos, sin), matmul / linear in f32 (48-bit products: the
 *    float64 sum itself rounds, in an order that differs from the generator's exact sum). The float64 value
 *    differs from the generator's by a few float64 ulps (libm vs V8, summation order); after rounding to
 *    the dtype that changes the result only when the value lies within those few float64 ulps of a
 *    rounding boundary, and then by exactly one ulp of the dtype. More than one ulp is a real difference.
 *    Non-finite expected values must still match exactly.
 *  - An output of such an op that involves none of that is held to EXACT: qkv-bias-rope's v (output 2) is
 *    qkv + bias, one float64 addition rounded once, the same IEEE operation in the kernel and the generator.
 */
import { describe, expect, it } from 'vitest';
import { REFERENCE_KERNELS } from '../../backends/cpu-ref/kernels/index.js';
import type { KernelContext } from '../../backends/cpu-ref/kernels/kernel.js';
import type { RefTensor } from '../../backends/cpu-ref/ref-tensor.js';
import { completeAttrs } from '../../core/ir/attrs.js';
import { checkInputs } from '../../core/ir/builder.js';
import type { TensorType } from '../../core/ir/graph.js';
import { OP_CATALOGUE, getOp } from '../../core/ir/ops/catalogue.js';
import { OP_NAMES, type OpName } from '../../core/ir/ops/op-names.js';
import type { DType } from '../../core/tensor/dtype.js';
import { decode, OP_FIXTURES, toRef, type FixtureTensor } from './op-fixtures.js';

const fixture = OP_FIXTURES;
const cases = fixture.cases;

const identityContext: KernelContext = { resolveShape: (shape) => shape.map((d) => d as number) };

// -------------------------------------------------------------------------------------------------
// Ulp distance, computed independently of core/tensor/float16.ts: the position of a value in the ordered
// list of the dtype's values (= its bit pattern without the sign), negated for negative values. It also
// proves the value is representable: a value off the dtype's grid throws.

const FORMATS = {
  f16: { fractionBits: 10, minExponent: -14, maxExponent: 15 },
  bf16: { fractionBits: 7, minExponent: -126, maxExponent: 127 },
} as const;

function exactExponent(a: number): number {
  let e = Math.floor(Math.log2(a));
  while (2 ** e > a) e--;
  while (2 ** (e + 1) <= a) e++;
  return e;
}

function ordinal(value: number, dtype: 'f32' | 'f16' | 'bf16'): number {
  if (Number.isNaN(value)) throw new Error('NaN has no ordinal');
  const sign = value < 0 ? -1 : 1;
  const a = Math.abs(value);
  if (dtype === 'f32') {
    if (Math.fround(a) !== a) throw new Error(`${value} is not an f32 value`);
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, a);
    return sign * view.getUint32(0);
  }
  const f = FORMATS[dtype];
  const steps = 2 ** f.fractionBits;
  let position: number;
  if (a === Infinity) position = (f.maxExponent - f.minExponent + 2) * steps;
  else if (a < 2 ** f.minExponent) position = a / 2 ** (f.minExponent - f.fractionBits);
  else {
    const e = exactExponent(a);
    if (e > f.maxExponent) throw new Error(`${value} is beyond ${dtype}`);
    position = (e - f.minExponent + 1) * steps + (a / 2 ** (e - f.fractionBits) - steps);
  }
  if (!Number.isInteger(position)) throw new Error(`${value} is not a ${dtype} value`);
  return sign * position;
}

function checkRepresentable(value: number, dtype: DType): string | null {
  if (dtype === 'f32' || dtype === 'f16' || dtype === 'bf16') {
    if (Number.isNaN(value)) return null;
    try {
      ordinal(value, dtype);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }
  const range: Record<string, [number, number]> = { i32: [-(2 ** 31), 2 ** 31 - 1], i8: [-128, 127], i4: [-8, 7] };
  const [lo, hi] = range[dtype]!;
  return Number.isInteger(value) && value >= lo && value <= hi ? null : `${value} does not fit ${dtype}`;
}

// -------------------------------------------------------------------------------------------------
// Which ops get the 1-ulp allowance (see the header comment for why).

const TRANSCENDENTAL_OR_LONG_SUM = new Set([
  'gelu', 'geglu', 'bias-geglu', 'softmax', 'log-sum-exp', 'layer-norm', 'attention', 'rope', 'qkv-bias-rope', 'rotary-table',
  'rms-norm', 'swiglu', 'grouped-query-attention', 'interleaved-rope',
]);
const ROUNDED_SUM_IN_F32 = new Set(['matmul', 'linear']);
/** Outputs (by index) of a 1-ulp op that are computed without transcendental functions or long sums. */
const EXACT_OUTPUTS: Readonly<Record<string, readonly number[]>> = { 'qkv-bias-rope': [2] };

function allowedUlps(op: string, dtype: DType, output: number): number {
  if (EXACT_OUTPUTS[op]?.includes(output)) return 0;
  if (TRANSCENDENTAL_OR_LONG_SUM.has(op)) return 1;
  if (ROUNDED_SUM_IN_F32.has(op) && dtype === 'f32') return 1;
  return 0;
}

function sameBits(got: number, expected: number, dtype: DType): boolean {
  if (dtype === 'i32' || dtype === 'i8' || dtype === 'i4') return got === expected; // integers: no signed zero
  return Object.is(got, expected); // NaN matches NaN; +0 and −0 differ
}

function compareOutput(op: string, output: number, got: RefTensor, expected: FixtureTensor): string[] {
  const problems: string[] = [];
  if (got.dtype !== expected.dtype) return [`dtype ${got.dtype}, expected ${expected.dtype}`];
  if (got.shape.length !== expected.shape.length || got.shape.some((d, i) => d !== expected.shape[i])) {
    return [`shape [${got.shape}], expected [${expected.shape}]`];
  }
  if (got.values.length !== expected.values.length) return [`${got.values.length} values, expected ${expected.values.length}`];
  const ulps = allowedUlps(op, expected.dtype, output);
  for (let i = 0; i < expected.values.length && problems.length < 8; i++) {
    const g = got.values[i]!;
    const e = decode(expected.values[i]!);
    const bad = checkRepresentable(g, got.dtype);
    if (bad) {
      problems.push(`[${i}] got ${g}: ${bad}`);
      continue;
    }
    if (sameBits(g, e, expected.dtype)) continue;
    if (ulps > 0 && Number.isFinite(e) && Number.isFinite(g)) {
      const distance = Math.abs(ordinal(g, expected.dtype as 'f32') - ordinal(e, expected.dtype as 'f32'));
      if (distance <= ulps) continue;
      problems.push(`[${i}] got ${g}, expected ${e} (${distance} ulps of ${expected.dtype}, allowed ${ulps})`);
    } else {
      problems.push(`[${i}] got ${Object.is(g, -0) ? '-0' : g}, expected ${Object.is(e, -0) ? '-0' : e} (exact match required)`);
    }
  }
  return problems;
}

// -------------------------------------------------------------------------------------------------

describe('fixture', () => {
  it('has a case for every op of the catalogue (a new op without a case fails here)', () => {
    const covered = new Set(cases.map((c) => c.op));
    const missing = [...OP_CATALOGUE.keys()].filter((op) => !covered.has(op));
    expect(missing).toEqual([]);
    expect([...covered].filter((op) => !OP_CATALOGUE.has(op))).toEqual([]);
  });

  it('covers f32, f16 and bf16 for every op that takes floats', () => {
    const missing: string[] = [];
    for (const [name, def] of OP_CATALOGUE) {
      if (!def.inputs[0]!.dtypes.includes('f16')) continue;
      for (const dtype of ['f32', 'f16', 'bf16'] as const) {
        if (!cases.some((c) => c.op === name && c.inputs[0]?.dtype === dtype)) missing.push(`${name} ${dtype}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has unique case names and a kernel for every op', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const op of OP_NAMES) expect(typeof REFERENCE_KERNELS[op]).toBe('function');
  });

  it('holds only inputs representable in their dtypes', () => {
    const bad: string[] = [];
    for (const c of cases) {
      c.inputs.forEach((t, k) => {
        if (!t) return;
        for (const v of t.values) {
          const problem = checkRepresentable(decode(v), t.dtype);
          if (problem) bad.push(`${c.name} input ${k}: ${problem}`);
        }
      });
    }
    expect(bad).toEqual([]);
  });

  it('the ulp ordinal is the bit pattern (sanity of the comparison itself)', () => {
    expect(ordinal(1, 'f16')).toBe(0x3c00);
    expect(ordinal(65504, 'f16')).toBe(0x7bff);
    expect(ordinal(Infinity, 'f16')).toBe(0x7c00);
    expect(ordinal(2 ** -24, 'f16')).toBe(1);
    expect(ordinal(-(2 ** -14), 'f16')).toBe(-0x0400);
    expect(ordinal(1, 'bf16')).toBe(0x3f80);
    expect(ordinal(-(2 ** -133), 'bf16')).toBe(-1);
    expect(ordinal(1, 'f32')).toBe(0x3f800000);
    expect(() => ordinal(1 + 2 ** -11, 'f16')).toThrow();
    expect(() => ordinal(1 + 2 ** -8, 'bf16')).toThrow();
    expect(() => ordinal(1 + 2 ** -30, 'f32')).toThrow();
  });
});

describe('reference kernels match the numpy fixtures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const def = getOp(c.op);
      const attrs = completeAttrs(def, c.attrs);
      // The op's own type rules must accept the case and predict the expected outputs' types.
      const types: (TensorType | null)[] = c.inputs.map((t) => (t ? { dtype: t.dtype, shape: t.shape } : null));
      checkInputs(def, types);
      const inferred = def.inferTypes(types, attrs);
      expect(inferred.map((t) => ({ dtype: t.dtype, shape: [...t.shape] }))).toEqual(
        c.outputs.map((t) => ({ dtype: t.dtype, shape: t.shape })),
      );

      const inputs = c.inputs.map((t) => (t ? toRef(t) : null));
      const before = inputs.map((t) => (t ? Float64Array.from(t.values) : null));
      const outs = REFERENCE_KERNELS[c.op as OpName]!(inputs, attrs, identityContext);
      expect(outs.length).toBe(c.outputs.length);
      const problems = c.outputs.flatMap((expected, k) => compareOutput(c.op, k, outs[k]!, expected).map((p) => `output ${k} ${p}`));
      expect(problems).toEqual([]);
      // Kernels must not write into their inputs.
      inputs.forEach((t, k) => {
        if (t) expect(Array.from(t.values)).toEqual(Array.from(before[k]!));
      });
    });
  }
});

describe('documented run-time errors of the reference', () => {
  const ref = (dtype: DType, shape: number[], values: number[]): RefTensor => ({ dtype, shape, values: Float64Array.from(values) });
  const kindOf = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return (e as { kind?: string }).kind;
    }
    return undefined;
  };

  it('add / mul: an i32 result outside the i32 range is an error, not a wrap', () => {
    const add = REFERENCE_KERNELS['add']!;
    const mul = REFERENCE_KERNELS['mul']!;
    expect(kindOf(() => add([ref('i32', [1], [2 ** 31 - 1]), ref('i32', [1], [1])], {}, identityContext))).toBe('input');
    expect(kindOf(() => add([ref('i32', [1], [-(2 ** 31)]), ref('i32', [1], [-1])], {}, identityContext))).toBe('input');
    expect(kindOf(() => mul([ref('i32', [1], [65536]), ref('i32', [1], [32768])], {}, identityContext))).toBe('input');
    // the extremes themselves are fine
    expect(Array.from(add([ref('i32', [2], [2 ** 31 - 2, -(2 ** 31) + 1]), ref('i32', [2], [1, -1])], {}, identityContext)[0]!.values)).toEqual([
      2 ** 31 - 1,
      -(2 ** 31),
    ]);
  });

  it('top-k: k outside 1..N (a symbolic N bound short at run time) is an error', () => {
    const topK = REFERENCE_KERNELS['top-k']!;
    expect(kindOf(() => topK([ref('f32', [2, 3], [1, 2, 3, 4, 5, 6])], { k: 4 }, identityContext))).toBe('shape');
  });

  it('gather: an index outside [0, n) is an error', () => {
    const gather = REFERENCE_KERNELS['gather']!;
    const table = ref('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(kindOf(() => gather([table, ref('i32', [1], [2])], { axis: 0 }, identityContext))).toBe('input');
    expect(kindOf(() => gather([table, ref('i32', [1], [-1])], { axis: 0 }, identityContext))).toBe('input');
    expect(kindOf(() => gather([table, ref('i32', [1], [3])], { axis: 1 }, identityContext))).toBe('input');
  });

  it('cache-write: an offset with offset < 0 or offset + S > C is an error', () => {
    const write = REFERENCE_KERNELS['cache-write']!;
    const cache = ref('f32', [1, 1, 4, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
    const update = ref('f32', [1, 1, 2, 2], [8, 9, 10, 11]);
    const at = (o: number) => () => write([cache, update, ref('i32', [1], [o])], {}, identityContext);
    expect(kindOf(at(-1))).toBe('input');
    expect(kindOf(at(3))).toBe('input');
    expect(at(3)).toThrow(/^cache-write offset out of range/);
    expect(Array.from(at(2)()[0]!.values)).toEqual([0, 1, 2, 3, 8, 9, 10, 11]);
  });

  it('attention and glm-mask-fill: a length below Q or above K is an error', () => {
    const attention = REFERENCE_KERNELS['attention']!;
    const fill = REFERENCE_KERNELS['glm-mask-fill']!;
    const q = ref('f32', [1, 1, 2, 2], [1, 0, 0, 1]);
    const kv = ref('f32', [1, 1, 4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    const ctx = ref('i32', [1], [0]);
    for (const n of [1, 5]) {
      expect(kindOf(() => attention([q, kv, kv, ctx, ref('i32', [1], [n])], { mask: 'glm', layerIndex: 0 }, identityContext))).toBe('input');
      expect(kindOf(() => fill([ref('f32', [1, 1, 2, 4], [0, 0, 0, 0, 0, 0, 0, 0]), ctx, ref('i32', [1], [n])], { value: -1 }, identityContext))).toBe('input');
    }
  });
});
