import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlmError, type ErrorKind } from '../../core/errors.js';
import {
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
  type ParseOptions,
} from '../../core/io/safetensors.js';
import type { DType } from '../../core/tensor/dtype.js';
import { fromFloat64, tensorBytes, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';

// ---------------------------------------------------------------------------------------------
// Helpers

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** A file written by hand: the header text as given, `data` bytes after it, any length field. */
function rawFile(header: string | Uint8Array, data: number | Uint8Array = 0, headerLength?: bigint): Uint8Array {
  const h = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

function entry(dtype: string, shape: unknown[], offsets: unknown[]): object {
  return { dtype, shape, data_offsets: offsets };
}

const parse = (bytes: Uint8Array, options: ParseOptions = {}) =>
  parseSafetensors(bytes, { source: 'bad.safetensors', ...options });

function expectGlmError(fn: () => unknown, kind: ErrorKind, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(GlmError);
  expect((caught as GlmError).message).toBe(message);
  expect((caught as GlmError).kind).toBe(kind);
  expect(message).not.toContain('\n');
}

/** Check a malformed header: the error is 'input' and says exactly `what` about bad.safetensors. */
function expectBad(header: object | string, data: number | Uint8Array, what: string): void {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  expectGlmError(() => parse(rawFile(text, data)), 'input', `bad.safetensors: ${what}`);
}

function expectSameTensor(actual: HostTensor | undefined, expected: HostTensor): void {
  expect(actual).toBeDefined();
  expect(actual!.dtype).toBe(expected.dtype);
  expect(actual!.shape).toEqual(expected.shape);
  expect(Array.from(tensorBytes(actual!))).toEqual(Array.from(tensorBytes(expected)));
  expect(Array.from(toFloat64(actual!))).toEqual(Array.from(toFloat64(expected)));
}

const arange = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

// ---------------------------------------------------------------------------------------------

describe('safetensors round trip', () => {
  const cases: Record<string, [DType, number[], number[]]> = {
    'f32.matrix': ['f32', [2, 3], [1.5, -2, 3.25, 0, 1e-3, 65504]],
    'f16.odd': ['f16', [5], [0.5, -1, 65504, 6.1e-5, -0]],
    'bf16.rank3': ['bf16', [3, 1, 2], [1, -2.5, 3e38, 1e-30, 0.1, -7]],
    'i32.scalar': ['i32', [], [-123456789]],
    'i8.odd': ['i8', [1, 1, 1, 1, 7], [-128, -1, 0, 1, 2, 126, 127]],
    'i4.matrix': ['i4', [3, 4], arange(12, (i) => (i % 16) - 8)],
    'i4.pair': ['i4', [2], [7, -8]],
    'empty.f32': ['f32', [0, 3], []],
    'empty.i4': ['i4', [4, 0, 2], []],
    'empty.i8': ['i8', [0], []],
  };
  const tensors = new Map(Object.entries(cases).map(([name, [dtype, shape, values]]) => [name, fromFloat64(dtype, shape, values)]));

  it('gives back every dtype, shape and value, and the metadata', () => {
    const metadata = { format: 'pt', note: 'ünïcødé ✓', '': 'empty key' };
    const { tensors: back, metadata: meta } = parse(concat(serializeSafetensors(tensors, metadata)));
    expect([...back.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, t] of tensors) expectSameTensor(back.get(name), t);
    expect([...meta]).toEqual(Object.entries(metadata)); // the int4 list is not user metadata
    expect(Array.from(toFloat64(back.get('i4.matrix')!))).toEqual(arange(12, (i) => (i % 16) - 8));
  });

  it('accepts a plain record as well as a Map', () => {
    const record = Object.fromEntries(tensors);
    expect(concat(serializeSafetensors(record))).toEqual(concat(serializeSafetensors(tensors)));
  });

  it('writes the exact header and layout: widest dtype first, then names, contiguous, space padding to 8', () => {
    const file = concat(
      serializeSafetensors({ b: fromFloat64('f32', [1], [1]), a: fromFloat64('i8', [3], [1, 2, 3]) }, { k: 'v' }),
    );
    const json =
      '{"__metadata__":{"k":"v"},' +
      '"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
      '"a":{"dtype":"I8","shape":[3],"data_offsets":[4,7]}}';
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(n).toBe(Math.ceil(json.length / 8) * 8);
    expect(new TextDecoder().decode(file.subarray(8, 8 + n))).toBe(json.padEnd(n, ' '));
    expect(Array.from(file.subarray(8 + n))).toEqual([0x00, 0x00, 0x80, 0x3f, 1, 2, 3]);
  });

  it('writes no __metadata__ when there is none, and an empty file as {} padded', () => {
    const file = concat(serializeSafetensors({}));
    expect(Array.from(file)).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('{}      ')]);
    expect(parse(file).tensors.size).toBe(0);
  });

  it('stores i4 as packed U8 with half the last dimension, listed in glm-sdk.int4', () => {
    const q = fromFloat64('i4', [3, 2], [1, -2, 7, -8, 0, -1]);
    const file = concat(serializeSafetensors({ q }));
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(new TextDecoder().decode(file.subarray(8, 8 + n)).trimEnd()).toBe(
      '{"__metadata__":{"glm-sdk.int4":"[\\"q\\"]"},"q":{"dtype":"U8","shape":[3,1],"data_offsets":[0,3]}}',
    );
    // Even element in the high nibble: (1, -2) -> 0x1e, (7, -8) -> 0x78, (0, -1) -> 0x0f.
    expect(Array.from(file.subarray(8 + n))).toEqual([0x1e, 0x78, 0x0f]);
    const back = parse(file);
    expectSameTensor(back.tensors.get('q'), q);
    expect(back.metadata.size).toBe(0);
  });

  it('refuses i4 tensors whose rows are not whole bytes', () => {
    expectGlmError(
      () => serializeSafetensors({ q: fromFloat64('i4', [2, 3], [1, 2, 3, 4, 5, 6]) }),
      'unsupported',
      'tensor "q": i4[2,3] cannot be stored, its last dimension must be even',
    );
    expectGlmError(
      () => serializeSafetensors({ s: fromFloat64('i4', [], [3]) }),
      'unsupported',
      'tensor "s": i4[] cannot be stored, its last dimension must be even',
    );
  });

  it('refuses bad names, the reserved metadata key and storage of the wrong size', () => {
    const t = fromFloat64('f32', [1], [1]);
    expectGlmError(() => serializeSafetensors({ '': t }), 'input', 'cannot write a tensor named ""');
    expectGlmError(() => serializeSafetensors({ __metadata__: t }), 'input', 'cannot write a tensor named "__metadata__"');
    expectGlmError(
      () => serializeSafetensors({ t }, { 'glm-sdk.int4': '[]' }),
      'input',
      'metadata key "glm-sdk.int4" is reserved for the SDK',
    );
    const wrong: HostTensor = { dtype: 'f32', shape: [2], data: new Float32Array(3) };
    expectGlmError(() => serializeSafetensors({ wrong }), 'shape', 'tensor "wrong": f32[2] needs 8 bytes of storage, has 12');
  });
});

