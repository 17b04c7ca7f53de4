/**
 * THUDM's `rope_ratio` scales the rotary base in ChatGLM3-6B-32K / glm-4-9b and divides the positions
 * in ChatGLM2-6B-32K; the config cannot tell them apart, so the converter reads the folder's
 * modeling_chatglm.py or a declaration (core/models/glm/convert/rope-ratio-rule.ts). The two source
 * lines below are THUDM's own (RotaryEmbedding.forward_impl of each model's modeling_chatglm.py).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { huggingFaceLayout } from '../../core/models/glm/convert/hf-config.js';
import { MODELING_FILE, ropeRatioMeaningOf } from '../../core/models/glm/convert/rope-ratio-rule.js';
import { expectOneLineError } from '../support/one-line-error.js';
import { prenormFixture, thudmConfigJson, writeHfFolder } from './hf-family-checkpoint.js';

const SCALES_BASE = `        base = base * self.rope_ratio\n        theta = 1.0 / (base ** (torch.arange(0, n_elem, 2, dtype=torch.float, device=device) / n_elem))`;
const DIVIDES_POSITIONS = `        seq_idx = torch.arange(seq_len, dtype=dtype, device=device) / self.rope_ratio`;
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'glm.js');

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'glm-rope-ratio-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** A THUDM ChatGLM2-family folder (config only: the layout is decided before any tensor is read). */
async function folder(name: string, ropeRatio: number, modeling?: string): Promise<string> {
  const f = await prenormFixture('tiny-chatglm2');
  const input = join(dir, name);
  await writeHfFolder(input, { ...thudmConfigJson(f.config), rope_ratio: ropeRatio }, new Map(), 0);
  if (modeling !== undefined) await writeFile(join(input, MODELING_FILE), modeling);
  return input;
}

describe('what modeling_chatglm.py says rope_ratio means', () => {
  it('reads base scaling, position interpolation, and neither/both as undecided', () => {
    expect(ropeRatioMeaningOf(SCALES_BASE)).toBe('base');
    expect(ropeRatioMeaningOf(DIVIDES_POSITIONS)).toBe('positions');
    expect(ropeRatioMeaningOf(`${SCALES_BASE}\n${DIVIDES_POSITIONS}`)).toBeUndefined();
    expect(ropeRatioMeaningOf('class RotaryEmbedding(nn.Module): pass')).toBeUndefined();
  });
});

describe('the converter applies it', () => {
  it('a folder whose modeling file scales the base gets 10000 · rope_ratio', async () => {
    const { config } = await huggingFaceLayout(await folder('base', 500, SCALES_BASE));
    expect(config.rotaryBase).toBe(5e6);
  });

  it('rope_ratio 1 needs no file and no declaration', async () => {
    const { config } = await huggingFaceLayout(await folder('one', 1));
    expect(config.rotaryBase).toBe(10000);
  });

  it('a declaration decides where the file is absent', async () => {
    const { config } = await huggingFaceLayout(await folder('declared', 50), { ropeRatioAppliesTo: 'base' });
    expect(config.rotaryBase).toBe(5e5);
  });

  it('ChatGLM2-6B-32K (positions / rope_ratio) is refused with one line, exit 5, nothing written', async () => {
    const input = await folder('positions', 16, DIVIDES_POSITIONS);
    const r = spawnSync(process.execPath, [BIN, 'convert', '--from', 'hf', '--input', input, '--output', join(dir, 'out-positions')], { encoding: 'utf8' });
    expectOneLineError({ code: r.status, stderr: r.stderr }, 5, 'interpolates positions');
    expect(existsSync(join(dir, 'out-positions'))).toBe(false);
  });

  it('no file and no declaration: one line naming the flag, exit 3', async () => {
    const input = await folder('undecided', 16);
    const r = spawnSync(process.execPath, [BIN, 'convert', '--from', 'hf', '--input', input, '--output', join(dir, 'out-undecided')], { encoding: 'utf8' });
    expectOneLineError({ code: r.status, stderr: r.stderr }, 3, '--rope-ratio-applies-to base|positions');
  });

  it('a declaration of positions is refused like the file saying so', async () => {
    await expect(huggingFaceLayout(await folder('declared-positions', 16), { ropeRatioAppliesTo: 'positions' })).rejects.toThrow(/interpolates positions/);
  });
});
