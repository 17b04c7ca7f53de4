/**
 * `glm convert` on checkpoints written by real PyTorch (tools/torch-fixtures/make_fixtures.py, run
 * on the GPU machine with torch 2.11): the SAT 2-way model-parallel layout and the ChatGLM layouts
 * (.bin shards, safetensors shards). Each converted folder must reproduce, on cpu-ref, the logits the
 * script computed in float64 from the unsplit weights. The weights are on the fp16 grid, so only
 * cpu-ref's f32 rounding of each op's output separates the two (measured ~1e-7; bound 1e-5); a
 * wrong merge moves the logits by far more (the mutations below show by how much).
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlmError } from '../../core/errors.js';
import { parseGlmConfig } from '../../core/models/glm/config.js';
import { convertCheckpoint } from '../../core/models/glm/convert/convert-checkpoint.js';
import { SAT_TABLE, type LayoutRow } from '../../core/models/glm/convert/layouts.js';
import { openSatRanks, satRankFiles } from '../../core/models/glm/convert/sources.js';
import { loadModelFolder } from '../../core/models/glm/load-model.js';
import { tensorBytes } from '../../core/tensor/host-tensor.js';
import { TorchFile } from '../../core/io/pickle/torch-file.js';
import { isTensorRef } from '../../core/io/pickle/pickle-globals.js';
import { cpuRefLogits, EXPECTED, FIXTURES, relativeError } from './torch-fixture-logits.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'glm.js');
const REL_TOL = 1e-5;
const SAT = EXPECTED.models.sat;
const CHATGLM = EXPECTED.models.chatglm;

let dir: string;
let satConfig: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glm-convert-'));
  satConfig = join(dir, 'sat-config.json');
  await writeFile(satConfig, JSON.stringify(SAT.config));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function glm(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
}

describe('glm convert reproduces the PyTorch logits', () => {
  it.each([
    ['SAT, 2-way model parallel', 'sat', ['--from', 'sat', '--input', join(FIXTURES, 'sat-mp2')]],
    ['ChatGLM .bin shards + pytorch_model.bin.index.json', 'chatglm', ['--from', 'hf', '--input', join(FIXTURES, 'chatglm-bin')]],
    ['ChatGLM safetensors shards + index', 'chatglm', ['--from', 'hf', '--input', join(FIXTURES, 'chatglm-st')]],
  ] as const)('%s', async (label, key, args) => {
    const out = join(dir, label.replace(/\W+/g, '-'));
    const r = glm('convert', ...args, '--output', out, ...(key === 'sat' ? ['--config', satConfig] : []), '--max-shard-size', '0.00005');
    expect(r.stderr).toMatch(/^glm: wrote .* in [2-9] shard\(s\), f16/);
    expect(r.status).toBe(0);
    const index = JSON.parse(await readFile(join(out, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
    expect(new Set(Object.values(index.weight_map)).size).toBeGreaterThan(1);
    const model = await loadModelFolder(out, 'f32');
    const rel = relativeError(await cpuRefLogits(model, EXPECTED.models[key]), EXPECTED.models[key].logits);
    expect(rel).toBeLessThan(REL_TOL);
  });

  it('the converted config is the one the script computed with (deepnormAlpha included)', async () => {
    const cfg = JSON.parse(await readFile(join(dir, 'ChatGLM-bin-shards-pytorch_model-bin-index-json', 'config.json'), 'utf8')) as Record<string, unknown>;
    const parsed = parseGlmConfig(cfg, 'converted');
    const expected = parseGlmConfig(CHATGLM.config, 'expected');
    expect({ ...parsed, name: '' }).toEqual({ ...expected, name: '' });
  });

  it("mutation: the ChatGLM fixture (2 layers, THUDM's α = √56) with the derived α = √(2·layers) misses PyTorch by far", async () => {
    const model = await loadModelFolder(join(dir, 'ChatGLM-bin-shards-pytorch_model-bin-index-json'), 'f32');
    expect([model.config.numLayers, model.config.deepnormAlpha]).toEqual([2, Math.sqrt(56)]);
    const derived = { ...model, config: { ...model.config, deepnormAlpha: Math.sqrt(2 * model.config.numLayers) } };
    const rel = relativeError(await cpuRefLogits(derived, CHATGLM), CHATGLM.logits);
    expect(rel).toBeGreaterThan(1e3 * REL_TOL);
  });
});

describe('the merge rules matter (mutations of the SAT table: each must break the logits)', () => {
  async function convertWith(table: readonly LayoutRow[], reverseRanks: boolean, name: string): Promise<number> {
    const ranks = await openSatRanks(await satRankFiles(join(FIXTURES, 'sat-mp2')));
    try {
      const out = join(dir, name);
      await convertCheckpoint({
        config: parseGlmConfig(SAT.config, 'sat'),
        ranks: reverseRanks ? [...ranks].reverse() : ranks,
        table,
        layoutName: 'mutated',
        out,
        dtype: 'f32',
        tokenizer: 'bytes',
        maxShardBytes: 1e9,
      });
      const model = await loadModelFolder(out, 'f32');
      return relativeError(await cpuRefLogits(model, SAT), SAT.logits);
    } finally {
      for (const r of ranks) await r.close();
    }
  }

  it('the unmutated table passes through the same path', async () => {
    expect(await convertWith(SAT_TABLE, false, 'straight')).toBeLessThan(REL_TOL);
  });
  it('GeGLU halves concatenated rank by rank (halves unpaired) fail', async () => {
    const mutated = SAT_TABLE.map((r) => (r.merge === 'glu-rows' ? { ...r, merge: 'rows' as const } : r));
    expect(await convertWith(mutated, false, 'glu-as-rows')).toBeGreaterThan(1e-2);
  });
  it('ranks merged in the wrong order fail', async () => {
    expect(await convertWith(SAT_TABLE, true, 'reversed')).toBeGreaterThan(1e-2);
  });
});

describe('conversion is all or nothing', () => {
  it('a replicated tensor that differs between ranks fails mid-conversion and leaves no folder behind', async () => {
    // Copy the SAT fixture and change one byte of rank 1's final LayerNorm bias (stored last, so
    // earlier shards are already written when the mismatch is found).
    const src = join(dir, 'sat-broken');
    await cp(join(FIXTURES, 'sat-mp2'), src, { recursive: true });
    const rank1 = join(src, '1000', 'mp_rank_01_model_states.pt');
    const file = await TorchFile.open(rank1);
    const module = (file.root as Map<string, unknown>).get('module') as Map<string, unknown>;
    const ref = module.get('transformer.final_layernorm.bias');
    if (!isTensorRef(ref)) throw new Error('fixture lacks the final LayerNorm bias');
    const bias = tensorBytes(await file.read(ref, 'bias'));
    await file.close();
    const bytes = await readFile(rank1);
    const at = Buffer.from(bytes).indexOf(Buffer.from(bias));
    expect(at).toBeGreaterThan(0);
    bytes[at] = bytes[at]! ^ 0x01;
    await writeFile(rank1, bytes);

    const out = join(dir, 'never');
    const r = glm('convert', '--from', 'sat', '--input', src, '--output', out, '--config', satConfig, '--max-shard-size', '0.00005');
    expect(r.status).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([
      `glm: error: ${join(src, '1000', 'mp_rank_00_model_states.pt')}: tensor "transformer.final_layernorm.bias": replicated tensor differs between rank 0 and rank 1`,
    ]);
    expect((await readdir(dir)).filter((n) => n.startsWith('never') || n.startsWith('.never'))).toEqual([]);
  });

  it('an existing output folder is refused before anything is read (exit 2)', async () => {
    const r = glm('convert', '--from', 'hf', '--input', join(dir, 'does-not-exist'), '--output', dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`glm: error: ${dir} already exists (glm convert never writes into an existing folder)\n`);
  });

  it('a missing rank is named', async () => {
    const src = join(dir, 'sat-one-rank');
    await cp(join(FIXTURES, 'sat-mp2'), src, { recursive: true });
    await rm(join(src, '1000', 'mp_rank_00_model_states.pt'));
    await expect(satRankFiles(src)).rejects.toThrow(new GlmError('input', `${join(src, '1000')}: model-parallel rank 00 is missing (found mp_rank_01_model_states.pt)`));
  });
});
