/**
 * `glm convert`: a checkpoint in the release's SwissArmyTransformer layout (N model-parallel
 * `mp_rank_XX_model_states.pt`) or a Hugging Face ChatGLM layout (`.bin` shards or safetensors
 * shards, with their index) → a model folder the SDK loads: sharded safetensors,
 * `model.safetensors.index.json` and `config.json`. Every name and shape is checked against the
 * config before any data is read; the folder is written atomically.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GlmError } from '../../../errors.js';
import { byteLengthOf, type FloatDType } from '../../../tensor/dtype.js';
import { elementCount, hostTensor, type HostTensor } from '../../../tensor/host-tensor.js';
import { serializeSafetensors } from '../../../io/safetensors.js';
import { writeFileAtomic } from '../../../io/atomic-write.js';
import { INDEX_FILE } from '../../../io/safetensors-index.js';
import { quantizedLinearNames, quantizeRows } from '../../../passes/quantize-weights.js';
import { configJson, type GlmConfig } from '../config.js';
import { weightSpecs, type WeightSpec } from '../weights-layout.js';
import { finiteInRunDtype } from '../weights.js';
import { lookUp, sourcesOf, zeroFilled, type LayoutRow, type PartsMerge } from './layouts.js';
import { mergedShape, mergeParts } from './merge-parts.js';
import type { TensorSource } from './tensor-source.js';
import { writeDirectoryAtomically } from './atomic-directory.js';

export interface ConvertOptions {
  readonly config: GlmConfig;
  /** The model-parallel parts (one for Hugging Face layouts), in rank order. */
  readonly ranks: readonly TensorSource[];
  readonly table: readonly LayoutRow[];
  readonly layoutName: string;
  readonly out: string;
  readonly dtype: FloatDType;
  readonly quantize?: 8 | 4;
  readonly tokenizer: string;
  readonly maxShardBytes: number;
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Files copied into the folder as they are (the tokenizer's model). */
  readonly extraFiles?: readonly { from: string; name: string }[];
}

export interface ConvertSummary {
  readonly shards: string[];
  readonly tensors: number;
  readonly bytes: number;
}

interface Planned {
  readonly spec: WeightSpec;
  /** The source tensors whose merged parts are concatenated on the output axis (one, or q, k, v; none for 'zeros'). */
  readonly sources: readonly string[];
  readonly merge: PartsMerge | 'zeros';
  readonly bytes: number;
}

/** A source tensor that becomes (part of) an SDK tensor. */
interface Claim {
  readonly source: string;
  readonly part: number;
  readonly merge: PartsMerge;
}

export async function convertCheckpoint(o: ConvertOptions): Promise<ConvertSummary> {
  const plan = planTensors(o);
  const shards = groupIntoShards(plan, o.maxShardBytes);
  const names = shards.map((_, i) => `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`);
  const total = plan.reduce((n, p) => n + p.bytes, 0);
  let done = 0;
  await writeDirectoryAtomically(o.out, async (tmp) => {
    const weightMap: Record<string, string> = {};
    for (const [i, shard] of shards.entries()) {
      const tensors = new Map<string, HostTensor>();
      for (const p of shard) {
        for (const [name, t] of await convertOne(p, o)) tensors.set(name, t), (weightMap[name] = names[i]!);
        done += p.bytes;
        o.onProgress?.(done, total);
      }
      await writeFileAtomic(join(tmp, names[i]!), serializeSafetensors(tensors, { format: 'pt', 'glm-sdk.converted-from': o.layoutName }));
    }
    await writeFile(join(tmp, INDEX_FILE), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 1));
    for (const f of o.extraFiles ?? []) {
      await copyFile(f.from, join(tmp, f.name)).catch((e: NodeJS.ErrnoException) => {
        throw new GlmError('input', `cannot copy ${f.from}: ${e.code ?? e.message}`);
      });
    }
    const quantization = o.quantize ? `int${o.quantize}` : 'none';
    await writeFile(join(tmp, 'config.json'), JSON.stringify({ ...configJson(o.config), tokenizer: o.tokenizer, quantization, convertedFrom: o.layoutName }, null, 2));
  });
  return { shards: names, tensors: plan.length, bytes: total };
}

/** Every source name mapped, every merged shape checked against the config — before any data is read. */
function planTensors(o: ConvertOptions): Planned[] {
  const specs = weightSpecs(o.config, o.dtype);
  checkRanksAgree(o.ranks);
  const claims = claimsBySpec(o, new Set(specs.map((s) => s.name)));
  return specs.map((spec) => planOne(o, spec, claims.get(spec.name) ?? []));
}

function checkRanksAgree(ranks: readonly TensorSource[]): void {
  const first = ranks[0]!;
  for (const [r, rank] of ranks.entries()) {
    const missing = [...first.shapes.keys()].find((n) => !rank.shapes.has(n)) ?? [...rank.shapes.keys()].find((n) => !first.shapes.has(n));
    if (missing) throw new GlmError('input', `${rank.label}: model-parallel rank ${r} and rank 0 (${first.label}) hold different tensors ("${missing}")`);
  }
}

