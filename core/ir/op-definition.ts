/** The contract every entry of the op catalogue fulfils: one op, one definition, one file. */
import { GlmError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import type { Attrs, AttrValue, TensorType } from './graph.js';
import type { DecompositionBuilder, Value } from './decomposition-builder.js';
import type { OpName } from './ops/op-names.js';

export type OpKind = 'primitive' | 'composite' | 'collective';

export interface InputSpec {
  readonly name: string;
  readonly dtypes: readonly DType[];
  readonly optional?: boolean;
  /** The last input may repeat (concat). */
  readonly variadic?: boolean;
  readonly doc: string;
}

export type AttrType = 'int' | 'float' | 'bool' | 'string' | 'ints' | 'dims' | 'dtype';

export interface AttrSpec {
  readonly type: AttrType;
  readonly doc: string;
  /** Absent means required. */
  readonly default?: AttrValue;
  readonly oneOf?: readonly (string | number)[];
}

export interface OpDefinition {
  readonly name: OpName;
  readonly kind: OpKind;
  /** One paragraph: the exact reference semantics (docs/ops.md is generated from these). */
  readonly semantics: string;
  readonly inputs: readonly InputSpec[];
  /** Output names; `variadic` means the count comes from the attributes (split). */
  readonly outputs: readonly string[] | 'variadic';
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  /** Output types from input types (null for an absent optional input); throws OpTypeError. */
  inferTypes(inputs: readonly (TensorType | null)[], attrs: Attrs): TensorType[];
  /**
   * The output may be computed in the storage of this input (KV-cache writes): a caller that binds
   * both to the same tensor donates the input; the op must then read nothing else of it.
   */
  readonly inPlace?: { readonly input: number; readonly output: number };
  /** Composites only: the same computation in primitives. */
  decompose?(b: DecompositionBuilder, inputs: readonly (Value | null)[], attrs: Attrs): Value[];
}

/** A type rule was broken; the builder and validator prefix the node's name. */
export class OpTypeError extends GlmError {
  constructor(message: string) {
    super('shape', message);
  }
}

export function typeFail(message: string): never {
  throw new OpTypeError(message);
}

export const FLOATS: readonly DType[] = ['f32', 'f16', 'bf16'];
export const ALL_DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'i32', 'i8', 'i4'];

/** Typed attribute readers: values were checked against the spec before any op sees them. */
export function intAttr(attrs: Attrs, name: string): number {
  return attrs[name] as number;
}
export function floatAttr(attrs: Attrs, name: string): number {
  return attrs[name] as number;
}
export function stringAttr<T extends string = string>(attrs: Attrs, name: string): T {
  return attrs[name] as T;
}
export function intsAttr(attrs: Attrs, name: string): readonly number[] {
  return attrs[name] as readonly number[];
}
export function boolAttr(attrs: Attrs, name: string): boolean {
  return attrs[name] as boolean;
}
