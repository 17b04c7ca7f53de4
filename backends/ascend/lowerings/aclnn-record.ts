/**
 * Writing aclnn calls as launch records. A lowering names the op and gives its arguments in the
 * ABI table's parameter order; each is checked against the table's kind here (at plan time), and
 * tensors go as views: aclDataType, dims, strides and offset in elements over an un-offset storage
 * base, as aclCreateTensor takes them. So a transpose, a split half or a cache position range is the
 * same storage with other strides, never a copy.
 */
import { GlmError } from '../../../core/backend-api/plugin-api.js';
import type { Loc, Storage } from '../../program/locations.js';
import type { Emitter } from '../../program/lowering-context.js';
import type { Word } from '../../program/program-builder.js';
import { opParams, type ArgKind } from '../acl/op-params.js';
import { ACL_DTYPE, ACLNN_CODES, HOST_STEP_PARAMS, HOST_STEPS, type AclnnOp, type HostStep } from '../launch-codes.js';

/** A tensor as aclCreateTensor sees it: an aclDataType and a strided view over a storage. */
export interface AclView {
  readonly storage: Storage;
  readonly elemOffset: number;
  readonly dtype: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

export interface ScalarArg {
  readonly scalar: number;
  /** aclDataType of the value. */
  readonly dtype: number;
}

/** One argument: by the parameter's kind (op-params.ts). */
export type Arg = AclView | null | readonly AclView[] | ScalarArg | readonly number[] | number | boolean | string;

export function view(loc: Loc): AclView {
  return { storage: loc.storage, elemOffset: loc.elemOffset, dtype: ACL_DTYPE[loc.dtype], shape: loc.shape, strides: loc.strides };
}

/** The same storage read as another aclDataType (scratch holding int64 indices, bool masks). */
export function viewAs(loc: Loc, dtype: number, shape: readonly number[], strides: readonly number[], elemOffset = 0): AclView {
  return { storage: loc.storage, elemOffset, dtype, shape, strides };
}

export function reshaped(v: AclView, shape: readonly number[], strides: readonly number[], elemOffset = v.elemOffset): AclView {
  return { ...v, shape, strides, elemOffset };
}

/** `b` of shape [..., N, K] read as [..., K, N]: the last two dims and strides swapped. */
export function transposedLast(b: AclView): AclView {
  const r = b.shape.length;
  const shape = [...b.shape.slice(0, r - 2), b.shape[r - 1]!, b.shape[r - 2]!];
  const strides = [...b.strides.slice(0, r - 2), b.strides[r - 1]!, b.strides[r - 2]!];
  return reshaped(b, shape, strides);
}

export function scalar(value: number, dtype: number): ScalarArg {
  return { scalar: value, dtype };
}

/** Elements from the storage base the view reaches (aclCreateTensor's 1-D storage dims). */
function storageElements(v: AclView): number {
  if (v.shape.some((d) => d === 0)) return v.elemOffset;
  return v.shape.reduce((end, d, i) => end + (d - 1) * v.strides[i]!, v.elemOffset) + 1;
}

function tensorWords(v: AclView): Word[] {
  return [v.dtype, v.shape.length, ...v.shape, ...v.strides, v.elemOffset, storageElements(v), { storage: v.storage, byteOffset: 0 }];
}

function isView(a: Arg): a is AclView {
  return typeof a === 'object' && a !== null && 'storage' in a;
}

function wrong(op: string, index: number, kind: ArgKind, arg: Arg): never {
  const got = isView(arg) ? 'a tensor view' : Array.isArray(arg) ? 'an array' : JSON.stringify(arg);
  throw new GlmError('backend', `ascend planner: argument ${index} of ${op} should be a ${kind}, got ${got}`);
}

/** The words of one argument of kind `kind`. */
function argWords(op: string, index: number, kind: ArgKind, arg: Arg): Word[] {
  switch (kind) {
    case 'tensor':
      if (arg === null) return [0];
      return isView(arg) ? [1, ...tensorWords(arg)] : wrong(op, index, kind, arg);
    case 'tensorList':
      return Array.isArray(arg) && arg.every((v) => isView(v as Arg)) ? [arg.length, ...(arg as AclView[]).flatMap(tensorWords)] : wrong(op, index, kind, arg);
    case 'scalar':
      if (arg === null) return [0];
      return typeof arg === 'object' && 'scalar' in arg ? [1, arg.dtype, arg.scalar] : wrong(op, index, kind, arg);
    case 'intArray':
      if (arg === null) return [0];
      return Array.isArray(arg) && arg.every((x) => typeof x === 'number') ? [1, arg.length, ...(arg as number[])] : wrong(op, index, kind, arg);
    case 'int':
    case 'double':
      return typeof arg === 'number' ? [arg] : wrong(op, index, kind, arg);
    case 'bool':
      return typeof arg === 'boolean' ? [arg ? 1 : 0] : wrong(op, index, kind, arg);
    case 'string':
      return typeof arg === 'string' ? [arg.length, ...[...arg].map((c) => c.charCodeAt(0))] : wrong(op, index, kind, arg);
  }
}

function encode(what: string, kinds: readonly ArgKind[], args: readonly Arg[]): Word[] {
  if (args.length !== kinds.length) throw new GlmError('backend', `ascend planner: ${what} takes ${kinds.length} arguments, given ${args.length}`);
  return kinds.flatMap((kind, i) => argWords(what, i, kind, args[i]!));
}

/** A record that calls aclnn `op` with `args` (GetWorkspaceSize's parameters before workspaceSize). */
export function emitOp(e: Emitter, op: AclnnOp, args: readonly Arg[]): void {
  e.emit(ACLNN_CODES[op], encode(op, opParams(op).map((p) => p.kind), args));
}

/** A host-step record: its own arguments, then those of the op it wraps (if any). */
export function emitHostStep(e: Emitter, step: HostStep, args: readonly Arg[], wrapped: readonly Arg[] = []): void {
  const spec = HOST_STEP_PARAMS[step];
  const words = encode(step, spec.params, args);
  if (spec.wraps) words.push(...encode(spec.wraps, opParams(spec.wraps).map((p) => p.kind), wrapped));
  e.emit(HOST_STEPS[step], words);
}
