/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON header, then the raw tensor data. The header maps tensor
 * names to {dtype, shape, data_offsets} (offsets relative to the start of the data) plus an
 * optional "__metadata__" string→string map.
 *
 * Files are untrusted input: every header field is checked before it is used, with the same rules as
 * the reference Rust implementation, and each problem becomes a one-line GlmError naming the source.
 * See docs/safetensors.md.
 */
import { readFile } from 'node:fs/promises';
import { GlmError, type ErrorKind } from '../errors.js';
import { byteLengthOf, storageView, type DType } from '../tensor/dtype.js';
import { elementCount, hostTensor, tensorBytes, type HostTensor } from '../tensor/host-tensor.js';
import { describeFsError, fsErrorCode, writeFileAtomic } from './atomic-write.js';

export interface SafetensorsContents {
  /** "__metadata__" of the file, without the SDK's own "glm-sdk.int4" entry. */
  metadata: Map<string, string>;
  tensors: Map<string, HostTensor>;
}

export interface ParseOptions {
  /** Names the file in error messages (readSafetensors passes the path). */
  source?: string;
  /** Refuse larger headers before decoding them (default 100 MiB, like the reference's 100 MB). */
  maxHeaderBytes?: number;
}

export const DEFAULT_MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Metadata key listing, as a JSON array, the U8 tensors that are really packed i4. */
export const INT4_METADATA_KEY = 'glm-sdk.int4';

const METADATA_KEY = '__metadata__';

// Maps, not object literals: a dtype string from the file such as "constructor" must not find
// anything on Object.prototype.
const FILE_DTYPE_OF = new Map<DType, string>([
  ['f32', 'F32'],
  ['f16', 'F16'],
  ['bf16', 'BF16'],
  ['i32', 'I32'],
  ['i8', 'I8'],
  ['i4', 'U8'], // packed, listed in INT4_METADATA_KEY
]);
const DTYPE_OF_FILE = new Map<string, DType>([
  ['F32', 'f32'],
  ['F16', 'f16'],
  ['BF16', 'bf16'],
  ['I32', 'i32'],
  ['I8', 'i8'],
]);

type Fail = (what: string, kind?: ErrorKind) => GlmError;

/** A header entry once its fields have been checked one by one (but not yet against each other). */
interface Entry {
  name: string;
  fileDType: string;
  shape: number[];
  begin: number;
  end: number;
}

export function parseSafetensors(input: Uint8Array, options: ParseOptions = {}): SafetensorsContents {
  const source = options.source ?? 'safetensors data';
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const fail: Fail = (what, kind = 'input') => new GlmError(kind, `${source}: ${what}`);
  // A Node Buffer's slice() is a view, not a copy, which would break storageView's copy of unaligned
  // data; a plain Uint8Array over the same memory behaves as storageView expects.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);

  if (bytes.length < 8) throw fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  // Read as BigInt and compare before converting or allocating anything: a hostile length such as
  // 2^60 must not reach TextDecoder or lose precision as a Number.
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  const available = bytes.length - 8;
  if (headerLength > BigInt(available)) {
    throw fail(`header length ${headerLength} exceeds the ${available} bytes that follow it (truncated or corrupt file)`);
  }
  if (headerLength > BigInt(maxHeaderBytes)) {
    throw fail(`header length ${headerLength} exceeds the limit of ${maxHeaderBytes} bytes`, 'resource');
  }
  const dataStart = 8 + Number(headerLength);
  const { metadata, entries } = parseHeaderBlock(bytes.subarray(8, dataStart), bytes.length - dataStart, source);
  const data = bytes.subarray(dataStart);
  const tensors = new Map<string, HostTensor>();
  for (const e of entries) {
    const view = storageView(e.dtype, data.subarray(e.begin, e.end), elementCount(e.shape));
    tensors.set(e.name, hostTensor(e.dtype, e.shape, view));
  }
  return { metadata, tensors };
}

/** One tensor of a checked header: its SDK dtype and logical shape, and its bytes within the data. */
export interface TensorEntry {
  readonly name: string;
  readonly dtype: DType;
  /** The dtype as the file spells it (F16, U8, ...), for messages. */
  readonly fileDType: string;
  readonly shape: readonly number[];
  /** Byte range [begin, end) relative to the start of the data (after the header). */
  readonly begin: number;
  readonly end: number;
}

