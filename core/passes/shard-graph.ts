/**
 * The sharding pass: a GLM graph (block, model or cache reorder; any cache form; float or quantized
 * weights) → the graph every one of N ranks runs (SPMD, as Megatron: the ranks run one graph on their
 * own slices of the weights), plus how each input is divided and each output put back together.
 *
 * The graph is replayed node by node into a new builder, so every rewritten node is type-checked again:
 * - weights take the shapes of their slices (shard-layout.ts);
 * - qkv-bias-rope gets heads/N; the reshape merging the heads gets hidden/N features;
 * - a row-parallel linear (attention dense, down-projection) becomes linear without bias → all-reduce
 *   → add bias, so the bias is added once to the sum and not N times;
 * - the embedding lookup becomes the vocabulary-parallel masked lookup: gather of the local rows at
 *   `tp_local_input_ids` → masked-fill 0 where `tp_vocab_mask` is 0 → all-reduce (the two inputs are
 *   derived from input_ids per rank by `vocabularyShardInputs`; the IR has no integer compare, so the
 *   derivation happens where input_ids are written);
 * - the tied (or untied) head gives each rank its block of the logits; the `logits` output is gathered
 *   along the vocabulary axis (concatenation in rank order). A device top-k over sharded logits would
 *   need a distributed top-k, which is not implemented: such a graph is refused with that reason.
 */
import { GlmError } from '../errors.js';
import { GraphBuilder, type Value } from '../ir/builder.js';
import type { AttrValue, Graph, GraphNode, ValueInfo } from '../ir/graph.js';
import type { Dim } from '../ir/dim.js';
import type { GlmConfig } from '../models/glm/config.js';
import { checkTensorParallel, glmShardRule, isRowParallelWeight, isVocabularyTable, type ParamShard, type ShardRule } from './shard-layout.js';

/** Inputs a sharded graph adds, derived per rank from `input_ids`. */
export const SHARD_INPUTS = {
  localInputIds: 'tp_local_input_ids',
  vocabMask: 'tp_vocab_mask',
} as const;

/** How a rank's input is made from the full one: the same tensor, or rank r's block along an axis. */
export type InputShard = { readonly kind: 'replicated' } | { readonly kind: 'split'; readonly axis: number } | { readonly kind: 'vocabulary-derived' };

/** How the full output is made from the ranks': rank 0's (all ranks hold the same), or concatenation along an axis. */
export type OutputShard = { readonly kind: 'replicated' } | { readonly kind: 'concat'; readonly axis: number };

export interface ShardedGraph {
  readonly worldSize: number;
  /** The graph each rank runs. */
  readonly graph: Graph;
  readonly inputs: Readonly<Record<string, InputShard>>;
  readonly params: Readonly<Record<string, ParamShard>>;
  readonly outputs: Readonly<Record<string, OutputShard>>;
}

/** KV-cache tensors are [batch, heads, positions, d]: split by heads like the attention. */
function isCacheTensor(name: string): boolean {
  return /^(past_key|past_value|present_key|present_value)\.\d+$/.test(name) || ['key', 'value', 'reordered_key', 'reordered_value'].includes(name);
}

function staticProduct(shape: readonly Dim[]): number {
  return shape.reduce<number>((p, d) => (typeof d === 'number' ? p * d : p), 1);
}

function dividedShape(info: ValueInfo, axis: number, worldSize: number): Dim[] {
  const shape = [...info.type.shape];
  const d = shape[axis];
  if (typeof d !== 'number' || d % worldSize !== 0) throw new GlmError('shape', `"${info.name}" [${shape}] cannot be split over ${worldSize} ranks along axis ${axis}`);
  shape[axis] = d / worldSize;
  return shape;
}

function paramShape(info: ValueInfo, shard: ParamShard, worldSize: number): Dim[] {
  if (shard.kind === 'replicated') return [...info.type.shape];
  return dividedShape(info, shard.kind === 'columns' ? 1 : 0, worldSize);
}

class ShardRewriter {
  readonly b: GraphBuilder;
  private readonly map = new Map<number, Value>();
  readonly inputs: Record<string, InputShard> = {};
  readonly params: Record<string, ParamShard> = {};
  private vocabularyInputs: { local: Value; mask: Value } | undefined;

  constructor(
    private readonly graph: Graph,
    private readonly c: GlmConfig,
    private readonly worldSize: number,
    private readonly rule: ShardRule,
  ) {
    this.b = new GraphBuilder(`${graph.name}-tp${worldSize}`);
  }

  run(): ShardedGraph {
    const g = this.graph;
    for (const id of g.inputs) this.addInput(g.values[id]!);
    for (const id of g.params) this.addParam(g.values[id]!);
    for (const node of g.nodes) this.replay(node);
    const outputs: Record<string, OutputShard> = {};
    for (const out of g.outputs) {
      this.b.output(out.name, this.value(out.value));
      outputs[out.name] = isCacheTensor(out.name) ? { kind: 'concat', axis: 1 } : out.name === 'logits' ? { kind: 'concat', axis: -1 } : { kind: 'replicated' };
    }
    return { worldSize: this.worldSize, graph: this.b.build(), inputs: this.inputs, params: this.params, outputs };
  }

  private value(id: number): Value {
    const v = this.map.get(id);
    if (!v) throw new Error(`sharding: value ${id} used before it is defined`);
    return v;
  }

