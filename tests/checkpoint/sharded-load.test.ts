/**
 * Loading a model folder through model.safetensors.index.json, and every kind of bad checkpoint:
 * each is one GlmError line (exit 3) naming the file and the tensor. Each case breaks a good
 * checkpoint in one way, so it is also the mutation test of the check that catches it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlmError } from '../../core/errors.js';
import { TINY } from '../../core/models/glm/config.js';
import { loadModelFolder } from '../../core/models/glm/load-model.js';
import { randomWeights } from '../../core/models/glm/weights.js';
import { fromFloat64, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';
import { writeCheckpoint } from './checkpoint-folder.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'glm.js');
const WEIGHTS = randomWeights(TINY, 'f32', 7);
const QKV = 'transformer.layers.1.attention.query_key_value.weight';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glm-sharded-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(folder: string): Promise<GlmError> {
  const err = await loadModelFolder(folder, 'f32').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GlmError);
  expect((err as GlmError).kind).toBe('input');
  expect((err as GlmError).message).not.toContain('\n');
  return err as GlmError;
}

function with1(name: string, t: HostTensor): Map<string, HostTensor> {
  return new Map([...WEIGHTS].map(([n, w]) => [n, n === name ? t : w]));
}

describe('sharded safetensors checkpoints', () => {
  it('three shards through the index load the same tensors as one file', async () => {
    await writeCheckpoint(join(dir, 'one'), TINY, WEIGHTS, 0);
    const shards = await writeCheckpoint(join(dir, 'three'), TINY, WEIGHTS, 3);
    expect(shards).toHaveLength(3);
    const one = await loadModelFolder(join(dir, 'one'), 'f32');
    const three = await loadModelFolder(join(dir, 'three'), 'f32');
    expect([...three.weights.keys()].sort()).toEqual([...WEIGHTS.keys()].sort());
    for (const [name, t] of WEIGHTS) {
      expect(Array.from(toFloat64(three.weights.get(name)!)), name).toEqual(Array.from(toFloat64(t)));
      expect(Array.from(toFloat64(one.weights.get(name)!)), name).toEqual(Array.from(toFloat64(t)));
    }
  });

  it('reports loading progress up to the total bytes of all shards', async () => {
    await writeCheckpoint(dir, TINY, WEIGHTS, 2);
    const seen: number[] = [];
    let total = 0;
    await loadModelFolder(dir, 'f32', { onProgress: (p) => (seen.push(p.doneBytes), (total = p.totalBytes)) });
    const expected = [...WEIGHTS.values()].reduce((n, t) => n + t.data.byteLength, 0);
    expect(total).toBe(expected);
    expect(seen.at(-1)).toBe(expected);
    expect(seen.every((v, i) => i === 0 || v > seen[i - 1]!)).toBe(true);
  });

  it('a missing shard names the shard and a tensor it holds', async () => {
    const [first] = await writeCheckpoint(dir, TINY, WEIGHTS, 3);
    await unlink(join(dir, first!));
    const err = await loadError(dir);
    expect(err.message).toMatch(new RegExp(`model\\.safetensors\\.index\\.json: shard "${first}" \\(holding tensor "transformer\\.[^"]+"\\) is missing`));
  });

  it('a truncated shard names the file and the tensor past its end', async () => {
    const [first] = await writeCheckpoint(dir, TINY, WEIGHTS, 2);
    const path = join(dir, first!);
    const size = (await readFile(path)).length;
    await truncate(path, size - 10);
    const err = await loadError(dir);
    expect(err.message).toContain(`${path}: tensor "`);
    expect(err.message).toContain('(truncated or corrupt file)');
  });

  it('a header lying about a tensor size names the file and the tensor', async () => {
    await writeCheckpoint(dir, TINY, WEIGHTS, 0);
    const path = join(dir, 'model.safetensors');
    const bytes = await readFile(path);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = bytes.subarray(8, 8 + headerLength).toString('utf8');
    // Claim one more row for the bias of the final LayerNorm; the offsets stay the same.
    const lied = header.replace(/("transformer\.final_layernorm\.bias":\{"dtype":"F32","shape":)\[64\]/, '$1[65]');
    expect(lied).not.toBe(header);
    await writeFile(path, Buffer.concat([bytes.subarray(0, 8), Buffer.from(lied), bytes.subarray(8 + headerLength)]));
    const err = await loadError(dir);
    expect(err.message).toBe(`${path}: tensor "transformer.final_layernorm.bias": F32[65] needs 260 bytes but data_offsets span 256`);
  });

  it('a tensor stored in two shards names both files', async () => {
    const names = await writeCheckpoint(dir, TINY, WEIGHTS, 2);
    // Rewrite shard 2 with one extra tensor that shard 1 already holds.
    const { writeSafetensors, readSafetensors } = await import('../../core/io/safetensors.js');
    const one = await readSafetensors(join(dir, names[0]!));
    const two = await readSafetensors(join(dir, names[1]!));
    const [dupName, dup] = [...one.tensors][0]!;
    await writeSafetensors(join(dir, names[1]!), new Map([...two.tensors, [dupName, dup]]));
    const err = await loadError(dir);
    expect(err.message).toBe(`${join(dir, names[1]!)}: tensor "${dupName}" is also stored in ${join(dir, names[0]!)} (duplicate tensor across shards)`);
  });

  it('a wrong shape for the config names the file and the tensor, before any data is read', async () => {
    const bad = fromFloat64('f32', [3 * 64, 32], new Float64Array(3 * 64 * 32));
    const [, second] = await writeCheckpoint(dir, TINY, with1(QKV, bad), 2);
    const err = await loadError(dir);
    expect(err.message).toMatch(new RegExp(`^${dir}/model-0000[12]-of-00002\\.safetensors: tensor "${QKV.replace(/\./g, '\\.')}" has shape \\[192,32\\], expected \\[192,64\\]$`));
    expect(second).toBeDefined();
  });

  it('mixed float dtypes name both tensors and files', async () => {
    const bf16 = fromFloat64('bf16', WEIGHTS.get(QKV)!.shape, toFloat64(WEIGHTS.get(QKV)!));
    await writeCheckpoint(dir, TINY, with1(QKV, bf16), 0);
    const err = await loadError(dir);
    expect(err.message).toBe(`${dir}/model.safetensors: tensor "${QKV}" is BF16 but "transformer.word_embeddings.weight" in ${dir}/model.safetensors is F32 (mixed dtypes in one checkpoint)`);
  });

  it.each([
    ['NaN', Number.NaN, 'f32'],
    ['Infinity', Number.POSITIVE_INFINITY, 'f16'],
    ['-Infinity', Number.NEGATIVE_INFINITY, 'bf16'],
  ] as const)('a weight holding %s is refused with the tensor and element named (%s, %s)', async (word, value, dtype) => {
    const weights = new Map([...WEIGHTS].map(([n, t]) => [n, fromFloat64(dtype, t.shape, toFloat64(t))]));
    const values = toFloat64(weights.get(QKV)!);
    values[5 * 64 + 7] = value;
    weights.set(QKV, fromFloat64(dtype, [192, 64], values));
    await writeCheckpoint(dir, TINY, weights, 2);
    const err = await loadError(dir);
    expect(err.message).toMatch(new RegExp(`model-0000[12]-of-00002\\.safetensors: tensor "${QKV.replace(/\./g, '\\.')}" holds ${word} at \\[5, 7\\] \\(weights must be finite\\)$`));
  });

  it('glm run on a NaN checkpoint exits 3 with one line naming the tensor, before any generation', async () => {
    const values = toFloat64(WEIGHTS.get('transformer.final_layernorm.weight')!);
    values[3] = Number.NaN;
    await writeCheckpoint(dir, TINY, with1('transformer.final_layernorm.weight', fromFloat64('f32', [64], values)), 0);
    await writeFile(join(dir, 'q.txt'), 'Hello [MASK]\n');
    const r = spawnSync(process.execPath, [BIN, 'run', '--model', dir, '--input-source', join(dir, 'q.txt')], { encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([`glm: error: ${dir}/model.safetensors: tensor "transformer.final_layernorm.weight" holds NaN at [3] (weights must be finite)`]);
  });

  it('--progress draws the loading bar with bytes and rate on stderr (not a terminal here), never on stdout', async () => {
    await writeCheckpoint(dir, TINY, WEIGHTS, 2);
    await writeFile(join(dir, 'q.txt'), 'Hi [MASK]\n');
    const args = [BIN, 'run', '--model', dir, '--input-source', join(dir, 'q.txt'), '--out-seq-length', '12', '--top-k', '1'];
    const withBar = spawnSync(process.execPath, [...args, '--progress'], { encoding: 'utf8' });
    expect(withBar.status, withBar.stderr).toBe(0);
    expect(withBar.stderr).toMatch(/glm: loading .* 100% \| 0\.00\/0\.00 GB \| [\d.]+ GB\/s/);
    expect(withBar.stdout).not.toContain('GB/s');
    const without = spawnSync(process.execPath, args, { encoding: 'utf8' });
    expect(without.stderr).not.toContain('GB/s');
  });
});