describe('safetensors zero copy', () => {
  const tensors = { w: fromFloat64('f32', [4], [1, 2, 3, 4]), x: fromFloat64('f16', [2], [0.5, 1]) };

  it('returns views into the input when the data are aligned', () => {
    const bytes = concat(serializeSafetensors(tensors));
    const w = parse(bytes).tensors.get('w')!;
    expect(w.data.buffer).toBe(bytes.buffer);
    // w is data bytes [0, 16), x [16, 20). Byte 2 of w[3]: f32 4 = 0x40800000 -> 0x40400000 = 3.
    bytes[bytes.length - 20 + 14] = 0x40;
    expect(Array.from(w.data)).toEqual([1, 2, 3, 3]);
  });

  it('also shares memory when the input itself starts at an aligned offset in a larger buffer', () => {
    const file = concat(serializeSafetensors(tensors));
    const big = new Uint8Array(file.length + 16);
    big.set(file, 8);
    const w = parse(big.subarray(8, 8 + file.length)).tensors.get('w')!;
    expect(w.data.buffer).toBe(big.buffer);
    expect(Array.from(w.data)).toEqual([1, 2, 3, 4]);
  });

  it('copies unaligned data, for plain arrays and for Node Buffers (whose slice() is a view)', () => {
    // The writer keeps tensors aligned, so misalign the whole file by placing it at an odd offset.
    const file = concat(serializeSafetensors({ a: fromFloat64('i8', [1], [5]), b: fromFloat64('f32', [2], [0.25, -8]) }));
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    for (const input of [shifted.subarray(1), Buffer.from(shifted.buffer, 1, file.length)]) {
      const b = parse(input).tensors.get('b')!;
      expect(b.data.buffer).not.toBe(input.buffer);
      expect(Array.from(b.data)).toEqual([0.25, -8]);
    }
  });
});