/**
 * Check a header (the JSON bytes, without the 8-byte length) against the data length that follows
 * it: every entry, the int4 list and the tiling. Used by the in-memory parser and by the positional
 * reader (safetensors-file.ts), which never holds the data in memory at once.
 */
export function parseHeaderBlock(raw: Uint8Array, dataLength: number, source: string): { metadata: Map<string, string>; entries: TensorEntry[] } {
  const fail: Fail = (what, kind = 'input') => new GlmError(kind, `${source}: ${what}`);
  const header = parseHeader(raw, fail);
  const metadata = readMetadata(header, fail);
  const entries: Entry[] = [];
  for (const name of Object.keys(header)) {
    if (name !== METADATA_KEY) entries.push(readEntry(name, header[name], dataLength, fail));
  }
  const int4 = readInt4List(metadata, entries, fail);
  metadata.delete(INT4_METADATA_KEY); // a detail of the file format, expressed by the dtypes instead
  checkTiling(entries, dataLength, fail);
  return {
    metadata,
    entries: entries.map((e) => {
      const isInt4 = int4.has(e.name);
      // Packed i4: each U8 byte holds two elements, so the last dimension doubles.
      const shape = isInt4 ? [...e.shape.slice(0, -1), e.shape.at(-1)! * 2] : e.shape;
      return { name: e.name, dtype: isInt4 ? 'i4' : DTYPE_OF_FILE.get(e.fileDType)!, fileDType: e.fileDType, shape, begin: e.begin, end: e.end };
    }),
  };
}

export async function readSafetensors(path: string, options: ParseOptions = {}): Promise<SafetensorsContents> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const kind: ErrorKind = fsErrorCode(err) === 'ERR_FS_FILE_TOO_LARGE' ? 'resource' : 'input';
    throw new GlmError(kind, `cannot read ${path}: ${describeFsError(err)}`, { cause: err });
  }
  return parseSafetensors(bytes, { ...options, source: options.source ?? path });
}

/**
 * The file as a list of chunks (header first, then each tensor's bytes as a view, not a copy), for
 * writeFileAtomic. Tensors are laid out contiguously, widest element first and then by name (as the
 * reference implementation does), so every tensor stays aligned for zero-copy loading and equal
 * input gives identical files.
 */
export function serializeSafetensors(
  tensors: Map<string, HostTensor> | Record<string, HostTensor>,
  metadata: Record<string, string> = {},
): Uint8Array[] {
  const named = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const [name, t] of named) fileShapeOf(name, t); // storage length against dtype and shape
  const { head, order } = safetensorsHeader(named.map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })), metadata);
  const byName = new Map(named);
  return [head, ...order.map((name) => tensorBytes(byName.get(name)!))];
}

/** What a tensor needs to have a header entry: no data. */
export interface TensorDescriptor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/**
 * The header bytes (length, JSON, padding) for these tensors, and the order their data must follow:
 * widest element first, then by name (as the reference implementation does), so every tensor stays
 * aligned for zero-copy loading and equal input gives identical files. Writers that stream the data
 * (glm convert, the load benchmark) use it directly.
 */
