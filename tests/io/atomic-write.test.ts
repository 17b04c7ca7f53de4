import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlmError } from '../../core/errors.js';
import { writeFileAtomic, writeTextFileAtomic } from '../../core/io/atomic-write.js';

describe('writeFileAtomic', () => {
  let dir: string;
  let target: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glm-atomic-'));
    target = join(dir, 'out.bin');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the chunks in order and replaces an existing file, leaving no temp file', async () => {
    await writeFile(target, 'old contents');
    await writeFileAtomic(target, [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])]);
    expect(Array.from(await readFile(target))).toEqual([1, 2, 3]);
    await writeFileAtomic(target, new Uint8Array([9]));
    expect(Array.from(await readFile(target))).toEqual([9]);
    expect(await readdir(dir)).toEqual(['out.bin']);
  });

  it('writes chunks that are views into larger buffers (only the viewed bytes)', async () => {
    const big = new Uint8Array([0, 1, 2, 3, 4, 5]);
    await writeFileAtomic(target, [big.subarray(2, 4), big.subarray(5)]);
    expect(Array.from(await readFile(target))).toEqual([2, 3, 5]);
  });

  it('writeTextFileAtomic writes UTF-8', async () => {
    await writeTextFileAtomic(target, 'größe ✓\n');
    expect(await readFile(target, 'utf8')).toBe('größe ✓\n');
    expect(Array.from(await readFile(target)).length).toBe(12);
  });

  it('leaves the target intact and no temp file when writing fails half way', async () => {
    await writeFile(target, 'old contents');
    const chunks = [new Uint8Array([1, 2, 3])];
    // The second chunk blows up only after the temp file exists and has data in it.
    Object.defineProperty(chunks, 1, {
      get() {
        throw new Error('chunk source failed');
      },
      enumerable: true,
    });
    await expect(writeFileAtomic(target, chunks)).rejects.toThrow('chunk source failed');
    expect(await readFile(target, 'utf8')).toBe('old contents');
    expect(await readdir(dir)).toEqual(['out.bin']);
  });

  it('removes the temp file when the rename fails, as a GlmError naming the path', async () => {
    await mkdir(target); // renaming a file over a directory fails (EISDIR)
    await writeFile(join(target, 'inside'), 'kept');
    const err = await writeFileAtomic(target, new Uint8Array([1])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GlmError);
    expect((err as GlmError).message).toBe(`cannot write ${target}: is a directory`);
    expect((err as GlmError).kind).toBe('usage');
    expect(await readdir(dir)).toEqual(['out.bin']);
    expect(await readFile(join(target, 'inside'), 'utf8')).toBe('kept');
  });

  it('fails cleanly when the directory does not exist', async () => {
    const path = join(dir, 'missing', 'out.bin');
    await expect(writeFileAtomic(path, new Uint8Array([1]))).rejects.toThrow(
      new GlmError('usage', `cannot write ${path}: no such file or directory`),
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps the temp name short enough for long target names', async () => {
    const long = join(dir, `${'n'.repeat(250)}.bin`);
    await writeFileAtomic(long, new Uint8Array([7]));
    expect(Array.from(await readFile(long))).toEqual([7]);
    expect(await readdir(dir)).toEqual([`${'n'.repeat(250)}.bin`]);
  });

  it('concurrent writers to one target each produce a complete file', async () => {
    const versions = Array.from({ length: 8 }, (_, i) => new Uint8Array(4096).fill(i));
    await Promise.all(versions.map((v) => writeFileAtomic(target, v)));
    const result = await readFile(target);
    expect(result.length).toBe(4096);
    expect(result.every((b) => b === result[0])).toBe(true);
    expect(await readdir(dir)).toEqual(['out.bin']);
  });
});
