/**
 * A safetensors checkpoint folder: one `model.safetensors`, or shards listed by
 * `model.safetensors.index.json` (Hugging Face's layout: `{"metadata": {...}, "weight_map":
 * {tensor: shard file}}`). Every shard's header is read and checked against the index before any
 * tensor data is read: a missing shard, a tensor the index places in a file that lacks it, and a
 * tensor stored in two shards are one-line errors naming file and tensor.
 */
import { access, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { GlmError } from '../errors.js';
import type { TensorEntry } from './safetensors.js';
import { quote } from './safetensors.js';
import { SafetensorsFile } from './safetensors-file.js';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export interface LocatedTensor {
  readonly file: SafetensorsFile;
  readonly entry: TensorEntry;
}

export interface SafetensorsCheckpoint {
  readonly folder: string;
  readonly files: readonly SafetensorsFile[];
  /** Every tensor of the checkpoint, in the order the files list them. */
  readonly tensors: ReadonlyMap<string, LocatedTensor>;
  close(): Promise<void>;
}

export async function openSafetensorsCheckpoint(folder: string): Promise<SafetensorsCheckpoint> {
  const indexPath = join(folder, INDEX_FILE);
  const sharded = await exists(indexPath);
  const weightMap = sharded ? await readWeightMap(indexPath) : undefined;
  const shardNames = weightMap ? [...new Set(weightMap.values())] : [SINGLE_FILE];
  const files: SafetensorsFile[] = [];
  const closeAll = () => Promise.all(files.map((f) => f.close())).then(() => undefined);
  try {
    for (const shard of shardNames) {
      const path = join(folder, shard);
      if (weightMap && !(await exists(path))) {
        const example = [...weightMap].find(([, file]) => file === shard)![0];
        throw new GlmError('input', `${indexPath}: shard ${quote(shard)} (holding tensor ${quote(example)}) is missing`);
      }
      files.push(await SafetensorsFile.open(path));
    }
    const tensors = locateTensors(files, weightMap, indexPath);
    return { folder, files, tensors, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function locateTensors(files: SafetensorsFile[], weightMap: Map<string, string> | undefined, indexPath: string): Map<string, LocatedTensor> {
  const tensors = new Map<string, LocatedTensor>();
  for (const file of files) {
    for (const entry of file.entries.values()) {
      const first = tensors.get(entry.name);
      if (first) throw new GlmError('input', `${file.path}: tensor ${quote(entry.name)} is also stored in ${first.file.path} (duplicate tensor across shards)`);
      const listed = weightMap?.get(entry.name);
      if (weightMap && listed !== basename(file.path)) {
        const where = listed === undefined ? 'is not listed in' : `is placed in ${quote(listed)} by`;
        throw new GlmError('input', `${file.path}: tensor ${quote(entry.name)} ${where} ${indexPath}`);
      }
      tensors.set(entry.name, { file, entry });
    }
  }
  for (const [name, shard] of weightMap ?? []) {
    if (!tensors.has(name)) throw new GlmError('input', `${join(indexPath, '..', shard)}: tensor ${quote(name)} listed in the index is not in the file`);
  }
  return tensors;
}

/** The index's weight_map; shard names must be plain file names in the same folder. */
async function readWeightMap(indexPath: string): Promise<Map<string, string>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (err) {
    const why = err instanceof SyntaxError ? 'not valid JSON' : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    throw new GlmError('input', `${indexPath}: ${why}`);
  }
  const map = (raw as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new GlmError('input', `${indexPath}: "weight_map" is not an object of tensor → file`);
  const weightMap = new Map<string, string>();
  for (const [name, file] of Object.entries(map)) {
    if (typeof file !== 'string' || file === '' || file !== basename(file) || file === '..' || file === '.') {
      throw new GlmError('input', `${indexPath}: tensor ${quote(name)} maps to ${JSON.stringify(file)}, not a file name in the checkpoint's folder`);
    }
    weightMap.set(name, file);
  }
  if (weightMap.size === 0) throw new GlmError('input', `${indexPath}: "weight_map" lists no tensor`);
  return weightMap;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
