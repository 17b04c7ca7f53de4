/**
 * `glm export --backend sunway`: the tree it writes builds with gcc against the athread emulator
 * (`make emulator`, the same kernel and runner sources a swgcc build compiles) and its generation
 * program gives the tokens the SDK's greedy decoding gives on the sunway backend, for a [MASK] prompt
 * (one token, then [eop]) and a [gMASK] prompt (positions continuing past the context). Two mutations of
 * the exported sources must fail loudly, naming kernel and CPE: a CPE reading main memory without DMA,
 * and tiles sized past the LDM budget.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeGate } from '../support/native.js';
import { addonPath } from '../../backends/sunway/sunway-addon.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GLM = join(REPO, 'bin', 'glm.js');
const tools = ['make', 'gcc', 'g++'].every((t) => spawnSync('which', [t]).status === 0);
const built = existsSync(addonPath('SW26010-Pro'));
const reason = !tools ? 'make, gcc or g++ missing' : !built ? `no ${addonPath('SW26010-Pro')} (npm run build:sunway)` : '';
nativeGate('sunway export', reason || undefined);

const work = mkdtempSync(join(tmpdir(), 'sunway-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Exports the default model for `prompt` into a fresh tree and builds it for the emulator. */
function exportAndBuild(name: string, prompt: string): string {
  const dir = join(work, name);
  execFileSync(process.execPath, [GLM, 'export', '--backend', 'sunway', '--out', dir, '--prompt', prompt], { cwd: REPO, stdio: 'pipe' });
  execFileSync('make', ['-j2', 'emulator'], { cwd: dir, stdio: 'pipe' });
  return dir;
}

function runTree(dir: string): { status: number | null; tokens: number[]; stderr: string } {
  const r = spawnSync(join(dir, 'build-emu', 'glm-generate'), [dir], { encoding: 'utf8', env: { ...process.env, GLM_SUNWAY_CHIP: 'SW26010-Pro' } });
  return { status: r.status, tokens: r.stdout.trim() === '' ? [] : r.stdout.trim().split(/\s+/).map(Number), stderr: r.stderr };
}

/** The SDK's greedy tokens of the prompt's blank on the sunway backend (glm run --top-k 1's span). */
async function sdkTokens(prompt: string): Promise<number[]> {
  const { defaultModel } = await import('../../core/models/glm/load-model.js');
  const { ModelSession } = await import('../../core/session/session.js');
  const { generateSpan } = await import('../../core/generate/generate-span.js');
  const { BaseStrategy } = await import('../../core/generate/base-strategy.js');
  const { buildBlankInput, isMaskToken, positionRule, prepareContext } = await import('../../core/generate/glm-inputs.js');
  const { plugin } = await import('../../backends/sunway/index.js');
  const model = await defaultModel('f32');
  const backend = await plugin.open();
  const session = await ModelSession.open(backend, model.config, model.weights, { dtype: 'f32', cacheCapacity: 256 });
  const { special } = model.tokenizer;
  const context = prepareContext(model.tokenizer.encode(prompt), special);
  const at = context.findIndex((id) => isMaskToken(id, special));
  const row = buildBlankInput(context, at, special, { rotary: model.config.rotary });
  const rule = positionRule(context, at, special, model.config.rotary);
  const strategy = new BaseStrategy({ topK: 1, endTokens: [special.eop, special.eos] });
  const { spans } = await generateSpan(session, row, rule, strategy, { outSeqLength: 256 });
  await backend.close();
  return spans[0]!;
}

/** A copy of the built tree with one source edited, rebuilt (only that file and the link). */
function mutated(dir: string, name: string, file: string, from: string, to: string): string {
  const copy = join(work, name);
  cpSync(dir, copy, { recursive: true, preserveTimestamps: true });
  const path = join(copy, file);
  const text = readFileSync(path, 'utf8');
  expect(text, `${file} no longer contains the line this mutation edits`).toContain(from);
  writeFileSync(path, text.replace(from, to));
  execFileSync('make', ['-j2', 'emulator'], { cwd: copy, stdio: 'pipe' });
  return copy;
}

describe.skipIf(reason !== '')('glm export --backend sunway (built against the athread emulator)', () => {
  let france = '';

  it('gives the SDK\'s greedy tokens for a [MASK] prompt', async () => {
    france = exportAndBuild('france', 'The capital of France is [MASK].');
    const run = runTree(france);
    expect(run.status, run.stderr).toBe(0);
    expect(run.tokens).toEqual(await sdkTokens('The capital of France is [MASK].'));
  }, 300_000);

  it('and for a [gMASK] prompt whose positions continue past the context', async () => {
    const dir = exportAndBuild('fortune', 'A fortune: [gMASK]');
    const run = runTree(dir);
    expect(run.status, run.stderr).toBe(0);
    expect(run.tokens.length).toBeGreaterThan(3);
    expect(run.tokens).toEqual(await sdkTokens('A fortune: [gMASK]'));
  }, 300_000);

  it('fails loudly when a kernel reads main memory without DMA (mutation)', () => {
    const dir = mutated(france, 'no-dma', 'src/kernels/dma.c', 'CRTS_dma_get(&v, mem, 4);', 'v = *mem; /* mutation */');
    const run = runTree(dir);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/touched main memory without DMA/);
    expect(run.stderr).toMatch(/CPE \d+/);
  }, 300_000);

  it('fails loudly when tiles are sized past the LDM budget (mutation)', () => {
    const dir = mutated(france, 'ldm', 'src/runner/tiling.cpp', 'constexpr int64_t kReserve = 4096;', 'constexpr int64_t kReserve = -(1 << 20); /* mutation */');
    const run = runTree(dir);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/budget/);
    expect(run.stderr).toMatch(/CPE \d+/);
  }, 300_000);
});
