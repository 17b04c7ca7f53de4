/**
 * The Ascend emulator against the ABI table (backends/ascend/acl/abi.ts), its single source of truth:
 * (a) the table, each library's exported symbols (`nm -D --defined-only`) and the generated header
 * agree exactly, library by library; (b) the three libraries load through koffi with the table's
 * prototypes in CANN's order (nnopbase, opapi RTLD_GLOBAL, ascendcl; aclInit, aclnnInit) and run ops
 * end to end against values computed here: an fp16 matmul accumulated in fp32, GeluV2(erf) vs Gelu
 * (tanh), the SoC gate (an A2 op failing on the 910 as CANN reports it, and working under
 * GLM_ASCEND_EMU_SOC=Ascend910B1 — this file re-run in a child vitest), executor reuse and rebinding,
 * and host memory passed where device memory belongs. Skipped, with the reason printed, when the
 * emulator is not built (npm run build:ascend-emu).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import koffi from 'koffi';
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeGate } from '../support/native.js';

import * as abi from '../../backends/ascend/acl/abi.js';
import { float16BitsToFloat64, float64ToFloat16Bits } from '../../core/tensor/float16.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const REPO = resolve(dirname(THIS_FILE), '../..');
const BUILD = join(REPO, 'backends/ascend/emulator/build');
const LIB_DIR = join(BUILD, 'lib64');
const HEADER = join(BUILD, 'generated/acl_abi.h');
const LIBRARIES = Object.keys(abi.ACL_LIBRARY_FILES) as abi.AclLibrary[];

const missing = [HEADER, ...LIBRARIES.map((l) => join(LIB_DIR, abi.ACL_LIBRARY_FILES[l]))].filter((p) => !existsSync(p));
const built = !nativeGate('ascend emulator ABI', missing.length === 0 ? undefined : `not built (${missing[0]} missing); build it with npm run build:ascend-emu`);

const SOC = process.env['GLM_ASCEND_EMU_SOC'] || 'Ascend910A';
const GENERATION = abi.socGeneration(SOC);
const S = abi.ACL_STATUS as Record<string, number>;
const DT = abi.ACL_ENUMS['aclDataType'] as Record<string, number>;
const ND = abi.ACL_ENUMS['aclFormat']!['ACL_FORMAT_ND']!;
const H2D = abi.ACL_ENUMS['aclrtMemcpyKind']!['ACL_MEMCPY_HOST_TO_DEVICE']!;
const D2H = abi.ACL_ENUMS['aclrtMemcpyKind']!['ACL_MEMCPY_DEVICE_TO_HOST']!;

// ---------------------------------------------------------------------------------------------
// (a) the table, the exports and the generated header

/** Defined dynamic symbols of a library: name -> nm type letter. */
function exportedSymbols(path: string): Map<string, string> {
  const nm = spawnSync('nm', ['-D', '--defined-only', path], { encoding: 'utf8' });
  if (nm.status !== 0) throw new Error(`nm failed on ${path}: ${nm.stderr}`);
  const symbols = new Map<string, string>();
  for (const line of nm.stdout.split('\n')) {
    const [, type, name] = line.trim().split(/\s+/);
    if (type && name) symbols.set(name, type);
  }
  return symbols;
}

/** The header's declarations, library by library: `GLM_ACL_API <prototype>;  // <header>`. */
function headerDeclarations(): Map<abi.AclLibrary, { prototype: string; header: string }[]> {
  const byFile = new Map(LIBRARIES.map((l) => [abi.ACL_LIBRARY_FILES[l], l]));
  const declarations = new Map<abi.AclLibrary, { prototype: string; header: string }[]>(LIBRARIES.map((l) => [l, []]));
  let library: abi.AclLibrary | undefined;
  for (const line of readFileSync(HEADER, 'utf8').split('\n')) {
    const section = /^\/\/ (lib\w+\.so)$/.exec(line);
    if (section) library = byFile.get(section[1]!);
    const declaration = /^GLM_ACL_API (.*);\s+\/\/ (\S+)$/.exec(line);
    if (declaration && library) declarations.get(library)!.push({ prototype: declaration[1]!, header: declaration[2]! });
  }
  return declarations;
}

