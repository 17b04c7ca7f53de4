/**
 * What `glm export --backend sunway` plans: the model's prefill and decode graphs (the session's: logits
 * of the last position, an in-place KV cache, the device's top-1), lowered with the Sunway family's
 * claims and planned for the prompt's length by the Sunway PlanTarget, exactly as the backend would plan
 * them at run time — but without a device, into relocatable plan files (backends/sunway/export).
 */
import { bindGraphShapes, type DimBindings, type Graph } from '../core/backend-api/plugin-api.js';
import { headDim, kvHeads, type GlmConfig } from '../core/models/glm/config.js';
import { buildGlmModelGraph, GLM_INPUTS, GLM_OUTPUTS } from '../core/models/glm/graphs.js';
import type { WeightQuantization } from '../core/models/glm/weights-layout.js';
import { lowerForBackend, requireRunnable } from '../core/passes/decompose.js';
import { validateGraph } from '../core/passes/validate.js';
import type { DType } from '../core/tensor/dtype.js';
import { sunwayClaims } from '../backends/sunway/capabilities.js';
import type { ChipName } from '../backends/sunway/chip.js';
import { planFileText } from '../backends/sunway/export/plan-file.js';
import { planSunwayGraph } from '../backends/sunway/sunway-target.js';

export interface ExportShape {
  readonly config: GlmConfig;
  readonly dtype: DType;
  readonly quantization: WeightQuantization;
  readonly chip: ChipName;
  /** Tokens of the prefill row (context + [sop]). */
  readonly promptLength: number;
  /** The KV cache's capacity: the generation's out-seq-length, as the session sizes it. */
  readonly capacity: number;
}

/** The graph of one call form, lowered for Sunway on `chip` (strict: a node it cannot run is an error). */
function loweredGraph(s: ExportShape, cache: 'in-place-start' | 'in-place-extend'): Graph {
  const graph = buildGlmModelGraph(s.config, { dtype: s.dtype, quantization: s.quantization, logits: 'last', cache, topK: 1 });
  validateGraph(graph);
  const lowered = lowerForBackend(graph, (view) => sunwayClaims(view, 'sunway', s.chip));
  requireRunnable(lowered, 'sunway');
  return lowered.graph;
}

/** Shapes of every input and param for `seq` new tokens of batch 1, as the session binds them. */
function bindShapes(graph: Graph, s: ExportShape, seq: number): DimBindings {
  const c = s.config;
  const shapes: Record<string, readonly number[]> = {};
  for (const id of graph.params) shapes[graph.values[id]!.name] = graph.values[id]!.type.shape as number[];
  for (const name of [GLM_INPUTS.inputIds, GLM_INPUTS.positions, GLM_INPUTS.blockPositions]) shapes[name] = [1, seq];
  for (const name of [GLM_INPUTS.contextLengths, GLM_INPUTS.cacheOffset, GLM_INPUTS.kvLength]) shapes[name] = [1];
  for (let l = 0; l < c.numLayers; l++) {
    // The cache holds the KV heads (all heads but for grouped-query attention).
    shapes[GLM_INPUTS.pastKey(l)] = shapes[GLM_INPUTS.pastValue(l)] = [1, kvHeads(c), s.capacity, headDim(c)];
  }
  return bindGraphShapes(graph, shapes);
}

/** The cache is donated, as the session binds it: each layer's present tensors are its past ones. */
function cacheDonations(c: GlmConfig): Map<string, string> {
  const donations = new Map<string, string>();
  for (let l = 0; l < c.numLayers; l++) {
    donations.set(GLM_OUTPUTS.presentKey(l), GLM_INPUTS.pastKey(l));
    donations.set(GLM_OUTPUTS.presentValue(l), GLM_INPUTS.pastValue(l));
  }
  return donations;
}

/** A plan file of one call form; bound tensors are assumed 256-byte aligned (generate.c allocates them so). */
function planText(s: ExportShape, cache: 'in-place-start' | 'in-place-extend', seq: number): { text: string; graph: Graph } {
  const graph = loweredGraph(s, cache);
  const dims = bindShapes(graph, s, seq);
  const donations = cacheDonations(s.config);
  const plan = planSunwayGraph(graph, dims, () => 256, { backend: 'sunway', chip: s.chip }, donations);
  return { text: planFileText(graph, dims, plan, donations), graph };
}

/** The prefill plan (the prompt's length) and the decode plan (one token), and the weights they read. */
export function exportPlans(s: ExportShape): { prefill: string; decode: string; params: string[] } {
  const prefill = planText(s, 'in-place-start', s.promptLength);
  const decode = planText(s, 'in-place-extend', 1);
  const params = [...new Set([prefill.graph, decode.graph].flatMap((g) => g.params.map((id) => g.values[id]!.name)))];
  return { prefill: prefill.text, decode: decode.text, params };
}
