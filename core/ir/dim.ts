/**
 * Dimensions: a number, or a symbolic expression that is a sum of named sizes and a constant
 * ("seq", "past+seq", "past+1"). Sums are all the graphs need (a KV cache grows by concatenation);
 * products are only ever compared, in reshape, as multisets of factors.
 */
import { GlmError } from '../errors.js';

export type Dim = number | string;
export type Shape = readonly Dim[];
export type DimBindings = Readonly<Record<string, number>>;

interface LinearDim {
  constant: number;
  terms: Map<string, number>; // symbol -> coefficient
}

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parse(dim: Dim): LinearDim {
  if (typeof dim === 'number') return { constant: dim, terms: new Map() };
  const result: LinearDim = { constant: 0, terms: new Map() };
  for (const raw of dim.split('+')) {
    const part = raw.trim();
    if (/^\d+$/.test(part)) result.constant += Number(part);
    else if (SYMBOL.test(part)) result.terms.set(part, (result.terms.get(part) ?? 0) + 1);
    else throw new GlmError('shape', `bad symbolic dimension "${dim}" (expected names and integers joined by +)`);
  }
  return result;
}

function format(d: LinearDim): Dim {
  const names = [...d.terms.keys()].filter((k) => d.terms.get(k) !== 0).sort();
  if (names.length === 0) return d.constant;
  const parts: string[] = [];
  for (const name of names) for (let i = 0; i < d.terms.get(name)!; i++) parts.push(name);
  if (d.constant !== 0) parts.push(String(d.constant));
  return parts.join('+');
}

/** The canonical spelling of a dimension, so equal sizes compare equal. */
export function normalizeDim(dim: Dim): Dim {
  return format(parse(dim));
}

export function addDims(a: Dim, b: Dim): Dim {
  const x = parse(a);
  const y = parse(b);
  const terms = new Map(x.terms);
  for (const [k, v] of y.terms) terms.set(k, (terms.get(k) ?? 0) + v);
  return format({ constant: x.constant + y.constant, terms });
}

export function dimsEqual(a: Dim, b: Dim): boolean {
  return normalizeDim(a) === normalizeDim(b);
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimsEqual(d, b[i]!));
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Evaluate a dimension under bindings of its symbols. */
export function resolveDim(dim: Dim, bindings: DimBindings): number {
  if (typeof dim === 'number') return dim;
  const d = parse(dim);
  let value = d.constant;
  for (const [name, coefficient] of d.terms) {
    const bound = bindings[name];
    if (bound === undefined) throw new GlmError('shape', `dimension "${name}" is not bound`);
    value += coefficient * bound;
  }
  return value;
}

export function resolveShape(shape: Shape, bindings: DimBindings): number[] {
  return shape.map((d) => resolveDim(d, bindings));
}

/**
 * Learn symbol values by matching a declared shape against a concrete one. Single-symbol dims bind
 * their symbol; compound dims are checked once everything is bound. Throws on any mismatch.
 */
export function bindShape(declared: Shape, actual: readonly number[], bindings: Record<string, number>, what: string): void {
  if (declared.length !== actual.length) {
    throw new GlmError('shape', `${what}: expected rank ${declared.length} ${formatShape(declared)}, got ${formatShape(actual)}`);
  }
  declared.forEach((dim, i) => {
    const value = actual[i]!;
    if (typeof dim === 'string' && SYMBOL.test(dim)) {
      const bound = bindings[dim];
      if (bound === undefined) bindings[dim] = value;
      else if (bound !== value) {
        throw new GlmError('shape', `${what}: dimension ${i} is "${dim}" = ${bound} elsewhere, got ${value}`);
      }
    }
  });
  declared.forEach((dim, i) => {
    if (typeof dim === 'string' && SYMBOL.test(dim)) return;
    let expected: number;
    try {
      expected = resolveDim(dim, bindings);
    } catch {
      return; // compound dims whose symbols appear nowhere alone are checked by the kernels
    }
    if (expected !== actual[i]) {
      throw new GlmError('shape', `${what}: dimension ${i} should be ${dim} = ${expected}, got ${actual[i]}`);
    }
  });
}

/** Symbolic element count as a canonical key: the sorted symbolic factors and the static product. */
export function elementCountKey(shape: Shape): string {
  let product = 1;
  const symbolic: string[] = [];
  for (const d of shape) {
    const n = normalizeDim(d);
    if (typeof n === 'number') product *= n;
    else symbolic.push(n);
  }
  if (product === 0) return '0';
  return [product, ...symbolic.sort()].join('*');
}