describe.skipIf(!built)('the ascend emulator against the ABI table', () => {
  it('names every function once, each op as a GetWorkspaceSize + launch pair', () => {
    const names = abi.ACL_FUNCTIONS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(abi.functionsOf('opapi').length).toBe(2 * abi.ACL_OPS.length);
    for (const f of abi.ACL_FUNCTIONS) expect(f.prototype).toContain(`${f.name}(`);
  });

  it.each(LIBRARIES)('lib%s exports exactly its table functions', (library) => {
    const symbols = exportedSymbols(join(LIB_DIR, abi.ACL_LIBRARY_FILES[library]));
    const expected = abi.functionsOf(library).map((f) => f.name).sort();
    expect([...symbols.keys()].sort()).toEqual(expected);
    for (const name of expected) expect(symbols.get(name), name).toBe('T');
  });

  it('keeps CANN names out of the emulator core library', () => {
    const core = exportedSymbols(join(LIB_DIR, 'libascend_emulator_core.so'));
    const cannNames = new Set(abi.ACL_FUNCTIONS.map((f) => f.name));
    expect([...core.keys()].filter((name) => cannNames.has(name))).toEqual([]);
  });

  it.each(LIBRARIES)('declares lib%s in the generated header exactly as the table does', (library) => {
    const declared = headerDeclarations().get(library)!;
    const expected = abi.functionsOf(library).map((f) => ({ prototype: f.prototype, header: f.header }));
    expect(declared).toEqual(expected);
  });

  it('numbers executor tensor slots inputs first, then outputs, in argument order', () => {
    expect(abi.tensorSlots('Mul').map((s) => [s.name, s.role])).toEqual([
      ['self', 'input'],
      ['other', 'input'],
      ['out', 'output'],
    ]);
    expect(abi.tensorSlots('InplaceCopy').map((s) => s.role)).toEqual(['input', 'input']);
    const fia = abi.tensorSlots('FusedInferAttentionScoreV2');
    expect(fia[1]).toMatchObject({ name: 'key', list: true });
    expect(fia.slice(-2).map((s) => [s.name, s.role])).toEqual([
      ['attentionOut', 'output'],
      ['softmaxLse', 'output'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) the libraries through koffi, as the binding loads CANN

type Fn = (...args: unknown[]) => unknown;
type Pointer = unknown;

let typesDefined = false;
function defineTypes(): void {
  if (typesDefined) return;
  typesDefined = true;
  for (const [name, type] of Object.entries(abi.ACL_INTEGER_TYPEDEFS)) koffi.alias(name, type);
  for (const [name, type] of Object.entries(abi.ACL_POINTER_TYPEDEFS)) koffi.alias(name, type);
  for (const name of Object.keys(abi.ACL_ENUMS)) koffi.alias(name, 'int');
  for (const name of abi.ACL_OPAQUE_TYPES) koffi.opaque(name);
  for (const [name, fields] of Object.entries(abi.ACL_STRUCTS)) {
    koffi.struct(name, Object.fromEntries(fields.map((f) => [f.name, koffi.array(f.type, f.length, 'String')])));
  }
}

/** Loads the libraries in CANN's order and binds every table function by its prototype. */
function loadAcl(dir: string): Record<string, Fn> {
  defineTypes();
  const libraries = new Map<abi.AclLibrary, ReturnType<typeof koffi.load>>();
  for (const { library, global } of abi.ACL_LOAD_ORDER) {
    libraries.set(library, koffi.load(join(dir, abi.ACL_LIBRARY_FILES[library]), { global }));
  }
  const acl: Record<string, Fn> = {};
  for (const f of abi.ACL_FUNCTIONS) acl[f.name] = libraries.get(f.library)!.func(f.prototype) as Fn;
  return acl;
}

/** A small session over the bound functions: device buffers, tensors, two-phase ops. */
class Session {
  readonly stream: Pointer;

  constructor(readonly acl: Record<string, Fn>) {
    this.ok(acl['aclInit']!(null), 'aclInit');
    this.ok(acl['aclnnInit']!(null), 'aclnnInit');
    this.ok(acl['aclrtSetDevice']!(0), 'aclrtSetDevice');
    const stream = new BigUint64Array(1);
    this.ok(acl['aclrtCreateStream']!(stream), 'aclrtCreateStream');
    this.stream = stream[0];
  }

  lastError(): string {
    return (this.acl['aclGetRecentErrMsg']!() as string | null) ?? '';
  }

  ok(status: unknown, what: string): void {
    if (status !== 0) throw new Error(`${what} returned ${String(status)}: ${this.lastError()}`);
  }

  malloc(bytes: number): bigint {
    const pointer = new BigUint64Array(1);
    this.ok(this.acl['aclrtMalloc']!(pointer, bytes, 0), 'aclrtMalloc');
    return pointer[0]!;
  }

  upload(data: ArrayBufferView): bigint {
    const device = this.malloc(data.byteLength);
    this.ok(this.acl['aclrtMemcpy']!(device, data.byteLength, data, data.byteLength, H2D), 'aclrtMemcpy H2D');
    return device;
  }

  download(device: bigint, bytes: number): Buffer {
    const host = Buffer.alloc(bytes);
    this.ok(this.acl['aclrtMemcpy']!(host, bytes, device, bytes, D2H), 'aclrtMemcpy D2H');
    return host;
  }

  /** A contiguous ND tensor over `data` (a device address, or host memory to provoke a fault). */
  tensor(dims: number[], dtype: number, data: bigint | Buffer): Pointer {
    const view = BigInt64Array.from(dims.map(BigInt));
    const tensor = this.acl['aclCreateTensor']!(view, dims.length, dtype, null, 0, ND, view, dims.length, data);
    if (!tensor) throw new Error(`aclCreateTensor failed: ${this.lastError()}`);
    return tensor;
  }

  /** A strided view (dims, strides and offset in elements) over storage of `storageDims`. */
  view(dims: number[], strides: number[], offset: number, storageDims: number[], dtype: number, data: bigint): Pointer {
    const int64 = (values: number[]) => BigInt64Array.from(values.map(BigInt));
    const storage = int64(storageDims);
    const args = [int64(dims), dims.length, dtype, int64(strides), offset, ND, storage, storageDims.length, data];
    const tensor = this.acl['aclCreateTensor']!(...args);
    if (!tensor) throw new Error(`aclCreateTensor failed: ${this.lastError()}`);
    return tensor;
  }

  intArray(values: number[]): Pointer {
    return this.acl['aclCreateIntArray']!(BigInt64Array.from(values.map(BigInt)), values.length);
  }

  scalar(value: number): Pointer {
    return this.acl['aclCreateScalar']!(Float32Array.of(value), DT['ACL_FLOAT']);
  }

  /** Phase one: the status and, on success, the executor and its workspace size. */
  prepare(op: string, ...args: unknown[]): { status: number; executor: bigint; workspace: bigint } {
    const workspace = new BigUint64Array(1);
    const executor = new BigUint64Array(1);
    const status = this.acl[`aclnn${op}GetWorkspaceSize`]!(...args, workspace, executor) as number;
    return { status, executor: executor[0]!, workspace: workspace[0]! };
  }

  /** Phase two, with a device workspace of the size phase one asked for. */
  launch(op: string, prepared: { executor: bigint; workspace: bigint }): number {
    const bytes = Number(prepared.workspace);
    const workspace = bytes ? this.malloc(bytes) : null;
    return this.acl[`aclnn${op}`]!(workspace, bytes, prepared.executor, this.stream) as number;
  }

  run(op: string, ...args: unknown[]): void {
    const prepared = this.prepare(op, ...args);
    this.ok(prepared.status, `aclnn${op}GetWorkspaceSize`);
    this.ok(this.launch(op, prepared), `aclnn${op}`);
    this.ok(this.acl['aclrtSynchronizeStream']!(this.stream), 'aclrtSynchronizeStream');
  }
}

// Host-side values, computed independently of the emulator.

function halfBits(values: number[]): Uint16Array {
  return Uint16Array.from(values.map(float64ToFloat16Bits));
}

function halves(buffer: Buffer): number[] {
  const bits = new Uint16Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 2);
  return [...bits].map(float16BitsToFloat64);
}

function floats(buffer: Buffer): number[] {
  return [...new Float32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 4)];
}

/** A deterministic stream of fp16-representable values in [-1, 1). */
function halfValues(count: number, seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return float16BitsToFloat64(float64ToFloat16Bits(state / 2 ** 31 - 1));
  });
}

/** erf by its Maclaurin series: converges to float64 precision for |x| <= 4. */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const geluErf = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));
const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

