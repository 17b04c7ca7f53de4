/**
 * The release's quantization flags: --quantization-bit-width 8|4 quantizes the block Linears at load
 * with the per-row scheme; glm convert --quantize writes the same weights pre-quantized, loaded with
 * --from-quantized-checkpoint. Both roads must give bit-identical weights, and glm run must work end
 * to end with them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlmError } from '../../core/errors.js';
import { loadModelFolder } from '../../core/models/glm/load-model.js';
import { tensorBytes } from '../../core/tensor/host-tensor.js';
import { cpuRefLogits, EXPECTED, FIXTURES, relativeError } from './torch-fixture-logits.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'glm.js');
let dir: string;
let floatFolder: string;
let prompts: string;

function glm(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glm-quant-'));
  await writeFile(join(dir, 'sat-config.json'), JSON.stringify(EXPECTED.models.sat.config));
  prompts = join(dir, 'q.txt');
  await writeFile(prompts, 'The cat [MASK] on the mat\n');
  floatFolder = join(dir, 'float');
  const r = glm('convert', '--from', 'sat', '--input', join(FIXTURES, 'sat-mp2'), '--output', floatFolder, '--config', join(dir, 'sat-config.json'), '--dtype', 'f32');
  expect(r.status, r.stderr).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('quantize at load', () => {
  it.each([4, 8] as const)('convert --quantize %i then --from-quantized-checkpoint equals --quantization-bit-width at load, bit for bit', async (bits) => {
    const pre = join(dir, `int${bits}`);
    const r = glm('convert', '--from', 'sat', '--input', join(FIXTURES, 'sat-mp2'), '--output', pre, '--config', join(dir, 'sat-config.json'), '--dtype', 'f32', '--quantize', String(bits));
    expect(r.status, r.stderr).toBe(0);
    const loaded = await loadModelFolder(pre, 'f32', { fromQuantizedCheckpoint: true, quantizationBitWidth: bits });
    const atLoad = await loadModelFolder(floatFolder, 'f32', { quantizationBitWidth: bits });
    expect(loaded.quantization).toBe(`int${bits}`);
    expect(atLoad.quantization).toBe(`int${bits}`);
    expect([...loaded.weights.keys()].sort()).toEqual([...atLoad.weights.keys()].sort());
    const qkv = 'transformer.layers.0.attention.query_key_value.weight';
    expect(atLoad.weights.get(qkv)!.dtype).toBe(bits === 4 ? 'i4' : 'i8');
    for (const [name, t] of atLoad.weights) expect(Buffer.from(tensorBytes(loaded.weights.get(name)!)).equals(Buffer.from(tensorBytes(t))), name).toBe(true);
    // Quantized logits stay near the float ones, and INT8 nearer than INT4 (the scheme is real, not a copy).
    const rel = relativeError(await cpuRefLogits(atLoad, EXPECTED.models.sat), EXPECTED.models.sat.logits);
    expect(rel).toBeGreaterThan(1e-6);
    expect(rel).toBeLessThan(bits === 8 ? 2e-2 : 0.3); // measured: int8 4.9e-3, int4 0.104 on this 32-wide model
  });

  it('the flags are checked against the folder', async () => {
    await expect(loadModelFolder(floatFolder, 'f32', { fromQuantizedCheckpoint: true })).rejects.toThrow(new GlmError('usage', `--from-quantized-checkpoint: ${floatFolder} holds unquantized weights (its "quantization" is none)`));
    const r = glm('run', '--model', floatFolder, '--quantization-bit-width', '5', '--input-source', prompts);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('glm: error: --quantization-bit-width must be 8 or 4, got "5"\n');
  });

  it('glm run --quantization-bit-width 4 runs end to end on the tiny model (default glm-tiny) and on a converted folder', () => {
    for (const model of [[], ['--model', floatFolder]]) {
      const r = glm('run', ...model, '--quantization-bit-width', '4', '--input-source', prompts, '--out-seq-length', '40', '--top-k', '1');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('(int4 weight-only, quantized at load)');
      expect(r.stdout.trim().length).toBeGreaterThan(0);
    }
  });
});