describe('safetensors malformed files', () => {
  const f32 = (begin: number, end: number, shape: number[] = [(end - begin) / 4]) => entry('F32', shape, [begin, end]);

  it('file shorter than the length field', () => {
    expectGlmError(() => parse(new Uint8Array(5)), 'input', 'bad.safetensors: file is 5 bytes, too short for the 8-byte header length');
  });

  it('huge header length (2^60) is refused before anything is decoded', () => {
    expectGlmError(
      () => parse(rawFile('{}', 0, 2n ** 60n)),
      'input',
      'bad.safetensors: header length 1152921504606846976 exceeds the 2 bytes that follow it (truncated or corrupt file)',
    );
    expectGlmError(
      () => parse(rawFile('{}', 0, 2n ** 64n - 1n)),
      'input',
      'bad.safetensors: header length 18446744073709551615 exceeds the 2 bytes that follow it (truncated or corrupt file)',
    );
  });

  it('truncated header', () => {
    const file = concat(serializeSafetensors({ w: fromFloat64('f32', [1], [1]) }));
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    expectGlmError(
      () => parse(file.subarray(0, 20)),
      'input',
      `bad.safetensors: header length ${n} exceeds the 12 bytes that follow it (truncated or corrupt file)`,
    );
  });

  it('header over the size limit is a resource error', () => {
    const file = rawFile(JSON.stringify({ w: f32(0, 4) }), 4);
    expectGlmError(
      () => parse(file, { maxHeaderBytes: 16 }),
      'resource',
      `bad.safetensors: header length ${file.length - 12} exceeds the limit of 16 bytes`,
    );
    expect(parse(file, { maxHeaderBytes: file.length - 12 }).tensors.size).toBe(1);
  });

  it('truncated data', () => {
    const file = concat(serializeSafetensors({ w: fromFloat64('f32', [3], [1, 2, 3]) }));
    expectGlmError(
      () => parse(file.subarray(0, file.length - 2)),
      'input',
      'bad.safetensors: tensor "w": data_offsets [0, 12] outside the 10 data bytes (truncated or corrupt file)',
    );
  });

  it('header not UTF-8, not JSON, not an object', () => {
    expectGlmError(() => parse(rawFile(new Uint8Array([0x7b, 0xff, 0x7d]))), 'input', 'bad.safetensors: header is not valid UTF-8');
    expectBad('{"w":}', 0, 'header is not valid JSON');
    expectBad('{"w":{}', 0, 'header is not valid JSON');
    expectBad('[1,2]   ', 0, 'header is not a JSON object');
    expectBad('null', 0, 'header is not a JSON object');
    expectBad(' {}', 0, 'header is not a JSON object'); // the spec says the header starts with '{'
    expectBad('\ufeff{}', 0, 'header is not a JSON object');
  });

  it('__metadata__ that is not a string-to-string object', () => {
    expectBad({ __metadata__: { a: 1 } }, 0, '"__metadata__" value for "a" is not a string');
    expectBad({ __metadata__: ['a'] }, 0, '"__metadata__" is not an object of strings');
    expectBad({ __metadata__: 'a' }, 0, '"__metadata__" is not an object of strings');
    expectBad({ __metadata__: null }, 0, '"__metadata__" is not an object of strings');
  });

  it('entry that is not an object with exactly dtype, shape, data_offsets', () => {
    expectBad({ w: [1] }, 0, 'tensor "w": entry is not an object');
    expectBad({ w: 'F32' }, 0, 'tensor "w": entry is not an object');
    expectBad(
      { w: { ...f32(0, 4), extra: 1 } },
      4,
      'tensor "w": entry must have exactly the keys dtype, shape, data_offsets (has "data_offsets", "dtype", "extra", "shape")',
    );
    expectBad({ w: { dtype: 'F32', shape: [1] } }, 4, 'tensor "w": entry must have exactly the keys dtype, shape, data_offsets (has "dtype", "shape")');
    expectBad({ w: {} }, 0, 'tensor "w": entry must have exactly the keys dtype, shape, data_offsets (has none)');
    expectBad({ w: entry('F32', [1], [0, 4]), '': entry('F32', [0], [4, 4]) }, 4, 'tensor with an empty name');
  });

  it('shape that is not an array of non-negative safe integers', () => {
    for (const shape of [[-1], [1.5], ['3'], [null], [2 ** 53]]) {
      expectBad({ w: entry('F32', shape, [0, 4]) }, 4, 'tensor "w": shape is not an array of non-negative integers');
    }
    expectBad({ w: { dtype: 'F32', shape: 4, data_offsets: [0, 16] } }, 16, 'tensor "w": shape is not an array of non-negative integers');
  });

  it('element count overflow', () => {
    expectBad({ w: entry('I8', [2 ** 32, 2 ** 21], [0, 0]) }, 0, 'tensor "w": element count of shape [4294967296,2097152] overflows');
    // Like the reference's checked multiplication, an overflow before a zero dimension still fails.
    expectBad({ w: entry('I8', [2 ** 32, 2 ** 32, 0], [0, 0]) }, 0, 'tensor "w": element count of shape [4294967296,4294967296,0] overflows');
  });

  it('data_offsets that are not two integers in order inside the data', () => {
    for (const offsets of [[0], [0, 4, 8], [0, '4'], [0, 4.5], [0, 2 ** 53]]) {
      expectBad({ w: entry('F32', [1], offsets) }, 4, 'tensor "w": data_offsets is not a pair of integers');
    }
    expectBad({ w: f32(0, 4), x: entry('F32', [0], [8, 4]) }, 4, 'tensor "x": data_offsets [8, 4] outside the 4 data bytes (truncated or corrupt file)');
    expectBad({ w: entry('F32', [1], [-4, 0]) }, 4, 'tensor "w": data_offsets [-4, 0] outside the 4 data bytes (truncated or corrupt file)');
    expectBad({ w: f32(0, 8) }, 4, 'tensor "w": data_offsets [0, 8] outside the 4 data bytes (truncated or corrupt file)');
  });

  it('byte range that does not match dtype and shape', () => {
    expectBad({ w: f32(0, 4, [2]) }, 4, 'tensor "w": F32[2] needs 8 bytes but data_offsets span 4');
    expectBad({ w: entry('BF16', [3], [0, 4]) }, 4, 'tensor "w": BF16[3] needs 6 bytes but data_offsets span 4');
  });

  it('overlapping ranges', () => {
    expectBad({ a: f32(0, 8), b: f32(4, 12) }, 12, 'tensors "a" [0, 8) and "b" [4, 12) overlap');
    expectBad({ a: f32(0, 8), b: f32(0, 8) }, 8, 'tensors "a" [0, 8) and "b" [0, 8) overlap');
    // An empty tensor inside another one's bytes is refused too, as the reference does.
    expectBad({ a: f32(0, 8), e: entry('F32', [0], [4, 4]) }, 8, 'tensors "a" [0, 8) and "e" [4, 4) overlap');
  });

  it('gaps and trailing bytes', () => {
    expectBad({ a: f32(0, 4), b: f32(8, 12) }, 12, 'data bytes [4, 8) belong to no tensor');
    expectBad({ b: f32(4, 8) }, 8, 'data bytes [0, 4) belong to no tensor');
    expectBad({ a: f32(0, 4) }, 8, 'trailing data bytes [4, 8) belong to no tensor');
    expectBad({}, 3, 'trailing data bytes [0, 3) belong to no tensor');
    // JSON.parse keeps the last of duplicate names; the bytes of the first then belong to no tensor.
    expectBad('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8, 'data bytes [0, 4) belong to no tensor');
  });

  it('unknown or unsupported dtypes name the tensor and the dtype', () => {
    const supported = '(supported: F32, F16, BF16, I32, I8)';
    expectBad({ w: entry('F64', [1], [0, 8]) }, 8, `tensor "w": dtype "F64" is not supported ${supported}`);
    expectBad({ w: entry('I64', [1], [0, 8]) }, 8, `tensor "w": dtype "I64" is not supported ${supported}`);
    expectBad({ w: entry('BOOL', [1], [0, 1]) }, 1, `tensor "w": dtype "BOOL" is not supported ${supported}`);
    expectBad({ w: entry('constructor', [1], [0, 1]) }, 1, `tensor "w": dtype "constructor" is not supported ${supported}`);
    expectBad({ w: entry('f32', [1], [0, 4]) }, 4, `tensor "w": dtype "f32" is not supported ${supported}`);
    expectBad({ w: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, 4, 'tensor "w": dtype is not a string');
    expectBad({ w: entry('U8', [2], [0, 2]) }, 2, 'tensor "w": dtype "U8" is not supported (only as packed int4 listed in "glm-sdk.int4")');
  });

  it('glm-sdk.int4 lists that do not match the tensors', () => {
    const meta = (list: string) => ({ 'glm-sdk.int4': list });
    expectBad({ __metadata__: meta('["q"]') }, 0, 'tensor "q" is listed in "glm-sdk.int4" but missing');
    expectBad(
      { __metadata__: meta('["q"]'), q: entry('I8', [2], [0, 2]) },
      2,
      'tensor "q" is listed in "glm-sdk.int4" but is I8[2], not U8 with at least one dimension',
    );
    expectBad(
      { __metadata__: meta('["q"]'), q: entry('U8', [], [0, 1]) },
      1,
      'tensor "q" is listed in "glm-sdk.int4" but is U8[], not U8 with at least one dimension',
    );
    for (const list of ['q', '{"q":1}', '[1]', '["q"']) {
      expectBad({ __metadata__: meta(list), q: entry('U8', [1], [0, 1]) }, 1, 'metadata "glm-sdk.int4" is not a JSON array of tensor names');
    }
    const ok = parse(rawFile(JSON.stringify({ __metadata__: meta('["q"]'), q: entry('U8', [2, 1], [0, 2]) }), new Uint8Array([0x7f, 0x80])));
    expect(ok.tensors.get('q')!.shape).toEqual([2, 2]);
    expect(Array.from(toFloat64(ok.tensors.get('q')!))).toEqual([7, -1, -8, 0]);
  });

  it('long or multi-line names stay on one short line in messages', () => {
    const name = 'x\ny'.repeat(100);
    expectBad({ [name]: entry('F64', [1], [0, 8]) }, 8, `tensor ${JSON.stringify(name).slice(0, 76)}...": dtype "F64" is not supported (supported: F32, F16, BF16, I32, I8)`);
  });
});

describe('safetensors names that are special in JavaScript', () => {
  it('__proto__ and constructor load as ordinary tensors and leave Object.prototype alone', () => {
    const header =
      '{"__metadata__":{"__proto__":"meta","toString":"s"},' +
      '"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
      '"constructor":{"dtype":"I8","shape":[2],"data_offsets":[4,6]},' +
      '"hasOwnProperty":{"dtype":"I8","shape":[0],"data_offsets":[6,6]}}';
    const data = new Uint8Array([0, 0, 0x80, 0x3f, 3, 0xfd]);
    const { tensors, metadata } = parse(rawFile(header, data));
    expect([...tensors.keys()]).toEqual(['__proto__', 'constructor', 'hasOwnProperty']);
    expect(tensors.get('__proto__')!.dtype).toBe('f32');
    expect(Array.from(tensors.get('__proto__')!.data)).toEqual([1]);
    expect(Array.from(tensors.get('constructor')!.data)).toEqual([3, -3]);
    expect([...metadata]).toEqual([
      ['__proto__', 'meta'],
      ['toString', 's'],
    ]);
    const plain: Record<string, unknown> = {};
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(plain['dtype']).toBeUndefined();
    expect(plain['data_offsets']).toBeUndefined();
    expect(typeof plain.toString).toBe('function');
  });

  it('a record with an own __proto__ key is written and read back under that name', () => {
    const record: Record<string, HostTensor> = Object.create(null);
    record['__proto__'] = fromFloat64('i32', [2], [5, -6]);
    record['constructor'] = fromFloat64('f16', [1], [2]);
    const back = parse(concat(serializeSafetensors(record, JSON.parse('{"__proto__":"m"}'))));
    expect(Array.from(back.tensors.get('__proto__')!.data)).toEqual([5, -6]);
    expect(toFloat64(back.tensors.get('constructor')!)[0]).toBe(2);
    expect(back.metadata.get('__proto__')).toBe('m');
  });
});

describe('safetensors files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glm-safetensors-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writeSafetensors then readSafetensors, leaving only the target in the directory', async () => {
    const path = join(dir, 'model.safetensors');
    const w = fromFloat64('bf16', [2, 2], [1, 2, 3, 4]);
    await writeSafetensors(path, { w }, { step: '3' });
    const back = await readSafetensors(path);
    expectSameTensor(back.tensors.get('w'), w);
    expect(back.metadata.get('step')).toBe('3');
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('errors name the path', async () => {
    const missing = join(dir, 'missing.safetensors');
    await expect(readSafetensors(missing)).rejects.toThrow(new GlmError('input', `cannot read ${missing}: no such file or directory`));
    await expect(readSafetensors(missing)).rejects.toMatchObject({ kind: 'input' });
    await expect(readSafetensors(dir)).rejects.toThrow(`cannot read ${dir}: is a directory`);
    const bad = join(dir, 'bad.safetensors');
    await writeSafetensors(bad, {});
    await expect(readSafetensors(bad, { maxHeaderBytes: 4 })).rejects.toThrow(`${bad}: header length 8 exceeds the limit of 4 bytes`);
  });
});

describe('a file written by Python (tests/io/fixtures/make_safetensors_fixture.py)', () => {
  it('loads with the values the script computed', async () => {
    const path = fileURLToPath(new URL('./fixtures/python-written.safetensors', import.meta.url));
    const { tensors, metadata } = await readSafetensors(path);
    // Same formulas as the script (numpy arange).
    const expected: Record<string, [DType, number[], number[]]> = {
      'weight.f32': ['f32', [2, 3], arange(6, (i) => i * 0.5 - 1)],
      'scale.f16': ['f16', [5], arange(5, (i) => i * 0.25 - 0.5)],
      'index.i32': ['i32', [2, 2], arange(4, (i) => i * 100000 - 150000)],
      'quant.i8': ['i8', [7], arange(7, (i) => i - 4)],
    };
    expect([...tensors.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, [dtype, shape, values]] of Object.entries(expected)) {
      const t = tensors.get(name)!;
      expect(t.dtype).toBe(dtype);
      expect(t.shape).toEqual(shape);
      expect(Array.from(toFloat64(t))).toEqual(values);
    }
    // Spot-check against literal numbers too, in case both formulas were wrong the same way.
    expect(Array.from(toFloat64(tensors.get('weight.f32')!))).toEqual([-1, -0.5, 0, 0.5, 1, 1.5]);
    expect(Array.from(tensors.get('index.i32')!.data)).toEqual([-150000, -50000, 50000, 150000]);
    expect([...metadata]).toEqual([
      ['format', 'pt'],
      ['writer', 'make_safetensors_fixture.py'],
    ]);
  });
});
