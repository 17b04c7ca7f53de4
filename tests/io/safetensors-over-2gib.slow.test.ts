/**
 * A safetensors file over 2 GiB loads: Node's readFile stops at 2 GiB, so this proves the
 * positional reader (core/io/safetensors-file.ts). The file is made sparse — a header, a 2 GiB + 1 MiB
 * zero I8 tensor that is never written (ftruncate leaves a hole), and a small F32 tensor written
 * after it — so it costs almost no disk, but the reader still reads every byte.
 */
import { open, mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../core/io/safetensors-file.js';

const BIG = 2 ** 31 + 2 ** 20;
const TAIL = new Float32Array([1.5, -2.25, 3e-3, 65504]);

let dir: string;
let path: string;
let reason: string | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glm-2gib-'));
  const fs = await statfs(dir);
  // Sparse files need almost nothing, but a file system without holes would need all of it.
  if (fs.bavail * fs.bsize < BIG + 2 ** 26) {
    reason = `only ${(fs.bavail * fs.bsize / 2 ** 30).toFixed(1)} GiB free in ${dir}, the test file needs up to 2.1 GiB`;
    console.warn(`SKIP safetensors over 2 GiB: ${reason}`);
    return;
  }
  const header = JSON.stringify({ big: { dtype: 'I8', shape: [BIG], data_offsets: [0, BIG] }, tail: { dtype: 'F32', shape: [4], data_offsets: [BIG, BIG + 16] } }).padEnd(200, ' ');
  path = join(dir, 'big.safetensors');
  const handle = await open(path, 'w');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  await handle.write(length, 0, 8, 0);
  await handle.write(Buffer.from(header), 0, header.length, 8);
  await handle.truncate(8 + header.length + BIG + 16);
  await handle.write(new Uint8Array(TAIL.buffer), 0, 16, 8 + header.length + BIG);
  await handle.close();
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a safetensors file over 2 GiB', () => {
  it('opens and reads the tensor after the 2 GiB mark and the 2 GiB tensor itself', async (ctx) => {
    if (reason) return ctx.skip();
    const file = await SafetensorsFile.open(path);
    try {
      expect(file.dataBytes).toBe(BIG + 16);
      const tail = await file.read('tail');
      expect(Array.from(tail.data as Float32Array)).toEqual(Array.from(TAIL));
      let pieces = 0;
      const big = await file.read('big', () => pieces++);
      expect(big.shape).toEqual([BIG]);
      expect(big.data.length).toBe(BIG);
      expect(pieces).toBe(3); // read in 1 GiB pieces: fs.read moves at most 2^31 - 1 bytes a call
      expect(big.data[0]).toBe(0);
      expect(big.data[BIG - 1]).toBe(0);
    } finally {
      await file.close();
    }
  }, 120_000);
});
