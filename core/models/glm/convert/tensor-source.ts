/**
 * Where a converter reads tensors from: PyTorch files (state dicts inside torch.save zips, read by the
 * restricted unpickler) or safetensors checkpoints. Shapes are known up front; data is read per tensor.
 */
import { GlmError } from '../../../errors.js';
import type { HostTensor } from '../../../tensor/host-tensor.js';
import { TorchFile } from '../../../io/pickle/torch-file.js';
import { isTensorRef, type TensorRef } from '../../../io/pickle/pickle-globals.js';
import { openSafetensorsCheckpoint } from '../../../io/safetensors-index.js';

export interface TensorSource {
  /** Names the source in errors. */
  readonly label: string;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  read(name: string): Promise<HostTensor>;
  close(): Promise<void>;
}

/**
 * The state dict of a torch file: the root dict itself (Hugging Face .bin) or its "module" entry
 * (SwissArmyTransformer / DeepSpeed `mp_rank_XX_model_states.pt`). Non-tensor entries are refused.
 */
export async function torchStateDict(path: string, key?: 'module'): Promise<TensorSource> {
  const file = await TorchFile.open(path);
  try {
    let root = file.root;
    if (key) {
      if (!(root instanceof Map) || !root.has(key)) throw new GlmError('input', `${path}: no "${key}" state dict (a SwissArmyTransformer checkpoint holds {"module": …})`);
      root = root.get(key);
    }
    if (!(root instanceof Map)) throw new GlmError('input', `${path}: the pickle's ${key ? `"${key}"` : 'root'} is not a state dict`);
    const refs = new Map<string, TensorRef>();
    for (const [name, value] of root) {
      if (typeof name !== 'string') throw new GlmError('input', `${path}: state dict key ${JSON.stringify(name)} is not a string`);
      if (!isTensorRef(value)) throw new GlmError('input', `${path}: state dict entry "${name}" is not a tensor`);
      refs.set(name, value);
    }
    return {
      label: path,
      shapes: new Map([...refs].map(([n, r]) => [n, r.shape])),
      read: (name) => file.read(refs.get(name)!, name),
      close: () => file.close(),
    };
  } catch (err) {
    await file.close();
    throw err;
  }
}

/** Several sources as one (Hugging Face shards); a tensor in two of them is an error naming both. */
export function mergedSource(label: string, parts: TensorSource[]): TensorSource {
  const owner = new Map<string, TensorSource>();
  for (const part of parts) {
    for (const name of part.shapes.keys()) {
      const first = owner.get(name);
      if (first) throw new GlmError('input', `${part.label}: tensor "${name}" is also stored in ${first.label} (duplicate tensor across shards)`);
      owner.set(name, part);
    }
  }
  return {
    label,
    shapes: new Map([...owner].map(([n, p]) => [n, p.shapes.get(n)!])),
    read: (name) => owner.get(name)!.read(name),
    close: async () => {
      for (const p of parts) await p.close();
    },
  };
}

export async function safetensorsSource(folder: string): Promise<TensorSource> {
  const checkpoint = await openSafetensorsCheckpoint(folder);
  return {
    label: folder,
    shapes: new Map([...checkpoint.tensors].map(([n, t]) => [n, t.entry.shape])),
    read: (name) => checkpoint.tensors.get(name)!.file.read(name),
    close: () => checkpoint.close(),
  };
}
