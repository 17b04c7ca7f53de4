/**
 * Benchmark (a script, not a test): the CANN calls of one steady-state decode step of the default
 * model (glm-tiny) on the ascend backend, by kind, per layer and per token; the SoC is the one opened
 * (on the emulator: GLM_ASCEND_EMU_SOC). Prefills a short prompt, decodes greedily with the device's
 * top-k (k = 1), and reads the device's counts of the last step (AscendDevice.stats()).
 * Usage: node dist/bench/ascend/decode-calls.js [--dtype f32|f16|bf16] [--tokens N]
 */
import { parseArgs } from 'node:util';
import type { ExecutionPlan } from '../../core/backend-api/plugin-api.js';
import { plugin } from '../../backends/ascend/index.js';
import { CALL_KINDS, type CallCounts } from '../../backends/ascend/device/call-counter.js';
import { defaultModel } from '../../core/models/glm/load-model.js';
import { ModelSession } from '../../core/session/session.js';
import type { DType } from '../../core/tensor/dtype.js';

const { values } = parseArgs({ options: { dtype: { type: 'string', default: 'f16' }, tokens: { type: 'string', default: '8' } } });
const dtype = values.dtype as DType;
const steps = Number(values.tokens);
const model = await defaultModel(dtype);
const backend = await plugin.open();
const prompt = model.tokenizer.encode('The capital of France is [MASK].');
prompt.push(model.tokenizer.special.sop);
const session = await ModelSession.open(backend, model.config, model.weights, { dtype, cacheCapacity: prompt.length + steps + 1 });

let top = await session.prefillTop([{ tokens: prompt, positions: prompt.map((_, i) => i), contextLength: prompt.length - 1 }], 1);
const prefill = backend.native.stats().lastRun;
const perStep: CallCounts[] = [];
let started = 0;
for (let i = 0; i < steps; i++) {
  if (i === 1) started = performance.now();
  const next = top.rows[0]!.ids[0]!;
  top = await session.decodeTop({ tokens: [next], positions: [prompt.length + i], parents: [0] }, 1);
  perStep.push(backend.native.stats().lastRun);
}
const msPerToken = (performance.now() - started) / Math.max(1, steps - 1);

// The decode graph as compiled (tags are its node indices): calls grouped by layer.
const compiled = (session as unknown as { compiled: Map<string, { plan: ExecutionPlan }> }).compiled.get('in-place-extend/1')!;
const byLayer = new Map<string, number>();
for (const [tag, calls] of backend.native.stats().lastRunByTag) {
  const name = compiled.plan.graph.nodes[tag]?.name ?? '(outputs)';
  const layer = /^layers\.(\d+)\./.exec(name)?.[0]?.slice(0, -1) ?? 'outside layers';
  byLayer.set(layer, (byLayer.get(layer) ?? 0) + calls);
}
const total = (c: CallCounts) => CALL_KINDS.reduce((s, k) => s + c[k], 0);
const last = perStep[perStep.length - 1]!;
console.log(JSON.stringify({
  bench: 'ascend decode step: CANN calls',
  device: backend.device,
  execution: backend.execution,
  model: model.config.name,
  layers: model.config.numLayers,
  dtype,
  prefill: { ...prefill, total: total(prefill) },
  firstDecodeStep: { ...perStep[0]!, total: total(perStep[0]!) },
  steadyDecodeStep: { ...last, total: total(last) },
  perLayer: Object.fromEntries(byLayer),
  hostMsPerTokenOnEmulator: Number(msPerToken.toFixed(2)),
}, null, 1));
await session.close();
await backend.close();
