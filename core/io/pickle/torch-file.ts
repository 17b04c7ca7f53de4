/**
 * A PyTorch checkpoint (`torch.save`, the zip format of torch ≥ 1.6) read without executing it:
 * the zip's central directory through yauzl (docs/dependencies.md), `<archive>/data.pkl` through the
 * restricted unpickler, and each storage `<archive>/data/<key>` — stored uncompressed by torch — by
 * positional reads at its data offset, only when a tensor is asked for.
 */
import { open as openFile, type FileHandle } from 'node:fs/promises';
import yauzl from 'yauzl';
import { GlmError } from '../../errors.js';
import type { DType } from '../../tensor/dtype.js';
import { allocateStorage } from '../../tensor/dtype.js';
import { elementCount, fromFloat64, hostTensor, type HostTensor } from '../../tensor/host-tensor.js';
import { describeFsError } from '../atomic-write.js';
import { unpickle, type PickleValue } from './restricted-unpickler.js';
import { ELEMENT_BYTES, storageTypeOf, type StorageRef, type TensorRef } from './pickle-globals.js';

interface StoredEntry {
  readonly dataStart: number;
  readonly size: number;
}

/** The largest data.pkl we decode (a state dict's pickle is kilobytes; its tensors live elsewhere). */
const MAX_PICKLE_BYTES = 256 * 2 ** 20;

