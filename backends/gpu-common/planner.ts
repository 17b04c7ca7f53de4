/**
 * Plans one run of a graph for a set of concrete shapes: where every value lives (bound tensor,
 * arena slot, a view of another value, or a place inside its consumer's output), then the launch
 * records of every node. Two passes:
 *   backwards: graph outputs, concat outputs and transposes that should be materialised get their
 *     storage first, so a producer that writes through strides (rope, attention, gather) can be
 *     placed inside them — the KV-cache append and the [B, H, Q, d] → [B, Q, H·d] merge cost nothing;
 *   forwards: views for transpose/split/slice/reshape, arena slots for the rest, and the records.
 * A `linear` whose only consumer is a `deepnorm-residual` (as its branch) takes the residual into its
 * product's epilogue (the native gemm adds beta·addend, or runs the DeepNorm kernel after the product
 * where the chosen GEMM cannot): the residual node then emits nothing and its output is the product's.
 * A `cache-write` that puts qkv-bias-rope's keys or values into a cache in place (a donated cache) is
 * done by that kernel, which writes them at the device offset itself; the cache-write emits nothing.
 */
import { GlmError, resolveShape, type DimBindings, type Graph, type GraphNode } from '../../core/backend-api/plugin-api.js';
import { alignUp, packArena } from './arena.js';
import { countOf, elementBytes, isContiguous, normalizeAxis, rowMajorStrides, sameLocation, withShape, type Loc, type Storage } from './locations.js';
import { ProgramBuilder, type PlannedRecord, type Word } from './program-builder.js';
import { emitCopy } from './lowerings/copy.js';
import { LOWERINGS } from './lowerings/index.js';

export interface PlanOptions {
  /** The backend's name, for messages. */
  readonly backend: string;
  /** A vendor BLAS is loaded (cuBLASLt, hipBLAS): the native side routes float products to it. */
  readonly vendorBlas: boolean;
  readonly multiprocessors: number;
  /** Float linear layers with at most this many rows use the GEMV kernel rather than a GEMM. */
  readonly gemvMaxRows: number;
  /** Attention with at least this many queries materialises the scores through two GEMMs. */
  readonly attentionMaterializeFrom: number;
  /** Scores of one chunk of heads in the materialised attention (sized to stay in L2). */
  readonly attentionChunkBytes: number;
}

export interface Plan {
  readonly records: readonly PlannedRecord[];
  readonly arenaBytes: number;
  /** Some record checks indices (gather): the run reads the error flag. */
  readonly checksIndices: boolean;
}

/** What a lowering sees of its node. */
export interface StepContext {
  /** The backend's name, for messages. */
  readonly backend: string;
  readonly step: number;
  readonly node: GraphNode;
  readonly options: PlanOptions;
  /** Input k's location (null for an absent optional input). */
  input(k: number): Loc | null;
  /** Output k's location; an arena slot (contiguous) unless the planner placed it elsewhere. */
  output(k: number): Loc;
  /** Give output k the location `view` (no copy), or copy `view` into the place it already has. */
  alias(k: number, view: Loc): void;
  /** The value of output k was written by its producer through placement: nothing to do. */
  writtenByPlacement(k: number): boolean;
  /**
   * For a `linear` whose output only feeds a `deepnorm-residual`: that node's residual and alpha,
   * to be added in the product (out = x·Wᵀ + bias + alpha·residual); null otherwise.
   */
  fusedResidual(): { readonly residual: Loc; readonly alpha: number } | null;
  /**
   * For a `qkv-bias-rope`: per part (0 keys, 1 values) the in-place cache-write it does itself —
   * the cache, the i32 [1] offset, and whether the plain output is also read — or null.
   */
  fusedCacheWrites(): readonly (FusedCacheWrite | null)[];
  /** Inputs placed into this node's output by their producers (concat skips copying them). */
  placedInput(k: number): boolean;
  /** A contiguous scratch tensor of this step. */
  temp(dtype: Loc['dtype'], shape: readonly number[]): Loc;
  /** Scratch bytes of this step. */
  scratch(bytes: number): Loc;
  /** `loc` itself when contiguous, else a contiguous copy made now. */
  contiguous(loc: Loc): Loc;
  emit(op: number, args: readonly Word[]): void;
  noteIndexCheck(): void;
  resolve(shape: readonly (number | string)[]): number[];
}

