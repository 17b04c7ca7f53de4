/**
 * The allow-list of the restricted unpickler: the only Python globals a checkpoint may name, each
 * with a pure TypeScript builder that makes inert data (a Map, a storage reference, a tensor
 * reference). Everything else — posix.system, builtins.eval, argparse.Namespace, numpy's
 * reconstructors — is refused by name when the GLOBAL opcode is read.
 */
import type { GlmError } from '../../errors.js';
import type { DType } from '../../tensor/dtype.js';

/** Element types of torch storages, with the SDK dtype each is read as ('f64' and 'i64' are widened/narrowed on read). */
export type StorageElement = DType | 'f64' | 'i64' | 'u8' | 'bool';

export const STORAGE_TYPES: ReadonlyMap<string, StorageElement> = new Map<string, StorageElement>([
  ['HalfStorage', 'f16'],
  ['FloatStorage', 'f32'],
  ['BFloat16Storage', 'bf16'],
  ['DoubleStorage', 'f64'],
  ['IntStorage', 'i32'],
  ['LongStorage', 'i64'],
  ['CharStorage', 'i8'],
  ['ByteStorage', 'u8'],
  ['BoolStorage', 'bool'],
]);

export const ELEMENT_BYTES: Record<StorageElement, number> = { f16: 2, bf16: 2, f32: 4, f64: 8, i32: 4, i64: 8, i8: 1, u8: 1, bool: 1, i4: 1 };

/** A storage type named by a persistent id ('storage', torch.HalfStorage, key, location, numel). */
export interface StorageType {
  readonly kind: 'storage-type';
  readonly element: StorageElement;
}

/** A storage of the checkpoint: the zip entry `data/<key>` holding `numel` elements. */
export interface StorageRef {
  readonly kind: 'storage';
  readonly element: StorageElement;
  readonly key: string;
  readonly numel: number;
}

/** A tensor: a strided view of a storage (torch._utils._rebuild_tensor_v2). */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

export interface AllowedCallable {
  readonly qualifiedName: string;
  build(args: readonly unknown[], fail: (what: string) => GlmError): unknown;
}

export type PersistentLoad = (pid: unknown) => StorageRef;

const CALLABLE = Symbol('allowed-callable');

function allowed(qualifiedName: string, build: AllowedCallable['build']): AllowedCallable {
  return Object.freeze({ qualifiedName, build, [CALLABLE]: true });
}

export function isAllowedCallable(v: unknown): v is AllowedCallable {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[CALLABLE] === true;
}

export function isTensorRef(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor';
}

function intList(v: unknown, what: string, fail: (w: string) => GlmError): number[] {
  if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d) && d >= 0)) throw fail(`${what} is not a tuple of non-negative integers`);
  return v as number[];
}

const rebuildTensor = allowed('torch._utils._rebuild_tensor_v2', (args, fail) => {
  const [storage, offset, size, stride] = args;
  if (typeof storage !== 'object' || storage === null || (storage as StorageRef).kind !== 'storage') throw fail('first argument is not a storage');
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw fail('storage offset is not a non-negative integer');
  const shape = intList(size, 'size', fail);
  const strides = intList(stride, 'stride', fail);
  if (shape.length !== strides.length) throw fail('size and stride differ in length');
  const ref: TensorRef = { kind: 'tensor', storage: storage as StorageRef, offset: offset as number, shape, stride: strides };
  // The furthest element must lie inside the storage.
  const last = shape.some((d) => d === 0) ? -1 : ref.offset + shape.reduce((s, d, i) => s + (d - 1) * strides[i]!, 0);
  if (last >= ref.storage.numel) throw fail(`a [${shape}] view at offset ${ref.offset} reaches element ${last} of a storage of ${ref.storage.numel}`);
  return ref;
});

const GLOBALS = new Map<string, AllowedCallable>([
  ['collections.OrderedDict', allowed('collections.OrderedDict', (args, fail) => {
    if (args.length !== 0) throw fail('OrderedDict with arguments is not supported');
    return new Map();
  })],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  // A Parameter is its data; requires_grad and hooks do not matter to inference.
  ['torch._utils._rebuild_parameter', allowed('torch._utils._rebuild_parameter', (args, fail) => {
    if (!isTensorRef(args[0])) throw fail('first argument is not a tensor');
    return args[0];
  })],
  // Python 3 bytes pickled at protocol 2: _codecs.encode(text, 'latin1').
  ['_codecs.encode', allowed('_codecs.encode', (args, fail) => {
    const [text, encoding] = args;
    if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) throw fail('only encode(text, "latin1") is allowed');
    return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  })],
  ...[...STORAGE_TYPES].map(([name, element]): [string, AllowedCallable] => [
    `torch.${name}`,
    Object.freeze({ ...allowed(`torch.${name}`, (_args, fail) => { throw fail('storage types are not callable'); }), kind: 'storage-type', element }) as AllowedCallable,
  ]),
]);

export function globalFor(module: string, name: string): AllowedCallable | undefined {
  return GLOBALS.get(`${module}.${name}`);
}

export function storageTypeOf(v: unknown): StorageElement | undefined {
  return typeof v === 'object' && v !== null && (v as StorageType).kind === 'storage-type' ? (v as StorageType).element : undefined;
}
