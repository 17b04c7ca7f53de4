/**
 * A safetensors file read by positional reads: the header once, then each tensor straight into its
 * own freshly allocated storage with fs.read at its offset. The file is never held in memory whole,
 * so its size is not limited by Node's 2 GiB readFile limit, and loading a checkpoint costs about
 * the tensors themselves (docs/safetensors.md).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { GlmError } from '../errors.js';
import { allocateStorage } from '../tensor/dtype.js';
import { elementCount, hostTensor, type HostTensor } from '../tensor/host-tensor.js';
import { describeFsError } from './atomic-write.js';
import { DEFAULT_MAX_HEADER_BYTES, parseHeaderBlock, quote, type TensorEntry } from './safetensors.js';

/** fs.read moves at most 2^31 − 1 bytes a call; larger tensors are read in pieces of this size. */
const MAX_READ_BYTES = 1 << 30;

export class SafetensorsFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly dataStart: number,
    readonly metadata: ReadonlyMap<string, string>,
    readonly entries: ReadonlyMap<string, TensorEntry>,
  ) {}

  /** Open and check the header (sizes and offsets against the real file size); reads no tensor data. */
  static async open(path: string, maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES): Promise<SafetensorsFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw new GlmError('input', `cannot read ${path}: ${describeFsError(err)}`, { cause: err });
    }
    try {
      const size = (await handle.stat()).size;
      if (size < 8) throw new GlmError('input', `${path}: file is ${size} bytes, too short for the 8-byte header length`);
      const lengthBytes = await readExactly(handle, path, new Uint8Array(8), 0);
      const headerLength = new DataView(lengthBytes.buffer).getBigUint64(0, true);
      if (headerLength > BigInt(size - 8)) {
        throw new GlmError('input', `${path}: header length ${headerLength} exceeds the ${size - 8} bytes that follow it (truncated or corrupt file)`);
      }
      if (headerLength > BigInt(maxHeaderBytes)) {
        throw new GlmError('resource', `${path}: header length ${headerLength} exceeds the limit of ${maxHeaderBytes} bytes`);
      }
      const dataStart = 8 + Number(headerLength);
      const raw = await readExactly(handle, path, new Uint8Array(dataStart - 8), 8);
      const { metadata, entries } = parseHeaderBlock(raw, size - dataStart, path);
      return new SafetensorsFile(path, handle, dataStart, metadata, new Map(entries.map((e) => [e.name, e])));
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Bytes of tensor data in the file (what a progress bar counts). */
  get dataBytes(): number {
    let total = 0;
    for (const e of this.entries.values()) total += e.end - e.begin;
    return total;
  }

  /** One tensor, read into storage of its own; `onBytes` hears of each piece as it arrives. */
  async read(name: string, onBytes?: (n: number) => void): Promise<HostTensor> {
    const e = this.entries.get(name);
    if (!e) throw new GlmError('input', `${this.path}: no tensor ${quote(name)}`);
    const storage = allocateStorage(e.dtype, elementCount(e.shape));
    const bytes = new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength);
    for (let done = 0; done < bytes.length; done += MAX_READ_BYTES) {
      const piece = bytes.subarray(done, Math.min(bytes.length, done + MAX_READ_BYTES));
      await readExactly(this.handle, this.path, piece, this.dataStart + e.begin + done, name);
      onBytes?.(piece.length);
    }
    return hostTensor(e.dtype, e.shape, storage);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Fill `into` from `position`; a file that ends early (truncated since its header was read) is an input error. */
async function readExactly(handle: FileHandle, path: string, into: Uint8Array, position: number, tensor?: string): Promise<Uint8Array> {
  let filled = 0;
  while (filled < into.length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(into, filled, into.length - filled, position + filled));
    } catch (err) {
      throw new GlmError('input', `cannot read ${path}${tensor ? ` (tensor ${quote(tensor)})` : ''}: ${describeFsError(err)}`, { cause: err });
    }
    if (bytesRead === 0) {
      throw new GlmError('input', `${path}: file ends at byte ${position + filled}${tensor ? ` inside tensor ${quote(tensor)}` : ''} (truncated)`);
    }
    filled += bytesRead;
  }
  return into;
}
