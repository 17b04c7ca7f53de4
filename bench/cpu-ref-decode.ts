/**
 * Benchmark (a script, not a test): decode speed on cpu-ref of the default model (glm-tiny) or of
 * tiny-random. Prefills a short prompt, then decodes greedily; reports the median of 5 runs as tokens/s.
 * Usage: node dist/bench/cpu-ref-decode.js [--model default|tiny-random] [--tokens N] [--dtype f32|f16|bf16]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { plugin } from '../backends/cpu-ref/index.js';
import { defaultModel, tinyRandomModel } from '../core/models/glm/load-model.js';
import { ModelSession } from '../core/session/session.js';
import { argmax } from '../core/generate/logits-math.js';
import type { DType } from '../core/tensor/dtype.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'default' }, tokens: { type: 'string', default: '128' }, dtype: { type: 'string', default: 'f32' } } });
const tokens = Number(values.tokens);
const dtype = values.dtype as DType;
const model = values.model === 'tiny-random' ? tinyRandomModel(dtype) : await defaultModel(dtype);
const prompt = model.tokenizer.encode('The quick brown [MASK] jumps.');
prompt.push(model.tokenizer.special.sop);
// The KV cache sized for the run, as `glm run` sizes it by --out-seq-length.
const cacheCapacity = prompt.length + tokens;
const session = await ModelSession.open(await plugin.open(), model.config, model.weights, { dtype, cacheCapacity });

async function once(): Promise<number> {
  let [logits] = await session.prefill([{ tokens: prompt, positions: prompt.map((_, i) => i), contextLength: prompt.length - 1 }]);
  const started = performance.now();
  for (let i = 0; i < tokens; i++) {
    const next = argmax(logits!.subarray(0, model.config.vocabSize));
    [logits] = await session.decode({ tokens: [next], positions: [prompt.length - 1 + i + 1], parents: [0] });
  }
  return tokens / ((performance.now() - started) / 1000);
}

await once(); // warm-up: JIT and decode tables
const rates: number[] = [];
for (let r = 0; r < 5; r++) rates.push(await once());
rates.sort((a, b) => a - b);
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(JSON.stringify({
  bench: `cpu-ref decode, model ${model.config.name}`,
  date: new Date().toISOString().slice(0, 10),
  machine: `${cpus().length} × ${cpu}`,
  node: process.version,
  dtype,
  promptTokens: prompt.length,
  decodedTokens: tokens,
  tokensPerSecondMedian: Number(rates[2]!.toFixed(1)),
  tokensPerSecondRuns: rates.map((r) => Number(r.toFixed(1))),
}));
await session.close();