export function safetensorsHeader(tensors: readonly TensorDescriptor[], metadata: Record<string, string> = {}): { head: Uint8Array; order: string[] } {
  const width = (d: TensorDescriptor) => (d.dtype === 'f32' || d.dtype === 'i32' ? 4 : d.dtype === 'f16' || d.dtype === 'bf16' ? 2 : 1);
  const sorted = [...tensors].sort((a, b) => width(b) - width(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  // The header is assembled as text rather than as an object, so names like "__proto__" need no care.
  const headerEntries: string[] = [];
  const int4Names: string[] = [];
  let offset = 0;
  for (const d of sorted) {
    const { name } = d;
    if (name === '' || name === METADATA_KEY) throw new GlmError('input', `cannot write a tensor named ${quote(name)}`);
    const shape = fileShapeOfDescriptor(d);
    const bytes = byteLengthOf(d.dtype, elementCount(d.shape));
    if (d.dtype === 'i4') int4Names.push(name);
    const fields = `"dtype":"${FILE_DTYPE_OF.get(d.dtype)}","shape":${JSON.stringify(shape)},"data_offsets":[${offset},${offset + bytes}]`;
    headerEntries.push(`${JSON.stringify(name)}:{${fields}}`);
    offset += bytes;
  }

  const metaEntries = Object.entries(metadata);
  for (const [key, value] of metaEntries) {
    if (key === INT4_METADATA_KEY) throw new GlmError('input', `metadata key ${quote(key)} is reserved for the SDK`);
    if (typeof value !== 'string') throw new GlmError('input', `metadata value for ${quote(key)} is not a string`);
  }
  if (int4Names.length > 0) metaEntries.push([INT4_METADATA_KEY, JSON.stringify(int4Names)]);
  if (metaEntries.length > 0) {
    const meta = metaEntries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
    headerEntries.unshift(`"${METADATA_KEY}":{${meta}}`);
  }

  // Pad the header with spaces (valid JSON whitespace) to a multiple of 8 bytes, as the reference
  // writer does, so the data starts 8-aligned and aligned tensors load without copying.
  const json = new TextEncoder().encode(`{${headerEntries.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return { head, order: sorted.map((d) => d.name) };
}

export async function writeSafetensors(
  path: string,
  tensors: Map<string, HostTensor> | Record<string, HostTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

// ---------------------------------------------------------------------------------------------
// Reading: checks, in the order the data are used.

function parseHeader(raw: Uint8Array, fail: Fail): Record<string, unknown> {
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark in the text, so it fails the '{' check below.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    throw fail('header is not valid UTF-8');
  }
  // The spec requires the header to start with '{'; JSON.parse alone would accept leading spaces.
  if (!text.startsWith('{')) throw fail('header is not a JSON object');
  let parsed: unknown;
  try {
    // JSON.parse defines "__proto__" as an ordinary own key, never as the prototype.
    parsed = JSON.parse(text);
  } catch {
    // V8's own message quotes part of the header, which could be long or span lines: leave it out.
    throw fail('header is not valid JSON');
  }
  if (!isPlainObject(parsed)) throw fail('header is not a JSON object');
  return parsed;
}

function readMetadata(header: Record<string, unknown>, fail: Fail): Map<string, string> {
  const metadata = new Map<string, string>();
  if (!Object.hasOwn(header, METADATA_KEY)) return metadata;
  const raw = header[METADATA_KEY];
  if (!isPlainObject(raw)) throw fail(`"${METADATA_KEY}" is not an object of strings`);
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (typeof value !== 'string') throw fail(`"${METADATA_KEY}" value for ${quote(key)} is not a string`);
    metadata.set(key, value);
  }
  return metadata;
}

function readEntry(name: string, raw: unknown, dataLength: number, fail: Fail): Entry {
  const where = `tensor ${quote(name)}`;
  if (name === '') throw fail('tensor with an empty name');
  if (!isPlainObject(raw)) throw fail(`${where}: entry is not an object`);
  const keys = Object.keys(raw).sort();
  if (keys.join() !== 'data_offsets,dtype,shape') {
    throw fail(`${where}: entry must have exactly the keys dtype, shape, data_offsets (has ${keys.map(quote).join(', ') || 'none'})`);
  }

  const { dtype: fileDType, shape, data_offsets: offsets } = raw;
  if (typeof fileDType !== 'string') throw fail(`${where}: dtype is not a string`);
  // U8 is accepted here only so that the int4 list can claim it; readInt4List rejects the rest.
  if (!DTYPE_OF_FILE.has(fileDType) && fileDType !== 'U8') {
    throw fail(`${where}: dtype ${quote(fileDType)} is not supported (supported: F32, F16, BF16, I32, I8)`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`${where}: shape is not an array of non-negative integers`);
  }
  // Stop at the first product past 2^53: from there on the count would not be exact.
  let count = 1;
  for (const d of shape as number[]) {
    count *= d;
    if (count > Number.MAX_SAFE_INTEGER) throw fail(`${where}: element count of shape ${formatShape(shape)} overflows`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o))) {
    throw fail(`${where}: data_offsets is not a pair of integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (!(begin >= 0 && begin <= end && end <= dataLength)) {
    throw fail(`${where}: data_offsets [${begin}, ${end}] outside the ${dataLength} data bytes (truncated or corrupt file)`);
  }
  // U8 stands for one byte per element whatever it is restored as (packed i4 has 2 per byte).
  const expected = byteLengthOf(DTYPE_OF_FILE.get(fileDType) ?? 'i8', count);
  if (end - begin !== expected) {
    throw fail(`${where}: ${fileDType}${formatShape(shape)} needs ${expected} bytes but data_offsets span ${end - begin}`);
  }
  return { name, fileDType, shape: shape as number[], begin, end };
}

function readInt4List(metadata: Map<string, string>, entries: Entry[], fail: Fail): Set<string> {
  const int4 = new Set<string>();
  const raw = metadata.get(INT4_METADATA_KEY);
  let list: unknown;
  try {
    list = raw === undefined ? [] : JSON.parse(raw);
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) {
    throw fail(`metadata "${INT4_METADATA_KEY}" is not a JSON array of tensor names`);
  }
  const byName = new Map(entries.map((e) => [e.name, e]));
  for (const name of list as string[]) {
    const e = byName.get(name);
    if (e === undefined) throw fail(`tensor ${quote(name)} is listed in "${INT4_METADATA_KEY}" but missing`);
    if (e.fileDType !== 'U8' || e.shape.length === 0) {
      throw fail(`tensor ${quote(name)} is listed in "${INT4_METADATA_KEY}" but is ${e.fileDType}${formatShape(e.shape)}, not U8 with at least one dimension`);
    }
    int4.add(name);
  }
  for (const e of entries) {
    if (e.fileDType === 'U8' && !int4.has(e.name)) {
      throw fail(`tensor ${quote(e.name)}: dtype "U8" is not supported (only as packed int4 listed in "${INT4_METADATA_KEY}")`);
    }
  }
  return int4;
}

/**
 * The reference implementation requires the byte ranges, in offset order, to tile the data exactly:
 * no overlap (two tensors aliasing the same bytes), no gap and no trailing bytes (data nobody owns,
 * a common sign of a corrupt or tampered file).
 */
function checkTiling(entries: Entry[], dataLength: number, fail: Fail): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < covered) {
      throw fail(`tensors ${quote(previous!.name)} [${previous!.begin}, ${previous!.end}) and ${quote(e.name)} [${e.begin}, ${e.end}) overlap`);
    }
    if (e.begin > covered) throw fail(`data bytes [${covered}, ${e.begin}) belong to no tensor`);
    covered = e.end;
    previous = e;
  }
  if (covered !== dataLength) throw fail(`trailing data bytes [${covered}, ${dataLength}) belong to no tensor`);
}