export class TorchFile {
  private constructor(
    readonly path: string,
    readonly root: PickleValue,
    private readonly storages: ReadonlyMap<string, StoredEntry>,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<TorchFile> {
    const zip = await openZip(path);
    try {
      const entries = await listEntries(zip, path);
      const pkl = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
      if (pkl.length !== 1) throw new GlmError('input', `${path}: not a torch.save zip (expected one <archive>/data.pkl, found ${pkl.length})`);
      const prefix = pkl[0]!.slice(0, -'data.pkl'.length);
      const pickleEntry = entries.get(pkl[0]!)!;
      if (pickleEntry.uncompressedSize > MAX_PICKLE_BYTES) throw new GlmError('resource', `${path}: data.pkl is ${pickleEntry.uncompressedSize} bytes, over the limit`);
      const pickleBytes = await readWhole(zip, pickleEntry, path);
      const storages = new Map<string, StoredEntry>();
      for (const [name, entry] of entries) {
        if (!name.startsWith(`${prefix}data/`)) continue;
        if (entry.compressionMethod !== 0) throw new GlmError('input', `${path}: storage ${name} is compressed; torch.save stores them uncompressed`);
        storages.set(name.slice(prefix.length + 5), { dataStart: await dataStart(zip, entry, path), size: entry.uncompressedSize });
      }
      const persistentLoad = (pid: unknown): StorageRef => storageFromPid(pid, storages, path);
      const root = unpickle(pickleBytes, { source: `${path} (${pkl[0]})`, persistentLoad });
      const handle = await openFile(path, 'r');
      return new TorchFile(path, root, storages, handle);
    } finally {
      zip.close();
    }
  }

  /** A tensor's values, read positionally from its storage; floats keep their dtype (f64 becomes f32). */
  async read(ref: TensorRef, name: string): Promise<HostTensor> {
    const { storage } = ref;
    const entry = this.storages.get(storage.key)!;
    const width = ELEMENT_BYTES[storage.element];
    const dtype = sdkDtype(storage.element);
    if (!dtype) throw new GlmError('unsupported', `${this.path}: tensor "${name}" has ${storage.element} elements, not a weight dtype (f16, bf16, f32, f64, i8, i32)`);
    const count = elementCount(ref.shape);
    const span = count === 0 ? 0 : 1 + ref.shape.reduce((s, d, i) => s + (d - 1) * ref.stride[i]!, 0);
    const raw = new Uint8Array(span * width);
    await this.readAt(raw, entry.dataStart + ref.offset * width, name);
    const packed = contiguous(ref) ? raw : gather(raw, ref, width);
    if (storage.element === 'f64') {
      const f64 = new Float64Array(packed.buffer, packed.byteOffset, count);
      return fromFloat64('f32', ref.shape, f64);
    }
    const data = allocateStorage(dtype, count);
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(packed.subarray(0, count * width));
    return hostTensor(dtype, ref.shape, data);
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  private async readAt(into: Uint8Array, position: number, name: string): Promise<void> {
    let filled = 0;
    while (filled < into.length) {
      const { bytesRead } = await this.handle.read(into, filled, Math.min(into.length - filled, 1 << 30), position + filled);
      if (bytesRead === 0) throw new GlmError('input', `${this.path}: file ends inside tensor "${name}" (truncated)`);
      filled += bytesRead;
    }
  }
}

function sdkDtype(e: StorageRef['element']): DType | undefined {
  return e === 'f16' || e === 'bf16' || e === 'f32' || e === 'i8' || e === 'i32' ? e : e === 'f64' ? 'f32' : undefined;
}

/** ('storage', torch.HalfStorage, key, location, numel), checked against the zip's entries. */
function storageFromPid(pid: unknown, storages: ReadonlyMap<string, StoredEntry>, path: string): StorageRef {
  const bad = (what: string) => new GlmError('input', `${path}: persistent id ${what}`);
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') throw bad('is not a torch storage record');
  const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
  const element = storageTypeOf(type);
  if (!element) throw bad('names no storage type');
  if (typeof key !== 'string' || !storages.has(key)) throw bad(`names storage ${JSON.stringify(key)}, which the zip lacks`);
  if (!Number.isSafeInteger(numel) || (numel as number) < 0) throw bad('has a bad element count');
  const size = storages.get(key)!.size;
  if ((numel as number) * ELEMENT_BYTES[element] > size) throw bad(`claims ${numel} ${element} elements but data/${key} holds ${size} bytes`);
  return { kind: 'storage', element, key, numel: numel as number };
}

function contiguous(ref: TensorRef): boolean {
  let expected = 1;
  for (let i = ref.shape.length - 1; i >= 0; i--) {
    if (ref.shape[i]! !== 1 && ref.stride[i]! !== expected) return false;
    expected *= ref.shape[i]!;
  }
  return true;
}

/** Row-major copy of a strided view (e.g. a transposed tensor saved as is). */
function gather(raw: Uint8Array, ref: TensorRef, width: number): Uint8Array {
  const count = elementCount(ref.shape);
  const out = new Uint8Array(count * width);
  const index = new Array<number>(ref.shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    const src = index.reduce((s, v, d) => s + v * ref.stride[d]!, 0) * width;
    out.set(raw.subarray(src, src + width), i * width);
    for (let d = ref.shape.length - 1; d >= 0; d--) {
      if (++index[d]! < ref.shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

// --- yauzl, promisified ---------------------------------------------------------------------

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => {
      if (err || !zip) {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        reject(new GlmError('input', code ? `cannot read ${path}: ${describeFsError(err)}` : `${path}: not a zip archive (torch.save's format since 1.6; the legacy format is not supported): ${err?.message ?? 'unreadable'}`));
      } else resolve(zip);
    });
  });
}

function listEntries(zip: yauzl.ZipFile, path: string): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, yauzl.Entry>();
    zip.on('entry', (e: yauzl.Entry) => {
      entries.set(e.fileName, e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (err: Error) => reject(new GlmError('input', `${path}: corrupt zip: ${err.message}`)));
    zip.readEntry();
  });
}

function readWhole(zip: yauzl.ZipFile, entry: yauzl.Entry, path: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(new GlmError('input', `${path}: cannot read ${entry.fileName}: ${err?.message}`));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
      stream.on('error', (e: Error) => reject(new GlmError('input', `${path}: cannot read ${entry.fileName}: ${e.message}`)));
    });
  });
}

type WithLocalHeader = yauzl.ZipFile & {
  readLocalFileHeader(entry: yauzl.Entry, options: { minimal: boolean }, cb: (err: Error | null, header: { fileDataStart: number }) => void): void;
};

function dataStart(zip: yauzl.ZipFile, entry: yauzl.Entry, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    (zip as WithLocalHeader).readLocalFileHeader(entry, { minimal: true }, (err, header) => {
      if (err) reject(new GlmError('input', `${path}: corrupt zip entry ${entry.fileName}: ${err.message}`));
      else resolve(header.fileDataStart);
    });
  });
}
