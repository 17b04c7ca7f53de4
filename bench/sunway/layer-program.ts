/**
 * One GLM layer as the sunway backend runs it, without the session: the block graph (GLM-130B's shape
 * or a narrower one) lowered with the Sunway claims, planned by the Sunway PlanTarget for a case
 * (prefill, or a decode step over a cache), its tensors bound and its launch program resolved. Tensors
 * are real host memory the kernels run on (`real`), or — for GLM-130B's full width, which the emulator
 * is not asked to run — addresses nothing reads, except the small i32 inputs the launchers size their
 * work by (the attended length), which are always real.
 */
import { bindGraphShapes, type DimBindings, type Graph } from '../../core/backend-api/plugin-api.js';
import { headDim, type GlmConfig } from '../../core/models/glm/config.js';
import { buildGlmBlockGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import { lowerForBackend, requireRunnable } from '../../core/passes/decompose.js';
import { sunwayClaims } from '../../backends/sunway/capabilities.js';
import { planSunwayGraph } from '../../backends/sunway/sunway-target.js';
import type { ChipName } from '../../backends/sunway/chip.js';
import type { DType } from '../../core/tensor/dtype.js';
import { dtypeCode } from '../../backends/sunway/launch-codes.js';
import type { SunwayAddon } from '../../backends/sunway/sunway-addon.js';
import { ProgramBuilder } from '../../backends/program/program-builder.js';
import { countOf, elementBytes, type Storage } from '../../backends/program/locations.js';

export interface LayerCase {
  readonly name: string;
  readonly batch: number;
  readonly seq: number;
  readonly past: number;
  readonly context: number;
}

export interface LayerProgram {
  readonly program: Float64Array;
  /** Addresses to free (the real allocations). */
  readonly owned: number[];
  /** The graph node (name, op) of each record, in order. */
  readonly nodes: { name: string; op: string }[];
}

/** Above this a tensor of a full-width layer gets a placeholder address (nothing reads it in a dry run). */
const REAL_LIMIT = 1 << 16;
const PLACEHOLDER_BASE = 2 ** 44;

/** The storage dtype and the chip a layer is planned for: GLM-130B's fp16 on SW26010-Pro by default. */
export interface LayerTarget {
  readonly dtype: DType;
  readonly chip: ChipName;
}
export const GLM_130B_ON_PRO: LayerTarget = { dtype: 'f16', chip: 'SW26010-Pro' };

function layerGraph(c: GlmConfig, k: LayerCase, t: LayerTarget): Graph {
  const graph = buildGlmBlockGraph(c, 0, { dtype: t.dtype, quantization: 'none', cache: k.past === 0 ? 'in-place-start' : 'in-place-extend' });
  const lowered = lowerForBackend(graph, (view) => sunwayClaims(view, 'sunway', t.chip));
  requireRunnable(lowered, 'sunway');
  return lowered.graph;
}

function caseDims(graph: Graph, c: GlmConfig, k: LayerCase): DimBindings {
  const shapes: Record<string, readonly number[]> = {};
  for (const id of graph.params) shapes[graph.values[id]!.name] = graph.values[id]!.type.shape as number[];
  shapes[GLM_OUTPUTS.hidden] = [k.batch, k.seq, c.hiddenSize];
  for (const name of [GLM_INPUTS.positions, GLM_INPUTS.blockPositions]) shapes[name] = [k.batch, k.seq];
  shapes[GLM_INPUTS.contextLengths] = [k.batch];
  shapes[GLM_INPUTS.cacheOffset] = shapes[GLM_INPUTS.kvLength] = [1];
  shapes[GLM_INPUTS.pastKey(0)] = shapes[GLM_INPUTS.pastValue(0)] = [k.batch, c.numHeads, k.past + k.seq, headDim(c)];
  return bindGraphShapes(graph, shapes);
}

/** The i32 inputs' values, as the session writes them. */
function i32Values(k: LayerCase): Record<string, number[]> {
  return {
    [GLM_INPUTS.positions]: Array.from({ length: k.batch * k.seq }, (_, i) => k.past + (i % k.seq)),
    [GLM_INPUTS.contextLengths]: new Array<number>(k.batch).fill(k.context),
    [GLM_INPUTS.cacheOffset]: [k.past],
    [GLM_INPUTS.kvLength]: [k.past + k.seq],
  };
}

/** Binds every tensor (allocated and filled, or a placeholder) and resolves the plan's program. */
export function layerProgram(native: SunwayAddon, c: GlmConfig, k: LayerCase, real: boolean, t: LayerTarget = GLM_130B_ON_PRO): LayerProgram {
  const graph = layerGraph(c, k, t);
  const dims = caseDims(graph, c, k);
  const donations = new Map([[GLM_OUTPUTS.presentKey(0), GLM_INPUTS.pastKey(0)], [GLM_OUTPUTS.presentValue(0), GLM_INPUTS.pastValue(0)]]);
  const plan = planSunwayGraph(graph, dims, () => 256, { backend: 'sunway', chip: t.chip }, donations);
  const owned: number[] = [];
  const addresses = new Map<string, number>();
  const ints = i32Values(k);
  let placeholder = PLACEHOLDER_BASE;
  const bind = (role: string, id: number, name: string) => {
    const t = graph.values[id]!.type;
    const bytes = Math.ceil(countOf(t.shape.map((d) => (typeof d === 'number' ? d : (dims[d as string] ?? 1)))) * elementBytes(t.dtype));
    if (!real && bytes > REAL_LIMIT && !ints[name]) {
      addresses.set(`${role}:${name}`, placeholder);
      placeholder += Math.ceil(bytes / 256 + 1) * 256;
      return;
    }
    const address = native.allocate(Math.max(bytes, 4));
    owned.push(address);
    if (ints[name]) native.write(address, new Uint8Array(Int32Array.from(ints[name]!).buffer));
    else if (t.dtype === 'f16' || t.dtype === 'f32') native.fillRandom(address, bytes / elementBytes(t.dtype), dtypeCode(t.dtype), -1, 1, owned.length);
    else native.fill(address, 0, bytes);
    addresses.set(`${role}:${name}`, address);
  };
  for (const id of [...graph.inputs, ...graph.params]) bind('input', id, graph.values[id]!.name);
  for (const out of graph.outputs) if (!donations.has(out.name)) bind('output', out.value, out.name);
  for (const [output, input] of donations) addresses.set(`output:${output}`, addresses.get(`input:${input}`)!);
  const arena = real ? native.allocate(Math.max(plan.arenaBytes, 256)) : placeholder;
  if (real) owned.push(arena);
  const address = (s: Storage) => addresses.get(`${s.binding!.role}:${s.binding!.name}`)!;
  const program = ProgramBuilder.resolve(plan.records, address, arena);
  const nodes = plan.records.map((r) => ({ name: graph.nodes[r.tag]?.name ?? '?', op: graph.nodes[r.tag]?.op ?? '?' }));
  return { program, owned, nodes };
}