function maxDifference(a: number[], b: number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
}

interface AttentionShape {
  batch: number;
  heads: number;
  kvHeads: number;
  qLen: number;
  kvLen: number;
  headDim: number;
}

/** softmax(scale * q k^T, masked) v in float64, q (B, N, Sq, D), k and v (B, Nkv, Skv, D); zeros when all masked. */
function attentionReference(
  q: number[],
  k: number[],
  v: number[],
  s: AttentionShape,
  scale: number,
  masked: (b: number, i: number, j: number) => boolean,
): number[] {
  const out: number[] = [];
  const { batch, heads, kvHeads, qLen, kvLen, headDim: d } = s;
  for (let b = 0; b < batch; b++) {
    for (let n = 0; n < heads; n++) {
      const kv = (b * kvHeads + Math.floor(n / (heads / kvHeads))) * kvLen * d;
      for (let i = 0; i < qLen; i++) {
        const row = (b * heads + n) * qLen * d + i * d;
        const scores = Array.from({ length: kvLen }, (_, j) => {
          if (masked(b, i, j)) return -Infinity;
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[row + c]! * k[kv + j * d + c]!;
          return dot * scale;
        });
        const max = Math.max(...scores);
        const weights = scores.map((x) => (max === -Infinity ? 0 : Math.exp(x - max)));
        const sum = weights.reduce((a, w) => a + w, 0) || 1;
        for (let c = 0; c < d; c++) out.push(weights.reduce((a, w, j) => a + w * v[kv + j * d + c]!, 0) / sum);
      }
    }
  }
  return out;
}

const IS_CHILD = process.env['GLM_ASCEND_EMU_TEST_CHILD'] === '1';