/** Each source name looked up in the table: what it becomes. An unknown name, or one the config has no place for, is an error. */
function claimsBySpec(o: ConvertOptions, specNames: ReadonlySet<string>): Map<string, Claim[]> {
  const first = o.ranks[0]!;
  const claims = new Map<string, Claim[]>();
  for (const name of first.shapes.keys()) {
    const found = lookUp(o.table, name);
    if (found.length === 0) throw new GlmError('input', `${first.label}: tensor "${name}" has no entry in the ${o.layoutName} name table (docs/weights.md)`);
    for (const { row, target } of found) {
      if (row.merge === 'drop' || row.merge === 'zeros') continue;
      if (!specNames.has(target)) throw new GlmError('input', `${first.label}: tensor "${name}" is not part of a ${o.config.name} model (${o.config.numLayers} layers, ${o.config.tiedOutput ? 'tied' : 'untied'} head)`);
      const merge: PartsMerge = row.merge === 'glu-rows' && o.config.mlp !== 'geglu' ? 'rows' : row.merge;
      claims.set(target, [...(claims.get(target) ?? []), { source: name, part: row.part ?? 0, merge }]);
    }
  }
  return claims;
}

function planOne(o: ConvertOptions, spec: WeightSpec, claims: readonly Claim[]): Planned {
  const first = o.ranks[0]!;
  const expected = sourcesOf(o.table, spec.name);
  const sorted = [...claims].sort((a, b) => a.part - b.part);
  if (sorted.length === 0 && zeroFilled(o.table, spec.name)) return { spec, sources: [], merge: 'zeros', bytes: byteLengthOf(o.dtype, elementCount(spec.shape)) };
  const missing = expected.find((n) => !claims.some((c) => c.source === n));
  if (missing !== undefined || sorted.length === 0) {
    throw new GlmError('input', `${first.label}: tensor "${missing ?? spec.name}" is missing (needed by the ${o.config.name} config)`);
  }
  const shapes = sorted.map((c) => mergedShape(c.merge, o.ranks.map((r) => r.shapes.get(c.source)!), `${first.label}: tensor "${c.source}"`));
  const shape = shapes.length === 1 ? shapes[0]! : mergedShape('rows', shapes, `${first.label}: tensors ${sorted.map((c) => `"${c.source}"`).join(', ')}`);
  if (shape.length !== spec.shape.length || shape.some((d, i) => d !== spec.shape[i])) {
    const what = sorted.length === 1 ? `tensor "${sorted[0]!.source}" merges to [${shape}] across ${o.ranks.length} rank(s)` : `tensors ${sorted.map((c) => `"${c.source}"`).join(' + ')} concatenate to [${shape}]`;
    throw new GlmError('input', `${first.label}: ${what}, the config needs [${spec.shape}] for ${spec.name}`);
  }
  const quantized = o.quantize !== undefined && quantizedLinearNames(o.config).has(spec.name);
  const bytes = quantized ? byteLengthOf(o.quantize === 8 ? 'i8' : 'i4', elementCount(shape)) + byteLengthOf(o.dtype, shape[0]!) : byteLengthOf(o.dtype, elementCount(shape));
  return { spec, sources: sorted.map((c) => c.source), merge: sorted[0]!.merge, bytes };
}

async function convertOne(p: Planned, o: ConvertOptions): Promise<[string, HostTensor][]> {
  if (p.merge === 'zeros') return [[p.spec.name, hostTensor(o.dtype, p.spec.shape)]];
  const pieces: HostTensor[] = [];
  for (const source of p.sources) {
    const parts: HostTensor[] = [];
    for (const rank of o.ranks) parts.push(await rank.read(source));
    pieces.push(mergeParts(p.merge, parts, `${o.ranks[0]!.label}: tensor "${source}"`));
  }
  const merged = pieces.length === 1 ? pieces[0]! : mergeParts('rows', pieces, `${o.ranks[0]!.label}: tensors ${p.sources.map((n) => `"${n}"`).join(', ')}`);
  const t = finiteInRunDtype(p.spec, merged, o.dtype, o.ranks.length === 1 ? o.ranks[0]!.label : `${o.ranks.length} model-parallel files`);
  if (!o.quantize || !quantizedLinearNames(o.config).has(p.spec.name)) return [[p.spec.name, t]];
  const { q, scale } = quantizeRows(t, o.quantize, o.dtype);
  return [
    [p.spec.name, q],
    [p.spec.name.replace(/\.weight$/, '.weight_scale'), scale],
  ];
}

function groupIntoShards(plan: Planned[], maxBytes: number): Planned[][] {
  const shards: Planned[][] = [[]];
  let size = 0;
  for (const p of plan) {
    if (size > 0 && size + p.bytes > maxBytes) shards.push([]), (size = 0);
    shards.at(-1)!.push(p);
    size += p.bytes;
  }
  return shards;
}

function pad(n: number): string {
  return String(n).padStart(5, '0');
}
