/** Judging one output against the reference: metrics and, when it fails, the first reason why. */
import { DTYPE_INFO, type DType } from '../core/tensor/dtype.js';
import type { Tolerance } from './tolerance.js';

export interface Comparison {
  readonly nmse: number;
  readonly worstEps: number;
  readonly worstIndex: number;
  /** Set when the output fails; says what and where. */
  readonly failure?: string;
  /** Set when the reference is too degenerate to judge a kernel by (e.g. constant). */
  readonly degenerate?: string;
}

export function compareOutput(name: string, dtype: DType, out: Float64Array, ref: Float64Array, tolerance: Tolerance): Comparison {
  if (out.length !== ref.length) return { nmse: Infinity, worstEps: Infinity, worstIndex: -1, failure: `${name}: ${out.length} elements, expected ${ref.length}` };
  let sumSquares = 0;
  let finite = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    if (Number.isFinite(r)) {
      sumSquares += r * r;
      finite++;
    }
  }
  const rms = finite > 0 ? Math.sqrt(sumSquares / finite) : 0;
  const eps = DTYPE_INFO[dtype].isFloat ? DTYPE_INFO[dtype].epsilon : 1;
  let errorSquares = 0;
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const o = out[i]!;
    if (Number.isNaN(r)) {
      if (!Number.isNaN(o)) return fail(`${name}[${i}] is ${o}, the reference is NaN`);
      continue;
    }
    if (Number.isNaN(o)) return fail(`${name}[${i}] is NaN, the reference is ${r}`);
    if (!Number.isFinite(r) || !Number.isFinite(o)) {
      if (o !== r) return fail(`${name}[${i}] is ${o}, the reference is ${r}`);
      continue;
    }
    const d = o - r;
    errorSquares += d * d;
    const scale = Math.max(Math.abs(r), rms);
    const units = scale === 0 ? (d === 0 ? 0 : Infinity) : Math.abs(d) / (eps * scale);
    if (units > worst) {
      worst = units;
      worstIndex = i;
    }
  }
  const nmse = sumSquares === 0 ? (errorSquares === 0 ? 0 : Infinity) : errorSquares / sumSquares;
  const base = { nmse, worstEps: worst, worstIndex };
  const degenerate = degeneracy(ref);
  if (nmse > tolerance.nmse || worst > tolerance.worstEps) {
    const at = worstIndex >= 0 ? `; worst ${name}[${worstIndex}] = ${out[worstIndex]} vs ${ref[worstIndex]}` : '';
    return { ...base, failure: `${name}: nmse ${nmse.toExponential(2)} (max ${tolerance.nmse.toExponential(2)}), worst ${worst.toFixed(2)} ε (max ${tolerance.worstEps.toFixed(2)})${at}`, ...(degenerate ? { degenerate } : {}) };
  }
  return degenerate ? { ...base, degenerate } : base;

  function fail(failure: string): Comparison {
    return { nmse: Infinity, worstEps: Infinity, worstIndex: -1, failure };
  }
}

/** A reference that is constant (or has no finite values) cannot tell a right kernel from a lazy one. */
function degeneracy(ref: Float64Array): string | undefined {
  if (ref.length <= 1) return undefined;
  const first = ref[0]!;
  if (ref.every((v) => Object.is(v, first) || v === first)) return `the reference output is constant (${first})`;
  return undefined;
}