  private addInput(info: ValueInfo): void {
    const split = isCacheTensor(info.name);
    const shape = split ? dividedShape(info, 1, this.worldSize) : [...info.type.shape];
    this.inputs[info.name] = split ? { kind: 'split', axis: 1 } : { kind: 'replicated' };
    this.map.set(info.id, this.b.input(info.name, info.type.dtype, shape));
  }

  private addParam(info: ValueInfo): void {
    const shard = this.rule(info.name, this.c);
    this.params[info.name] = shard;
    this.map.set(info.id, this.b.param(info.name, info.type.dtype, paramShape(info, shard, this.worldSize)));
  }

  private paramName(id: number | null): string | undefined {
    if (id === null) return undefined;
    const info = this.graph.values[id]!;
    return info.role === 'param' ? info.name : undefined;
  }

  private replay(node: GraphNode): void {
    const ins = node.inputs.map((i) => (i === null ? null : this.value(i)));
    const local = node.name; // the builder re-qualifies nothing: names are kept as they were
    let outs: Value[];
    const table = this.paramName(node.inputs[0] ?? null);
    if (node.op === 'gather' && table !== undefined && isVocabularyTable(table)) outs = [this.maskedLookup(ins[0]!, local)];
    else if (node.op === 'linear' && isRowParallelWeight(this.paramName(node.inputs[1] ?? null) ?? '')) outs = [this.rowParallelLinear(ins, local)];
    else if (node.op === 'qkv-bias-rope') outs = this.b.op(node.op, ins, { ...node.attrs, heads: (node.attrs['heads'] as number) / this.worldSize }, local);
    else if (node.op === 'reshape') outs = this.b.op(node.op, ins, { ...node.attrs, shape: this.reshapeTarget(node, ins[0]!) }, local);
    else outs = this.b.op(node.op, ins, { ...node.attrs } as Record<string, AttrValue>, local);
    node.outputs.forEach((id, k) => this.map.set(id, outs[k]!));
  }

  /** A reshape's target keeps the element count: a static dim shrinks by the factor its input shrank. */
  private reshapeTarget(node: GraphNode, input: Value): AttrValue {
    const target = [...(node.attrs['shape'] as readonly (number | string)[])];
    const before = staticProduct(this.graph.values[node.inputs[0]!]!.type.shape);
    const after = staticProduct(input.type.shape);
    if (before === after) return target;
    const last = target.map((d) => typeof d === 'number').lastIndexOf(true);
    const scaled = last < 0 ? NaN : ((target[last] as number) * after) / before;
    if (!Number.isInteger(scaled)) throw new GlmError('shape', `node "${node.name}": cannot shard reshape to [${target}]`);
    target[last] = scaled;
    return target;
  }

  /** x · W_rᵀ over this rank's input features, summed over ranks, then the bias once. */
  private rowParallelLinear([x, w, bias, scale]: (Value | null)[], name: string): Value {
    const partial = this.b.op1('linear', [x!, w!, null, scale ?? null], {}, name);
    const sum = this.b.op1('all-reduce', [partial], { worldSize: this.worldSize }, `${name}_all_reduce`);
    return bias ? this.b.op1('add', [sum, bias], {}, `${name}_bias`) : sum;
  }

  /** Vocabulary-parallel embedding: this rank's rows where the id is its own, zeros elsewhere, summed over ranks. */
  private maskedLookup(table: Value, name: string): Value {
    if (!this.vocabularyInputs) {
      const ids = this.graph.values.find((v) => v.name === 'input_ids' && v.role === 'input');
      if (!ids) throw new GlmError('shape', 'sharding: the embedding lookup needs the graph input "input_ids"');
      const shape = ids.type.shape;
      this.inputs[SHARD_INPUTS.localInputIds] = { kind: 'vocabulary-derived' };
      this.inputs[SHARD_INPUTS.vocabMask] = { kind: 'vocabulary-derived' };
      this.vocabularyInputs = {
        local: this.b.input(SHARD_INPUTS.localInputIds, 'i32', [...shape]),
        mask: this.b.input(SHARD_INPUTS.vocabMask, 'i8', [...shape, 1]),
      };
    }
    const rows = this.b.op1('gather', [table, this.vocabularyInputs.local], { axis: 0 }, name);
    const own = this.b.op1('masked-fill', [rows, this.vocabularyInputs.mask], { value: 0 }, `${name}_vocab_mask`);
    return this.b.op1('all-reduce', [own], { worldSize: this.worldSize }, `${name}_all_reduce`);
  }
}

/** Shard a GLM graph for N ranks (checked: N divides the heads, the FFN width and the padded vocabulary). */
export function shardGlmGraph(graph: Graph, c: GlmConfig, worldSize: number, rule: ShardRule = glmShardRule): ShardedGraph {
  checkTensorParallel(c, worldSize);
  const selection = graph.nodes.find((n) => n.op === 'top-k' || n.op === 'log-sum-exp');
  if (selection) {
    throw new GlmError('unsupported', `node "${selection.name}" (${selection.op}) would read vocabulary-sharded logits: a distributed top-k is not implemented; shard the graph without topK and gather the logits`);
  }
  return new ShardRewriter(graph, c, worldSize, rule).run();
}