// ---------------------------------------------------------------------------------------------
// Writing.

/** The storage of a tensor must match its dtype and shape before its bytes are written. */
function fileShapeOf(name: string, t: HostTensor): readonly number[] {
  const shape = fileShapeOfDescriptor({ name, dtype: t.dtype, shape: t.shape });
  const expected = byteLengthOf(t.dtype, elementCount(t.shape));
  if (t.data.byteLength !== expected) {
    throw new GlmError('shape', `tensor ${quote(name)}: ${t.dtype}${formatShape(t.shape)} needs ${expected} bytes of storage, has ${t.data.byteLength}`);
  }
  return shape;
}

/** The shape as stored: packed i4 [..., n] becomes U8 [..., n/2], so each row is whole bytes. */
function fileShapeOfDescriptor(d: TensorDescriptor): readonly number[] {
  const { name } = d;
  if (!FILE_DTYPE_OF.has(d.dtype)) throw new GlmError('unsupported', `tensor ${quote(name)}: dtype ${quote(d.dtype)} cannot be stored in safetensors`);
  if (!d.shape.every((x) => Number.isSafeInteger(x) && x >= 0)) {
    throw new GlmError('shape', `tensor ${quote(name)}: shape ${formatShape(d.shape)} is not a list of non-negative integers`);
  }
  if (d.dtype !== 'i4') return d.shape;
  const last = d.shape.at(-1);
  if (last === undefined || last % 2 !== 0) {
    throw new GlmError('unsupported', `tensor ${quote(name)}: i4${formatShape(d.shape)} cannot be stored, its last dimension must be even`);
  }
  return [...d.shape.slice(0, -1), last / 2];
}

// ---------------------------------------------------------------------------------------------

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A name for an error message: quoted and escaped (so it stays on one line) and not too long. */
export function quote(name: string): string {
  const s = JSON.stringify(name).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return s.length <= 80 ? s : `${s.slice(0, 76)}..."`;
}

function formatShape(shape: readonly unknown[]): string {
  const dims = shape.slice(0, 8).map(String);
  if (shape.length > 8) dims.push(`... ${shape.length} dims`);
  return `[${dims.join(',')}]`;
}
