/**
 * Benchmark and end-to-end check (not a test): generate a fixed number of tokens with the default
 * model on a backend, through the session and the generation loop `glm run` uses, with no end token
 * so every run makes exactly --tokens tokens.
 *
 * For each head — 'top' (the device selects the candidates; greedy and top-k read back k values per
 * row) and 'full' (every logit read back) — it reports tokens/s of the decode loop and, where the
 * backend counts them (cuda), host waits per token and CUDA Graph replays. With --check it also runs
 * cpu-ref and reports whether the generated tokens are identical.
 *
 *   node dist/bench/decode-loop.js --backend cuda [--dtype f16] [--tokens 200] [--top-k 1] [--top-p 0] [--check] [--out f.json]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BaseStrategy } from '../core/generate/base-strategy.js';
import type { DecodingModel } from '../core/generate/decoding-model.js';
import { generateSpan } from '../core/generate/generate-span.js';
import { buildBlankInput, positionRule, prepareContext } from '../core/generate/glm-inputs.js';
import { Rng } from '../core/random/rng.js';
import { defaultModel } from '../core/models/glm/load-model.js';
import { openBackend } from '../backends/registry.js';
import { ModelSession } from '../core/session/session.js';
import type { DType } from '../core/tensor/dtype.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string' },
    dtype: { type: 'string' },
    tokens: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    check: { type: 'boolean' },
    out: { type: 'string' },
  },
});
const backendName = args.backend ?? 'cuda';
const dtype = (args.dtype ?? 'f16') as DType;
const tokens = Number(args.tokens ?? 200);
const topK = Number(args['top-k'] ?? 1);
const topP = Number(args['top-p'] ?? 0);

/** Counters some backends keep about step runs (cuda's native stepStats). */
type StepCounters = { captures: number; replays: number; direct: number; syncs: number; lastCaptureError: string };

async function generate(name: string, head: 'top' | 'full') {
  const model = await defaultModel(dtype);
  const { backend, probe } = await openBackend(name);
  const capacity = 64 + tokens;
  const session = await ModelSession.open(backend, model.config, model.weights, { dtype, quantization: model.quantization, cacheCapacity: capacity });
  const special = model.tokenizer.special;
  const context = prepareContext(model.tokenizer.encode('The capital of France is [gMASK]'), special);
  const at = context.indexOf(special.gmask);
  const row = buildBlankInput(context, at, special, { rotary: model.config.rotary });
  const rule = positionRule(context, at, special, model.config.rotary);
  // 'full': hide the session's top path from the loop, so every logit is read back.
  const decoding: DecodingModel =
    head === 'top' ? session : { vocabSize: session.vocabSize, prefill: (r) => session.prefill(r), decode: (s) => session.decode(s) };
  const stats = (): StepCounters | undefined => (backend as { native?: { stepStats?: () => StepCounters } }).native?.stepStats?.();

  const run = async () => {
    const strategy = new BaseStrategy({ topK, topP, endTokens: [], rng: new Rng(1234) });
    const started = performance.now();
    const result = await generateSpan(decoding, row, rule, strategy, { outSeqLength: row.tokens.length + tokens });
    return { span: result.spans[0]!, seconds: (performance.now() - started) / 1000 };
  };
  await run(); // warm-up: compiles, allocates, records the step
  const before = stats();
  const timed = await run();
  const after = stats();
  const usage = backend.memory.usage?.();
  await session.close();
  await backend.close();
  const steps = timed.span.length;
  return {
    backend: name,
    device: backend.device,
    execution: probe.execution,
    head,
    tokens: timed.span,
    seconds: timed.seconds,
    tokensPerSecond: steps / timed.seconds,
    ...(before && after
      ? {
          syncsPerToken: (after.syncs - before.syncs) / steps,
          graphReplays: after.replays - before.replays,
          graphCaptures: after.captures - before.captures,
          directRuns: after.direct - before.direct,
          lastCaptureError: after.lastCaptureError,
        }
      : {}),
    ...(usage ? { peakDeviceBytes: usage.peakBytes } : {}),
  };
}

async function main(): Promise<void> {
  const results = [await generate(backendName, 'top'), await generate(backendName, 'full')];
  if (args.check) results.push(await generate('cpu-ref', 'full'));
  for (const r of results) {
    const extra = r.syncsPerToken === undefined ? '' : `, ${r.syncsPerToken.toFixed(2)} host waits/token, ${r.graphReplays} graph replays, ${r.directRuns} direct runs`;
    console.log(`${r.backend} [${r.head}] ${r.execution}: ${r.tokens.length} tokens in ${r.seconds.toFixed(3)} s = ${r.tokensPerSecond.toFixed(1)} tokens/s${extra}`);
  }
  const reference = results[results.length - 1]!.tokens.join(',');
  const identical = results.map((r) => r.tokens.join(',') === reference);
  console.log(`identical tokens: ${results.map((r, i) => `${r.backend}/${r.head} ${identical[i] ? 'yes' : 'NO'}`).join(', ')}`);
  if (args.out) writeFileSync(args.out, JSON.stringify({ date: new Date().toISOString(), dtype, topK, topP, results }, null, 1) + '\n');
  if (identical.includes(false)) process.exit(2);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
