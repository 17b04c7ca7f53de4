/**
 * Finding a checkpoint's files: the SwissArmyTransformer release folder (`latest` naming the
 * iteration folder, or the iteration folder itself, holding mp_rank_00 … mp_rank_NN) and Hugging
 * Face folders (`pytorch_model.bin.index.json` + shards, one `pytorch_model.bin`, or safetensors).
 */
import { access, readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { GlmError } from '../../../errors.js';
import { INDEX_FILE, SINGLE_FILE } from '../../../io/safetensors-index.js';
import { mergedSource, safetensorsSource, torchStateDict, type TensorSource } from './tensor-source.js';

const RANK_FILE = /^mp_rank_(\d{2})_model_states\.pt$/;

/** The mp_rank files in rank order (checked to be 00 … N−1) — cheap: no file is parsed yet. */
export async function satRankFiles(input: string): Promise<string[]> {
  let folder = input;
  const latest = await readFile(join(input, 'latest'), 'utf8').catch(() => undefined);
  if (latest !== undefined) {
    const iteration = latest.trim();
    if (!/^[\w.-]+$/.test(iteration)) throw new GlmError('input', `${join(input, 'latest')}: ${JSON.stringify(iteration)} is not an iteration folder name`);
    folder = join(input, iteration);
  }
  const names = await readdir(folder).catch((e: NodeJS.ErrnoException) => {
    throw new GlmError('input', `cannot read ${folder}: ${e.code ?? e.message}`);
  });
  const ranks = names.filter((n) => RANK_FILE.test(n)).sort();
  if (ranks.length === 0) throw new GlmError('input', `${folder}: no mp_rank_XX_model_states.pt files (a SwissArmyTransformer checkpoint folder)`);
  ranks.forEach((n, i) => {
    if (Number(RANK_FILE.exec(n)![1]) !== i) throw new GlmError('input', `${folder}: model-parallel rank ${String(i).padStart(2, '0')} is missing (found ${ranks.join(', ')})`);
  });
  return ranks.map((n) => join(folder, n));
}

export async function openSatRanks(files: string[]): Promise<TensorSource[]> {
  const sources: TensorSource[] = [];
  try {
    for (const f of files) sources.push(await torchStateDict(f, 'module'));
    return sources;
  } catch (err) {
    for (const s of sources) await s.close();
    throw err;
  }
}

export async function openHuggingFace(folder: string): Promise<TensorSource> {
  const binIndex = join(folder, 'pytorch_model.bin.index.json');
  if (await exists(binIndex)) {
    const files = await binShards(binIndex);
    const parts: TensorSource[] = [];
    try {
      for (const f of files) {
        const path = join(folder, f);
        if (!(await exists(path))) throw new GlmError('input', `${binIndex}: shard "${f}" is missing`);
        parts.push(await torchStateDict(path));
      }
      return mergedSource(folder, parts);
    } catch (err) {
      for (const p of parts) await p.close();
      throw err;
    }
  }
  if (await exists(join(folder, 'pytorch_model.bin'))) return torchStateDict(join(folder, 'pytorch_model.bin'));
  if ((await exists(join(folder, INDEX_FILE))) || (await exists(join(folder, SINGLE_FILE)))) return safetensorsSource(folder);
  throw new GlmError('input', `${folder}: no pytorch_model.bin.index.json, pytorch_model.bin, ${INDEX_FILE} or ${SINGLE_FILE}`);
}

async function binShards(indexPath: string): Promise<string[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch {
    throw new GlmError('input', `${indexPath}: not valid JSON`);
  }
  const map = (raw as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null) throw new GlmError('input', `${indexPath}: "weight_map" is not an object`);
  const files = new Set<string>();
  for (const [name, f] of Object.entries(map)) {
    if (typeof f !== 'string' || f !== basename(f) || f === '..' || f === '') throw new GlmError('input', `${indexPath}: tensor "${name}" maps to ${JSON.stringify(f)}, not a file in the folder`);
    files.add(f);
  }
  return [...files];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
