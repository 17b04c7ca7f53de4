/** Test helper: a model folder (config.json + safetensors, one file or index + shards) written from a weights map. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSafetensors } from '../../core/io/safetensors.js';
import type { HostTensor } from '../../core/tensor/host-tensor.js';
import type { GlmConfig } from '../../core/models/glm/config.js';

export async function writeConfig(folder: string, config: GlmConfig, extra: Record<string, unknown> = {}): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'config.json'), JSON.stringify({ ...config, tokenizer: 'bytes', ...extra }));
}

/** Tensors dealt round-robin into `shards` files (shards = 0: one model.safetensors, no index). */
export async function writeCheckpoint(folder: string, config: GlmConfig, weights: ReadonlyMap<string, HostTensor>, shards: number, extra: Record<string, unknown> = {}): Promise<string[]> {
  await writeConfig(folder, config, extra);
  return writeShards(folder, weights, shards);
}

/** The safetensors files alone, into an existing folder: round-robin into `shards` files with an index (0: one model.safetensors). */
export async function writeShards(folder: string, weights: ReadonlyMap<string, HostTensor>, shards: number): Promise<string[]> {
  if (shards === 0) {
    await writeSafetensors(join(folder, 'model.safetensors'), new Map(weights));
    return ['model.safetensors'];
  }
  const names = Array.from({ length: shards }, (_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`);
  const parts = names.map(() => new Map<string, HostTensor>());
  const weightMap: Record<string, string> = {};
  [...weights].forEach(([name, t], i) => {
    parts[i % shards]!.set(name, t);
    weightMap[name] = names[i % shards]!;
  });
  for (let i = 0; i < shards; i++) await writeSafetensors(join(folder, names[i]!), parts[i]!);
  await writeFile(join(folder, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  return names;
}