export interface FusedCacheWrite {
  readonly cache: Loc;
  readonly offset: Loc;
  readonly alsoOutput: boolean;
}

export type Lowering = (ctx: StepContext) => void;

/** Producers that can write their output through arbitrary strides (placement candidates). */
const STRIDED_WRITERS = new Set(['rope', 'qkv-bias-rope', 'attention', 'gather']);
/** Consumers that read any strided view directly; every other op needs contiguous inputs. */
const VIEW_READERS = new Set(['transpose', 'split', 'slice', 'concat', 'gather', 'add', 'mul', 'rope', 'attention', 'all-reduce', 'cache-write']);

/**
 * `donations` maps an output name to the input whose tensor the caller bound it to (checked by
 * donationCheck): that output lives in the input's storage, and its in-place producer writes there.
 */
export function planGraph(
  graph: Graph,
  dims: DimBindings,
  boundAlign: (role: 'input' | 'output', name: string) => number,
  options: PlanOptions,
  donations: ReadonlyMap<string, string> = new Map(),
): Plan {
  const n = graph.nodes.length;
  const shapes = graph.values.map((v) => resolveShape(v.type.shape, dims));
  const consumers: number[][] = graph.values.map(() => []);
  graph.nodes.forEach((node, i) => node.inputs.forEach((id) => id !== null && consumers[id]!.push(i)));
  const outputNames: string[][] = graph.values.map(() => []);
  for (const o of graph.outputs) outputNames[o.value]!.push(o.name);
  const producer: number[] = graph.values.map(() => -1);
  graph.nodes.forEach((node, i) => node.outputs.forEach((o) => (producer[o] = i)));

  const storages: Storage[] = [];
  let nextId = 0;
  const slot = (bytes: number, first: number, last = first): Storage => {
    const s: Storage = { id: nextId++, bytes, kind: 'arena', align: 256, first, last, offset: 0 };
    storages.push(s);
    return s;
  };
  const bound = (role: 'input' | 'output', name: string, bytes: number): Storage => ({
    id: nextId++, bytes, kind: 'bound', binding: { role, name }, align: boundAlign(role, name), first: 0, last: 0, offset: 0,
  });
  const contiguousLoc = (storage: Storage, id: number): Loc => ({
    storage, elemOffset: 0, dtype: graph.values[id]!.type.dtype, shape: shapes[id]!, strides: rowMajorStrides(shapes[id]!),
  });
  const bytesOf = (id: number) => Math.ceil((countOf(shapes[id]!) * elementBytes(graph.values[id]!.type.dtype)));

  const locs: (Loc | undefined)[] = graph.values.map(() => undefined);
  for (const id of [...graph.inputs, ...graph.params]) {
    const name = graph.values[id]!.name;
    locs[id] = contiguousLoc(bound('input', name, bytesOf(id)), id);
  }
  const inputStorage = new Map<string, Storage>();
  for (const id of [...graph.inputs, ...graph.params]) inputStorage.set(graph.values[id]!.name, locs[id]!.storage);
  const outputHomes = new Map<string, Storage>();
  const homeOf = (name: string, id: number): Storage => {
    let s = outputHomes.get(name);
    if (!s) {
      const donor = donations.get(name);
      s = donor === undefined ? bound('output', name, bytesOf(id)) : inputStorage.get(donor)!;
      outputHomes.set(name, s);
    }
    return s;
  };

  // ---- linear → deepnorm-residual pairs whose residual the product's epilogue adds ----
  const residualOf = new Map<number, number>(); // linear node → its deepnorm-residual node
  const fusedInto = new Map<number, number>(); // deepnorm-residual node → its linear node
  graph.nodes.forEach((node, i) => {
    if (node.op !== 'linear') return;
    const product = node.outputs[0]!;
    if (consumers[product]!.length !== 1 || outputNames[product]!.length > 0) return;
    const r = consumers[product]![0]!;
    const residualNode = graph.nodes[r]!;
    const residual = residualNode.inputs[0]!;
    if (residualNode.op !== 'deepnorm-residual' || residualNode.inputs[1] !== product || residual === product) return;
    if (producer[residual]! >= i) return; // the residual must exist when the product runs
    const same = shapes[residual]!.length === shapes[product]!.length && shapes[residual]!.every((d, j) => d === shapes[product]![j]);
    if (!same) return;
    residualOf.set(i, r);
    fusedInto.set(r, i);
  });

  // ---- qkv-bias-rope → cache-write pairs (in place, checked once the homes are known) ----
  const cacheWritesOf = new Map<number, [number | null, number | null]>(); // qkv-bias-rope node → [keys', values' cache-write]
  const foldedCacheWrites = new Set<number>(); // cache-write nodes their qkv-bias-rope does
  graph.nodes.forEach((node, w) => {
    if (node.op !== 'cache-write') return;
    const [cache, update, offset] = node.inputs as [number, number, number];
    const q = producer[update]!;
    if (q < 0 || graph.nodes[q]!.op !== 'qkv-bias-rope' || outputNames[update]!.length > 0) return;
    const part = graph.nodes[q]!.outputs.indexOf(update) - 1; // 0: keys, 1: values
    if (part < 0 || consumers[cache]!.length !== 1 || producer[offset]! >= q) return;
    const pair = cacheWritesOf.get(q) ?? [null, null];
    const other = pair[1 - part];
    if (pair[part] !== null || (other !== null && graph.nodes[other]!.inputs[2] !== offset)) return; // one offset per kernel
    pair[part] = w;
    cacheWritesOf.set(q, pair);
    foldedCacheWrites.add(w);
  });

  // ---- backwards: homes of outputs, concats and materialised transposes; placements ----
  const placedValues = new Set<number>(); // written by their producer into a consumer's output
  const materialisedTransposes = new Set<number>(); // node indices whose output the producer fills
  const wantsContiguous = (id: number): boolean =>
    outputNames[id]!.length > 0 || consumers[id]!.some((c) => !VIEW_READERS.has(graph.nodes[c]!.op));
  const placeable = (id: number): boolean =>
    producer[id]! >= 0 &&
    STRIDED_WRITERS.has(graph.nodes[producer[id]!]!.op) &&
    consumers[id]!.length === 1 &&
    outputNames[id]!.length === 0 &&
    !(graph.nodes[producer[id]!]!.op === 'gather' && graph.values[graph.nodes[producer[id]!]!.inputs[1]!]!.type.shape.length !== 1);

  for (let i = n - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (node.op === 'transpose') {
      const input = node.inputs[0]!;
      const out = node.outputs[0]!;
      if (placeable(input) && wantsContiguous(out) && locs[out] === undefined) {
        materialisedTransposes.add(i);
        locs[out] = outputNames[out]!.length > 0 ? contiguousLoc(homeOf(outputNames[out]![0]!, out), out) : contiguousLoc(slot(bytesOf(out), i), out);
      }
    }
    if (node.op === 'concat' && locs[node.outputs[0]!] === undefined) {
      const out = node.outputs[0]!;
      locs[out] = outputNames[out]!.length > 0 ? contiguousLoc(homeOf(outputNames[out]![0]!, out), out) : contiguousLoc(slot(bytesOf(out), i), out);
    }
    for (const out of node.outputs) {
      if (locs[out] !== undefined) continue;
      const names = outputNames[out]!;
      if (names.length > 0) {
        locs[out] = contiguousLoc(homeOf(names[0]!, out), out);
        continue;
      }
      if (!placeable(out)) continue;
      const c = consumers[out]![0]!;
      const consumer = graph.nodes[c]!;
      if (consumer.op === 'concat' && consumer.inputs.filter((x) => x === out).length === 1) {
        const target = locs[consumer.outputs[0]!]!;
        const axis = normalizeAxis(consumer.attrs['axis'] as number, target.shape.length);
        let start = 0;
        for (const part of consumer.inputs) {
          if (part === out) break;
          start += shapes[part!]![axis]!;
        }
        locs[out] = withShape(target, shapes[out]!, target.strides, target.elemOffset + start * target.strides[axis]!);
        placedValues.add(out);
      } else if (consumer.op === 'transpose' && materialisedTransposes.has(c)) {
        const target = locs[consumer.outputs[0]!]!;
        const perm = consumer.attrs['perm'] as readonly number[];
        const strides = new Array<number>(perm.length);
        perm.forEach((p, j) => (strides[p] = target.strides[j]!));
        locs[out] = withShape(target, shapes[out]!, strides, target.elemOffset);
        placedValues.add(out);
      }
    }
  }

  // A fused product writes straight into its residual node's home (a graph output), unless that home
  // is an input's storage (donated): the product runs earlier than the residual node would have, and
  // the input may still be read between the two; then the pair is not fused.
  for (const [l, r] of residualOf) {
    const home = locs[graph.nodes[r]!.outputs[0]!];
    if (home === undefined) continue;
    if (home.storage.kind === 'bound' && home.storage.binding?.role === 'input') {
      residualOf.delete(l);
      fusedInto.delete(r);
      continue;
    }
    locs[graph.nodes[l]!.outputs[0]!] ??= home;
  }

  // A cache-write is done by qkv-bias-rope only in place: its output is its cache's storage (donated).
  for (const [q, pair] of cacheWritesOf) {
    pair.forEach((w, part) => {
      if (w === null) return;
      const out = locs[graph.nodes[w]!.outputs[0]!];
      const cache = locs[graph.nodes[w]!.inputs[0]!];
      if (out !== undefined && cache !== undefined && sameLocation(out, cache)) return;
      pair[part] = null;
      foldedCacheWrites.delete(w);
    });
    if (pair[0] === null && pair[1] === null) cacheWritesOf.delete(q);
  }

  // ---- forwards: views, slots, records ----
  const builder = new ProgramBuilder();
  let checksIndices = false;
  const touch = (loc: Loc, step: number) => {
    const s = loc.storage;
    if (s.kind !== 'arena') return;
    s.first = Math.min(s.first, step);
    s.last = Math.max(s.last, step);
  };
  // Slots made in the backwards pass start "unused" until something touches them.
  for (const s of storages) {
    s.first = Number.POSITIVE_INFINITY;
    s.last = Number.NEGATIVE_INFINITY;
  }

  for (let i = 0; i < n; i++) {
    const node = graph.nodes[i]!;
    builder.at(i);
    const ctx: StepContext = {
      backend: options.backend,
      step: i,
      node,
      options,
      input(k) {
        const id = node.inputs[k];
        if (id === null || id === undefined) return null;
        const loc = locs[id];
        if (!loc) throw new GlmError('backend', `${options.backend} planner: value "${graph.values[id]!.name}" used before it is defined`);
        touch(loc, i);
        return loc;
      },
      output(k) {
        const id = node.outputs[k]!;
        let loc = locs[id];
        if (!loc) loc = locs[id] = contiguousLoc(slot(bytesOf(id), i), id);
        touch(loc, i);
        return loc;
      },
      alias(k, view) {
        const id = node.outputs[k]!;
        const existing = locs[id];
        if (!existing) {
          locs[id] = view;
          touch(view, i);
          return;
        }
        touch(existing, i);
        touch(view, i);
        emitCopy(ctx, view, existing);
      },
      writtenByPlacement(k) {
        return k === 0 && materialisedTransposes.has(i);
      },
      fusedCacheWrites() {
        const pair = cacheWritesOf.get(i);
        if (!pair) return [null, null];
        return pair.map((w) => {
          if (w === null) return null;
          const [cache, update, offset] = graph.nodes[w]!.inputs as [number, number, number];
          const offsetLoc = locs[offset]!;
          touch(locs[cache]!, i);
          touch(offsetLoc, i);
          return { cache: locs[cache]!, offset: ctx.contiguous(offsetLoc), alsoOutput: consumers[update]!.length > 1 };
        });
      },
      fusedResidual() {
        const r = residualOf.get(i);
        if (r === undefined) return null;
        const residualNode = graph.nodes[r]!;
        const residual = locs[residualNode.inputs[0]!]!;
        touch(residual, i);
        return { residual: ctx.contiguous(residual), alpha: residualNode.attrs['alpha'] as number };
      },
      placedInput(k) {
        const id = node.inputs[k];
        return id !== null && id !== undefined && placedValues.has(id);
      },
      temp(dtype, shape) {
        const storage = slot(Math.ceil(countOf(shape) * elementBytes(dtype)), i);
        return { storage, elemOffset: 0, dtype, shape: [...shape], strides: rowMajorStrides(shape) };
      },
      scratch(bytes) {
        const storage = slot(alignUp(bytes, 16), i);
        return { storage, elemOffset: 0, dtype: 'i8', shape: [bytes], strides: [1] };
      },
      contiguous(loc) {
        if (isContiguous(loc)) return loc;
        const copy = ctx.temp(loc.dtype, loc.shape);
        emitCopy(ctx, loc, copy);
        return copy;
      },
      emit(op, args) {
        builder.emit(op, args);
      },
      noteIndexCheck() {
        checksIndices = true;
      },
      resolve(shape) {
        return resolveShape(shape, dims);
      },
    };
    if (foldedCacheWrites.has(i)) {
      // Its qkv-bias-rope wrote the update into the cache, which is this node's output (in place).
      touch(locs[node.outputs[0]!]!, i);
      continue;
    }
    const fusedProduct = fusedInto.get(i);
    if (fusedProduct !== undefined) {
      // Its linear already wrote a·alpha + branch: the output is the product's.
      const product = locs[graph.nodes[fusedProduct]!.outputs[0]!]!;
      const out = node.outputs[0]!;
      if (locs[out] === undefined) locs[out] = product;
      touch(product, i);
      if (locs[out] !== product) emitCopy(ctx, product, locs[out]!);
      continue;
    }
    const lower = LOWERINGS[node.op];
    if (!lower) throw new GlmError('unsupported', `${options.backend} has no lowering for op "${node.op}" (node "${node.name}")`);
    lower(ctx);
  }

  // Graph outputs not written in place (inputs passed through, views, a value bound twice): copy them.
  builder.at(n - 1);
  for (const o of graph.outputs) {
    const loc = locs[o.value];
    if (!loc) throw new GlmError('backend', `${options.backend} planner: output "${o.name}" has no value`);
    const home = homeOf(o.name, o.value);
    if (loc.storage === home && loc.elemOffset === 0 && isContiguous(loc)) continue;
    touch(loc, n);
    const finalCtx = { backend: options.backend, emit: (op: number, args: readonly Word[]) => builder.emit(op, args), noteIndexCheck() {} };
    emitCopy(finalCtx, loc, contiguousLoc(home, o.value));
  }

  const used = storages.filter((s) => s.first !== Number.POSITIVE_INFINITY);
  const arenaBytes = packArena(used);
  return { records: builder.records, arenaBytes, checksIndices };
}