describe.skipIf(!built)('the ascend emulator through koffi', () => {
  let session: Session;
  beforeAll(() => {
    session = new Session(loadAcl(LIB_DIR));
  });

  it('reports its SoC and an emulator version', () => {
    expect(session.acl['aclrtGetSocName']!()).toBe(SOC);
    const buffer = Buffer.alloc(koffi.sizeof('aclCANNPackageVersion'));
    const cann = abi.ACL_ENUMS['aclCANNPackageName']!['ACL_PKG_NAME_CANN'];
    session.ok(session.acl['aclsysGetCANNVersion']!(cann, buffer), 'aclsysGetCANNVersion');
    const version = koffi.decode(buffer, 'aclCANNPackageVersion') as Record<string, string>;
    expect(version['version']).toMatch(/emulator/);
  });

  it('multiplies fp16 matrices with fp32 accumulation, rounded once to fp16', () => {
    const [m, k, n] = [3, 512, 4];
    const a = halfValues(m * k, 1);
    const b = halfValues(k * n, 2);
    const out = session.malloc(m * n * 2);
    const tensors = [
      session.tensor([m, k], DT['ACL_FLOAT16']!, session.upload(halfBits(a))),
      session.tensor([k, n], DT['ACL_FLOAT16']!, session.upload(halfBits(b))),
      session.tensor([m, n], DT['ACL_FLOAT16']!, out),
    ];
    session.run('Matmul', ...tensors, 0);
    const fp32Accumulated: number[] = [];
    const fp16Accumulated: number[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let wide = 0;
        let narrow = 0;
        for (let p = 0; p < k; p++) {
          const product = a[i * k + p]! * b[p * n + j]!; // exact: 11-bit x 11-bit significands
          wide = Math.fround(wide + product);
          narrow = float16BitsToFloat64(float64ToFloat16Bits(narrow + product));
        }
        fp32Accumulated.push(float16BitsToFloat64(float64ToFloat16Bits(wide)));
        fp16Accumulated.push(narrow);
      }
    }
    const result = halves(session.download(out, m * n * 2));
    expect(result).toEqual(fp32Accumulated);
    expect(result).not.toEqual(fp16Accumulated); // the check can tell the two accumulations apart
  });

  it('computes GeluV2 approximate 0 as erf GELU and aclnnGelu as the tanh form (the GELU confusion)', () => {
    const x = Array.from({ length: 25 }, (_, i) => -3 + i * 0.25);
    const input = session.upload(Float32Array.from(x));
    const run = (op: string, ...attributes: number[]): number[] => {
      const out = session.malloc(x.length * 4);
      const self = session.tensor([x.length], DT['ACL_FLOAT']!, input);
      session.run(op, self, ...attributes, session.tensor([x.length], DT['ACL_FLOAT']!, out));
      return floats(session.download(out, x.length * 4));
    };
    const erfForm = run('GeluV2', 0);
    const tanhForm = run('GeluV2', 1);
    const gelu = run('Gelu');
    expect(maxDifference(erfForm, x.map(geluErf))).toBeLessThan(2e-6);
    expect(maxDifference(tanhForm, x.map(geluTanh))).toBeLessThan(2e-6);
    expect(maxDifference(gelu, x.map(geluTanh))).toBeLessThan(2e-6);
    expect(maxDifference(gelu, erfForm)).toBeGreaterThan(1e-4); // aclnnGelu is not the erf GELU
  });

  it('reruns a repeatable executor, rebound by aclSetTensorAddr in the table slot order', () => {
    const slots = abi.tensorSlots('Mul');
    const self = slots.find((s) => s.name === 'self')!.index;
    const out = slots.filter((s) => s.role === 'output');
    const a1 = session.upload(Float32Array.of(1, 2, 3));
    const a2 = session.upload(Float32Array.of(10, 20, 30));
    const b = session.upload(Float32Array.of(2, 3, 4));
    const [o1, o2] = [session.malloc(12), session.malloc(12)];
    const [ta, tb, to] = [a1, b, o1].map((p) => session.tensor([3], DT['ACL_FLOAT']!, p));
    const prepared = session.prepare('Mul', ta, tb, to);
    session.ok(prepared.status, 'aclnnMulGetWorkspaceSize');
    session.ok(session.acl['aclSetAclOpExecutorRepeatable']!(prepared.executor), 'repeatable');
    session.ok(session.launch('Mul', prepared), 'first launch');
    expect(floats(session.download(o1, 12))).toEqual([2, 6, 12]);
    session.ok(session.acl['aclSetTensorAddr']!(prepared.executor, self, ta, a2), 'aclSetTensorAddr');
    session.ok(session.acl['aclSetOutputTensorAddr']!(prepared.executor, 0, to, o2), 'aclSetOutputTensorAddr');
    expect(out.map((s) => s.index)).toEqual([2]);
    session.ok(session.launch('Mul', prepared), 'second launch');
    expect(floats(session.download(o2, 12))).toEqual([20, 60, 120]);
    expect(floats(session.download(o1, 12))).toEqual([2, 6, 12]); // the first output was left alone
    // A slot rebinds only with the tensor it was made from.
    expect(session.acl['aclSetTensorAddr']!(prepared.executor, self, tb, a2)).toBe(S['ACLNN_ERR_PARAM_INVALID']);
    expect(session.lastError()).toMatch(/slot 0 of the Mul executor is self/);
    session.ok(session.acl['aclDestroyAclOpExecutor']!(prepared.executor), 'aclDestroyAclOpExecutor');
  });

  it('refuses a second launch of a single-use executor', () => {
    const values = session.upload(Float32Array.of(1, -2));
    const prepared = session.prepare(
      'Neg',
      session.tensor([2], DT['ACL_FLOAT']!, values),
      session.tensor([2], DT['ACL_FLOAT']!, session.malloc(8)),
    );
    session.ok(prepared.status, 'aclnnNegGetWorkspaceSize');
    session.ok(session.launch('Neg', prepared), 'first launch');
    expect(session.launch('Neg', prepared)).toBe(S['ACLNN_ERR_PARAM_INVALID']);
    expect(session.lastError()).toMatch(/^EZ1001: .*already ran and was not made repeatable/);
  });

  it('fails an op given host memory as device memory, and a copy whose kind lies', () => {
    const host = Buffer.alloc(16);
    const prepared = session.prepare(
      'Neg',
      session.tensor([4], DT['ACL_FLOAT']!, host),
      session.tensor([4], DT['ACL_FLOAT']!, session.malloc(16)),
    );
    session.ok(prepared.status, 'phase one (addresses are only read at launch)');
    expect(session.launch('Neg', prepared)).toBe(S['ACLNN_ERR_RUNTIME_ERROR']);
    expect(session.lastError()).toMatch(/^EZ9903: .*tensor self \(slot 0\) at 0x[0-9a-f]+ is not device memory/);
    expect(session.acl['aclrtSynchronizeStream']!(session.stream)).toBe(S['ACL_ERROR_RT_AICORE_EXCEPTION']);
    session.lastError();
    expect(session.acl['aclrtMemcpy']!(host, 16, host, 16, H2D)).toBe(S['ACL_ERROR_RT_PARAM_INVALID']);
    expect(session.lastError()).toMatch(/ACL_MEMCPY_HOST_TO_DEVICE, but dst .* is host memory/);
  });

  it('normalises, takes softmax and top-k as the op docs say', () => {
    const x = halfValues(3 * 16, 4).map((v) => v * 3);
    const weight = halfValues(16, 5);
    const bias = halfValues(16, 6);
    const [out, mean, rstd] = [session.malloc(96), session.malloc(6), session.malloc(6)];
    const f16 = (dims: number[], data: bigint) => session.tensor(dims, DT['ACL_FLOAT16']!, data);
    session.run(
      'LayerNorm',
      f16([3, 16], session.upload(halfBits(x))),
      session.intArray([16]),
      f16([16], session.upload(halfBits(weight))),
      f16([16], session.upload(halfBits(bias))),
      1e-5,
      f16([3, 16], out),
      f16([3, 1], mean),
      f16([3, 1], rstd),
    );
    const expected: number[] = [];
    for (let r = 0; r < 3; r++) {
      const row = x.slice(r * 16, r * 16 + 16);
      const mu = row.reduce((a, b) => a + b, 0) / 16;
      const inv = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mu) ** 2, 0) / 16 + 1e-5);
      expected.push(...row.map((value, i) => (value - mu) * inv * weight[i]! + bias[i]!));
    }
    expect(maxDifference(halves(session.download(out, 96)), expected)).toBeLessThan(8e-3);

    const logits = [0.5, -1, 2, 0, 3, 1, -2, 4, 4, 0, 1, 2, 3, -5];
    const probabilities = session.malloc(logits.length * 4);
    const f32 = (data: bigint) => session.tensor([2, 7], DT['ACL_FLOAT']!, data);
    session.run('Softmax', f32(session.upload(Float32Array.from(logits))), -1, f32(probabilities));
    const softmax = [0, 1].flatMap((r) => {
      const row = logits.slice(7 * r, 7 * r + 7);
      const max = Math.max(...row);
      const sum = row.reduce((a, v) => a + Math.exp(v - max), 0);
      return row.map((v) => Math.exp(v - max) / sum);
    });
    expect(maxDifference(floats(session.download(probabilities, 56)), softmax)).toBeLessThan(1e-6);

    const [values, indices] = [session.malloc(6), session.malloc(24)];
    const scores = f16([6], session.upload(halfBits([5, 1, 5, 3, 1, 9])));
    session.run('Topk', scores, 3, -1, true, true, f16([3], values), session.tensor([3], DT['ACL_INT64']!, indices));
    expect(halves(session.download(values, 6))).toEqual([9, 5, 5]);
    expect([...new BigInt64Array(session.download(indices, 24).buffer.slice(0))]).toEqual([5n, 0n, 2n]); // ties: lower index first
  });

  it("runs the 910's attention pieces: Baddbmm on a transposed key view, a strided KV-cache write", () => {
    const [heads, qLen, kvLen, d] = [2, 3, 4, 8];
    const q = halfValues(heads * qLen * d, 7);
    const k = halfValues(heads * kvLen * d, 8);
    const mask = Array.from({ length: qLen * kvLen }, (_, i) => (i % kvLen > Math.floor(i / kvLen) + 1 ? -10000 : 0));
    const scores = session.malloc(heads * qLen * kvLen * 2);
    const kDevice = session.upload(halfBits(k));
    session.run(
      'Baddbmm',
      session.tensor([1, qLen, kvLen], DT['ACL_FLOAT16']!, session.upload(halfBits(mask))),
      session.tensor([heads, qLen, d], DT['ACL_FLOAT16']!, session.upload(halfBits(q))),
      session.view([heads, d, kvLen], [kvLen * d, 1, d], 0, [heads, kvLen, d], DT['ACL_FLOAT16']!, kDevice), // K^T, no copy
      session.scalar(1),
      session.scalar(1 / Math.sqrt(d)),
      session.tensor([heads, qLen, kvLen], DT['ACL_FLOAT16']!, scores),
      0,
    );
    const expected: number[] = [];
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < qLen; i++) {
        for (let j = 0; j < kvLen; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[(h * qLen + i) * d + c]! * k[(h * kvLen + j) * d + c]!;
          expected.push(mask[i * kvLen + j]! + dot / Math.sqrt(d));
        }
      }
    }
    const result = halves(session.download(scores, heads * qLen * kvLen * 2));
    const ulps = result.map((value, i) => Math.abs(value - expected[i]!) / (expected[i]! < -1000 ? 8 : 2 ** -11)); // fp16 ulp
    expect(Math.max(...ulps)).toBeLessThanOrEqual(2);

    const cache = session.upload(new Uint16Array(4 * 3)); // (4 slots, 3) fp16 zeros
    const rows = halfValues(2 * 3, 9);
    const into = session.view([2, 3], [3, 1], 3, [4, 3], DT['ACL_FLOAT16']!, cache); // slots 1 and 2
    session.run('InplaceCopy', into, session.tensor([2, 3], DT['ACL_FLOAT16']!, session.upload(halfBits(rows))));
    expect(halves(session.download(cache, 24))).toEqual([0, 0, 0, ...rows, 0, 0, 0]);
  });

  it('faults an Embedding index out of range when it runs, as an AI Core exception', () => {
    const weight = session.tensor([4, 2], DT['ACL_FLOAT16']!, session.malloc(16));
    const indices = session.tensor([2], DT['ACL_INT64']!, session.upload(BigInt64Array.of(1n, 7n)));
    const prepared = session.prepare('Embedding', weight, indices, session.tensor([2, 2], DT['ACL_FLOAT16']!, session.malloc(8)));
    session.ok(prepared.status, 'aclnnEmbeddingGetWorkspaceSize');
    expect(session.launch('Embedding', prepared)).toBe(S['ACLNN_ERR_RUNTIME_ERROR']);
    expect(session.lastError()).toMatch(/index 7 is out of range \[0, 4\)/);
    expect(session.acl['aclrtSynchronizeStream']!(session.stream)).toBe(S['ACL_ERROR_RT_AICORE_EXCEPTION']);
    session.lastError();
  });

  describe.runIf(GENERATION === 'original910')('on an original-910 SoC', () => {
    it('fails A2/A3-only ops in GetWorkspaceSize as CANN does (EZ9903)', () => {
      const x = session.tensor([2, 4], DT['ACL_FLOAT16']!, session.malloc(16));
      const half = () => session.tensor([2, 2], DT['ACL_FLOAT16']!, session.malloc(8));
      expect(session.prepare('GeGluV3', x, -1, 0, false, half(), half()).status).toBe(S['ACLNN_ERR_RUNTIME_ERROR']);
      expect(session.lastError()).toMatch(/^EZ9903: \[PID: \d+\] [\d:.-]+ support for Ascend910 is not implemented$/);
      expect(session.prepare('Exp', x, half()).status).toBe(S['ACLNN_ERR_RUNTIME_ERROR']);
      session.lastError();
      // The pre-norm family's fused ops are A2/A3 ones too (aclnnRmsNorm.md, aclnnSwiGlu.md).
      expect(session.prepare('SwiGlu', x, -1, half()).status).toBe(S['ACLNN_ERR_RUNTIME_ERROR']);
      expect(session.lastError()).toMatch(/^EZ9903: .* support for Ascend910 is not implemented$/);
      const rstd = session.tensor([2], DT['ACL_FLOAT']!, session.malloc(8));
      expect(session.prepare('RmsNorm', x, session.tensor([4], DT['ACL_FLOAT16']!, session.malloc(8)), 1e-5, x, rstd).status).toBe(S['ACLNN_ERR_RUNTIME_ERROR']);
      session.lastError();
    });

    it('refuses BF16 and fp32 KEEP_DTYPE matmul; cubeMathType 1 computes fp32 in fp16', () => {
      const bf = session.tensor([2, 2], DT['ACL_BF16']!, session.malloc(8));
      expect(session.prepare('Matmul', bf, bf, bf, 0).status).toBe(S['ACLNN_ERR_PARAM_INVALID']);
      expect(session.lastError()).toMatch(/DT_BFLOAT16 is not supported on Ascend910/);
      const f = () => session.tensor([2, 2], DT['ACL_FLOAT']!, session.malloc(16));
      expect(session.prepare('Matmul', f(), f(), f(), 0).status).toBe(S['ACLNN_ERR_PARAM_INVALID']);
      expect(session.lastError()).toMatch(/cubeMathType 0 is not supported on Ascend910/);
      const x = 1 + 2 ** -12; // between two fp16 values: the Cube reads it as 1
      const out = session.malloc(4);
      const scalar = () => session.tensor([1, 1], DT['ACL_FLOAT']!, session.upload(Float32Array.of(x)));
      session.run('Matmul', scalar(), scalar(), session.tensor([1, 1], DT['ACL_FLOAT']!, out), 1);
      expect(floats(session.download(out, 4))).toEqual([1]);
    });
  });

  describe.runIf(GENERATION === 'a2')('on an A2 SoC', () => {
    it('runs GeGluV3 activating the second half when activateLeft is false', () => {
      const x = halfValues(2 * 8, 3).map((v) => v * 3);
      const [out, outGelu] = [session.malloc(16), session.malloc(16)];
      session.run(
        'GeGluV3',
        session.tensor([2, 8], DT['ACL_FLOAT16']!, session.upload(halfBits(x))),
        -1,
        0,
        false,
        session.tensor([2, 4], DT['ACL_FLOAT16']!, out),
        session.tensor([2, 4], DT['ACL_FLOAT16']!, outGelu),
      );
      const expected: number[] = [];
      for (let r = 0; r < 2; r++) {
        for (let i = 0; i < 4; i++) expected.push(x[r * 8 + i]! * geluErf(x[r * 8 + 4 + i]!));
      }
      expect(maxDifference(halves(session.download(out, 16)), expected)).toBeLessThan(4e-3);
    });

    it('runs SwiGlu gating the FIRST half: Swish(A) · B, ChatGLM2\'s silu(x₁) · x₂', () => {
      const x = halfValues(2 * 8, 5).map((v) => v * 3);
      const out = session.malloc(16);
      session.run('SwiGlu', session.tensor([2, 8], DT['ACL_FLOAT16']!, session.upload(halfBits(x))), -1, session.tensor([2, 4], DT['ACL_FLOAT16']!, out));
      const silu = (a: number) => a / (1 + Math.exp(-a));
      const expected: number[] = [];
      for (let r = 0; r < 2; r++) {
        for (let i = 0; i < 4; i++) expected.push(silu(x[r * 8 + i]!) * x[r * 8 + 4 + i]!);
      }
      expect(maxDifference(halves(session.download(out, 16)), expected)).toBeLessThan(4e-3);
      const swapped = expected.map((_, j) => silu(x[Math.floor(j / 4) * 8 + 4 + (j % 4)]!) * x[Math.floor(j / 4) * 8 + (j % 4)]!);
      expect(maxDifference(halves(session.download(out, 16)), swapped)).toBeGreaterThan(0.05);
    });

    it('runs RmsNorm with no mean subtracted: y = x · rstd · gamma, rstd fp32 per row', () => {
      const x = [3, 4, 3.5, 2.5, -1, 1, 0, 2]; // rows of mean 3.25 and 0.5: a centred norm would differ
      const gamma = [1, 0.5, 2, -1];
      const [y, rstd] = [session.malloc(32), session.malloc(8)];
      session.run(
        'RmsNorm',
        session.tensor([2, 4], DT['ACL_FLOAT']!, session.upload(Float32Array.from(x))),
        session.tensor([4], DT['ACL_FLOAT']!, session.upload(Float32Array.from(gamma))),
        1e-6,
        session.tensor([2, 4], DT['ACL_FLOAT']!, y),
        session.tensor([2], DT['ACL_FLOAT']!, rstd),
      );
      const inv = [0, 1].map((r) => 1 / Math.sqrt(x.slice(4 * r, 4 * r + 4).reduce((s, v) => s + v * v, 0) / 4 + 1e-6));
      expect(maxDifference(floats(session.download(rstd, 8)), inv)).toBeLessThan(1e-6);
      expect(maxDifference(floats(session.download(y, 32)), x.map((v, i) => v * inv[Math.floor(i / 4)]! * gamma[i % 4]!))).toBeLessThan(1e-6);
    });

    it('runs WeightQuantBatchMatmulV2 on signed INT4 weights, element 2i in the low nibble', () => {
      const [m, k, n] = [2, 4, 2];
      const weight = [-8, 7, 3, -1, 0, 5, -4, 2]; // (k, n) row-major
      const packed = Uint8Array.from({ length: 4 }, (_, i) => (weight[2 * i]! & 0xf) | ((weight[2 * i + 1]! & 0xf) << 4));
      const x = [1, 0.5, -1, 2, 0.25, -2, 1, 1];
      const scale = [0.5, 2];
      const y = session.malloc(m * n * 2);
      session.run(
        'WeightQuantBatchMatmulV2',
        session.tensor([m, k], DT['ACL_FLOAT16']!, session.upload(halfBits(x))),
        session.tensor([k, n], DT['ACL_INT4']!, session.upload(packed)),
        session.tensor([n], DT['ACL_FLOAT16']!, session.upload(halfBits(scale))),
        null,
        null,
        null,
        null,
        0,
        session.tensor([m, n], DT['ACL_FLOAT16']!, y),
      );
      const expected = [0, 1, 0, 1].map((_, idx) => {
        const [i, j] = [Math.floor(idx / n), idx % n];
        let sum = 0;
        for (let p = 0; p < k; p++) sum += x[i * k + p]! * weight[p * n + j]! * scale[j]!;
        return sum;
      });
      expect(halves(session.download(y, m * n * 2))).toEqual(expected);
    });

    it("runs FlashAttentionScore sparseMode 5, GLM's prefix-bidirectional mask, and refuses a mask that disagrees", () => {
      const shape = { batch: 2, heads: 2, kvHeads: 2, qLen: 5, kvLen: 5, headDim: 8 };
      const prefix = [2, 3];
      const count = shape.batch * shape.heads * shape.qLen * shape.headDim;
      const [q, k, v] = [10, 11, 12].map((seed) => halfValues(count, seed));
      const glmMasked = (b: number, i: number, j: number) => j > i && j >= prefix[b]!;
      const mask = Uint8Array.from({ length: 2 * 25 }, (_, x) => Number(glmMasked(Math.floor(x / 25), Math.floor((x % 25) / 5), x % 5)));
      const run = (maskBytes: Uint8Array) => {
        const f16 = (values: number[]) => session.tensor([2, 2, 5, 8], DT['ACL_FLOAT16']!, session.upload(halfBits(values)));
        const out = session.malloc(count * 2);
        const stats = () => session.tensor([2, 2, 5, 8], DT['ACL_FLOAT']!, session.malloc(2 * 2 * 5 * 8 * 4));
        const prepared = session.prepare(
          'FlashAttentionScore', f16(q), f16(k), f16(v), null, null, null,
          session.tensor([2, 1, 5, 5], DT['ACL_BOOL']!, session.upload(maskBytes)), session.intArray(prefix),
          1 / Math.sqrt(8), 1, 65535, 65535, 2, 'BNSD', 0, 5, stats(), stats(), null,
          session.tensor([2, 2, 5, 8], DT['ACL_FLOAT16']!, out),
        );
        session.ok(prepared.status, 'aclnnFlashAttentionScoreGetWorkspaceSize');
        return { status: session.launch('FlashAttentionScore', prepared), out };
      };
      const good = run(mask);
      session.ok(good.status, 'aclnnFlashAttentionScore');
      const expected = attentionReference(q, k, v, shape, 1 / Math.sqrt(8), glmMasked);
      expect(maxDifference(halves(session.download(good.out, count * 2)), expected)).toBeLessThan(2e-3);
      expect(run(new Uint8Array(50)).status).toBe(S['ACLNN_ERR_RUNTIME_ERROR']);
      expect(session.lastError()).toMatch(/attenMask disagrees with sparseMode 5's pattern at \(b 0, n 0, i 0, j 2\)/);
      session.acl['aclrtSynchronizeStream']!(session.stream);
      session.lastError();
    });

    it('decodes with FusedInferAttentionScoreV2 over the valid part of a KV cache, two query heads per KV head', () => {
      const shape = { batch: 2, heads: 2, kvHeads: 1, qLen: 1, kvLen: 6, headDim: 8 };
      const kvLens = [4, 6];
      const q = halfValues(2 * 2 * 8, 13);
      const [k, v] = [14, 15].map((seed) => halfValues(2 * 6 * 8, seed));
      const f16 = (dims: number[], values: number[]) => session.tensor(dims, DT['ACL_FLOAT16']!, session.upload(halfBits(values)));
      const list = (tensor: Pointer) => session.acl['aclCreateTensorList']!([tensor], 1);
      const out = session.malloc(q.length * 2);
      const args = [
        f16([2, 1, 2, 8], q), list(f16([2, 6, 1, 8], k)), list(f16([2, 6, 1, 8], v)), null, null, null, session.intArray(kvLens),
        ...new Array<null>(16).fill(null), null, 2, 1 / Math.sqrt(8), 65535, 65535, 'BSND', 1, 0, 0, 0, 0, false, 0, 0,
        session.tensor([2, 1, 2, 8], DT['ACL_FLOAT16']!, out), null,
      ];
      session.run('FusedInferAttentionScoreV2', ...args);
      // BSND with S = 1 is laid out as BNSD; KV (B, S, 1, D) as (B, 1, S, D).
      const expected = attentionReference(q, k, v, shape, 1 / Math.sqrt(8), (b, _i, j) => j >= kvLens[b]!);
      expect(maxDifference(halves(session.download(out, q.length * 2)), expected)).toBeLessThan(2e-3);
      args[30] = 5; // sparseMode 5 (prefix) is not supported by FIA
      expect(session.prepare('FusedInferAttentionScoreV2', ...args).status).toBe(S['ACLNN_ERR_PARAM_INVALID']);
      expect(session.lastError()).toMatch(/sparseMode 5 is not supported/);
    });

    it('rotates halves in RotaryPositionEmbedding mode 0', () => {
      const [b, s, n, d] = [1, 3, 2, 8];
      const x = halfValues(b * s * n * d, 16);
      const angles = Array.from({ length: s * d }, (_, i) => Math.floor(i / d) * (1 + (i % (d / 2))) * 0.3);
      const [cos, sin] = [angles.map(Math.cos), angles.map(Math.sin)].map((t) => t.map((value) => float16BitsToFloat64(float64ToFloat16Bits(value))));
      const out = session.malloc(x.length * 2);
      const f16 = (dims: number[], values: number[]) => session.tensor(dims, DT['ACL_FLOAT16']!, session.upload(halfBits(values)));
      session.run('RotaryPositionEmbedding', f16([b, s, n, d], x), f16([1, s, 1, d], cos), f16([1, s, 1, d], sin), 0, session.tensor([b, s, n, d], DT['ACL_FLOAT16']!, out));
      const expected = x.map((value, i) => {
        const [pos, c] = [Math.floor(i / (n * d)), i % d];
        const rotated = c < d / 2 ? -x[i + d / 2]! : x[i - d / 2]!;
        return value * cos[pos * d + c]! + rotated * sin[pos * d + c]!;
      });
      expect(maxDifference(halves(session.download(out, x.length * 2)), expected)).toBeLessThan(2e-3);
    });

    it('rotates neighbouring pairs (2i, 2i+1) in RotaryPositionEmbedding mode 1 and takes its tables as 11SD only', () => {
      const [b, n, s, d] = [2, 3, 4, 8];
      const x = halfValues(b * n * s * d, 17);
      // Pair i of position p at angle p·(1 + i)·0.3, each angle at columns 2i and 2i + 1 (the op's interleaved table).
      const angles = Array.from({ length: s * d }, (_, i) => Math.floor(i / d) * (1 + Math.floor((i % d) / 2)) * 0.3);
      const [cos, sin] = [angles.map(Math.cos), angles.map(Math.sin)].map((t) => t.map((value) => float16BitsToFloat64(float64ToFloat16Bits(value))));
      const out = session.malloc(x.length * 2);
      const f16 = (dims: number[], values: number[]) => session.tensor(dims, DT['ACL_FLOAT16']!, session.upload(halfBits(values)));
      session.run('RotaryPositionEmbedding', f16([b, n, s, d], x), f16([1, 1, s, d], cos), f16([1, 1, s, d], sin), 1, session.tensor([b, n, s, d], DT['ACL_FLOAT16']!, out));
      const expected = x.map((value, i) => {
        const [pos, c] = [Math.floor(i / d) % s, i % d];
        const rotated = c % 2 === 0 ? -x[i + 1]! : x[i - 1]!;
        return value * cos[pos * d + c]! + rotated * sin[pos * d + c]!;
      });
      expect(maxDifference(halves(session.download(out, x.length * 2)), expected)).toBeLessThan(2e-3);
      // The rotate-half pairing (mode 0) on the same data misses by far.
      session.run('RotaryPositionEmbedding', f16([b, n, s, d], x), f16([1, 1, s, d], cos), f16([1, 1, s, d], sin), 0, session.tensor([b, n, s, d], DT['ACL_FLOAT16']!, out));
      expect(maxDifference(halves(session.download(out, x.length * 2)), expected)).toBeGreaterThan(0.05);
      // Tables per batch row (B1SD) are half mode's layouts only.
      const perBatch = Array.from({ length: b }, () => cos).flat();
      const prepared = session.prepare('RotaryPositionEmbedding', f16([b, n, s, d], x), f16([b, 1, s, d], perBatch), f16([b, 1, s, d], perBatch), 1, session.tensor([b, n, s, d], DT['ACL_FLOAT16']!, out));
      expect(prepared.status).toBe(S['ACLNN_ERR_PARAM_INVALID']);
      expect(session.lastError()).toMatch(/interleave mode: cos \[2, 1, 4, 8\] may vary over the sequence axis only/);
    });

    it('refuses k or n beyond 65535 in WeightQuantBatchMatmulV2', () => {
      const [m, k, n] = [1, 2, 65536];
      const prepared = session.prepare(
        'WeightQuantBatchMatmulV2',
        session.tensor([m, k], DT['ACL_FLOAT16']!, session.malloc(4)),
        session.tensor([k, n], DT['ACL_INT8']!, session.malloc(k * n)),
        session.tensor([n], DT['ACL_FLOAT16']!, session.malloc(2 * n)),
        null,
        null,
        null,
        null,
        0,
        session.tensor([m, n], DT['ACL_FLOAT16']!, session.malloc(2 * n)),
      );
      expect(prepared.status).toBe(S['ACLNN_ERR_PARAM_INVALID']);
      expect(session.lastError()).toMatch(/k 2 and n 65536 must lie in \[1, 65535\]/);
    });
  });

  // The SoC is read once per process, as on a real host: other SoCs run this file again in a child.
  it.skipIf(IS_CHILD).each([
    ['Ascend910B1', 'on an A2 SoC', 9],
    ['Ascend910B', 'on an original-910 SoC', 2], // "Ascend910B" is an original-910 name, not A2
  ])('passes the %s tests with GLM_ASCEND_EMU_SOC set (child vitest)', (soc, block, count) => {
    const dir = mkdtempSync(join(tmpdir(), 'ascend-emu-'));
    try {
      const report = join(dir, 'report.json');
      const child = spawnSync(
        process.execPath,
        [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', THIS_FILE, '-t', block, '--reporter=json', `--outputFile=${report}`],
        { cwd: REPO, env: { ...process.env, GLM_ASCEND_EMU_SOC: soc, GLM_ASCEND_EMU_TEST_CHILD: '1' }, encoding: 'utf8' },
      );
      expect(existsSync(report), `the child vitest wrote no report:\n${child.stdout}${child.stderr}`).toBe(true);
      const result = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number };
      expect(result.numFailedTests, child.stdout + child.stderr).toBe(0);
      expect(result.numPassedTests).toBe(count);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
