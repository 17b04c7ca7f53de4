/** Test helper: the logits of a model folder on cpu-ref for the inputs of tests/fixtures/checkpoints/expected.json. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import plugin from '../../backends/cpu-ref/index.js';
import { runGraph } from '../../core/execute/run-graph.js';
import { headDim, type GlmConfig } from '../../core/models/glm/config.js';
import { buildGlmModelGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import type { LoadedModel } from '../../core/models/glm/load-model.js';
import { hostTensor, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'checkpoints');

export interface ExpectedModel {
  config: Record<string, unknown>;
  inputs: { input_ids: number[][]; position_ids: number[][]; block_position_ids: number[][]; context_lengths: number[] };
  logits: number[][][];
}

export const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { torch: string; models: Record<'sat' | 'chatglm', ExpectedModel> };

const i32 = (rows: number[][]) => hostTensor('i32', [rows.length, rows[0]!.length], Int32Array.from(rows.flat()));

export async function cpuRefLogits(model: LoadedModel, e: ExpectedModel): Promise<Float64Array> {
  const c: GlmConfig = model.config;
  const batch = e.inputs.input_ids.length;
  const host: Record<string, HostTensor> = {
    ...Object.fromEntries(model.weights),
    [GLM_INPUTS.inputIds]: i32(e.inputs.input_ids),
    [GLM_INPUTS.positions]: i32(e.inputs.position_ids),
    [GLM_INPUTS.contextLengths]: hostTensor('i32', [batch], Int32Array.from(e.inputs.context_lengths)),
    [GLM_INPUTS.cacheIndex]: hostTensor('i32', [batch], Int32Array.from(e.inputs.context_lengths.map((_, i) => i))),
  };
  if (c.rotary === '2d') host[GLM_INPUTS.blockPositions] = i32(e.inputs.block_position_ids);
  for (let layer = 0; layer < c.numLayers; layer++) {
    host[GLM_INPUTS.pastKey(layer)] = hostTensor('f32', [batch, c.numHeads, 0, headDim(c)]);
    host[GLM_INPUTS.pastValue(layer)] = hostTensor('f32', [batch, c.numHeads, 0, headDim(c)]);
  }
  const backend = await plugin.open();
  try {
    const graph = buildGlmModelGraph(c, { dtype: 'f32', logits: 'all', ...(model.quantization === 'none' ? {} : { quantization: model.quantization }) });
    const out = await runGraph(backend, graph, host);
    return toFloat64(out[GLM_OUTPUTS.logits]!);
  } finally {
    await backend.close();
  }
}

/** ‖ours − expected‖ / ‖expected‖ over all logits. */
export function relativeError(ours: ArrayLike<number>, expected: number[][][]): number {
  const want = expected.flat(2);
  if (ours.length !== want.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < want.length; i++) {
    diff += (ours[i]! - want[i]!) ** 2;
    norm += want[i]! ** 2;
  }
  return Math.sqrt(diff / norm);
}
