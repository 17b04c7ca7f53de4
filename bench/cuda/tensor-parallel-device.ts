/**
 * Tensor parallelism through NCCL on the GPU machine, with the ranks it has. The cuda backend's
 * openRanks(1) (NCCL with one rank: every all-reduce of the sharded graph is an ncclAllReduce on the
 * device's stream; the rank's calls select its device context), a TensorParallelSession on it, greedy
 * and f16 blank filling on the tensor-parallel test model; its text against the unsharded model on
 * cpu-ref and on cuda alone, the CUDA Graph captures and replays of the decode steps (the collective
 * inside them), and the wall time of both fills. Then every N of 2, 4, 8 the machine has GPUs for
 * (a context per GPU, the ranks' all-reduces grouped, uncaptured): the same text check; and the first N
 * above the GPU count, which must be refused naming both. A check script for the device, not a test.
 * Writes JSON to $OUT (or prints it), as the file named by the first argument if one is given.
 *   node dist/bench/cuda/tensor-parallel-device.js [file-name]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plugin as cuda } from '../../backends/cuda/index.js';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import type { Backend } from '../../core/backend-api/plugin-contract.js';
import type { DecodingModel } from '../../core/generate/decoding-model.js';
import { fillBlanks, type StrategyOptions } from '../../core/generate/fill-blanks.js';
import { ByteTokenizer } from '../../core/io/byte-tokenizer.js';
import { ModelSession } from '../../core/session/session.js';
import { TensorParallelSession } from '../../core/session/tensor-parallel-session.js';
import { TP_GLM } from '../../conformance/cases/tensor-parallel/configs.js';
import { BLOCK_SETUPS, blockCheck, modelCheck, tpWeights } from '../../conformance/cases/tensor-parallel/graph-cases.js';
import { checkSharded } from '../../conformance/cases/tensor-parallel/sharded-check.js';

const GREEDY: StrategyOptions = { kind: 'sampling', topK: 1, topP: 0, temperature: 1, seed: 1 };
const OUT_LENGTH = 96;
/** Timed fills of each session, after one warm-up. */
const FILLS = 5;
const weights = tpWeights(TP_GLM, 'f16', 'none', 'device-tp1');

interface StepStats {
  captures: number;
  replays: number;
  direct: number;
}
const stepStats = (b: Backend): StepStats => (b as unknown as { native: { stepStats(): StepStats } }).native.stepStats();
const stepsBetween = (before: StepStats, after: StepStats): StepStats => ({
  captures: after.captures - before.captures,
  replays: after.replays - before.replays,
  direct: after.direct - before.direct,
});

/** Fills the blank `FILLS` times (after one warm-up fill: plans, captures): the text, the median wall time and the steps taken. */
async function timedFills(model: DecodingModel, stepsOf: Backend): Promise<{ text: string; fillMs: number; steps: StepStats }> {
  await fill(model);
  const before = stepStats(stepsOf);
  const runs: { text: string; fillMs: number }[] = [];
  for (let i = 0; i < FILLS; i++) runs.push(await fill(model));
  const times = runs.map((r) => r.fillMs).sort((a, b) => a - b);
  return { text: runs[0]!.text, fillMs: times[Math.floor(times.length / 2)]!, steps: stepsBetween(before, stepStats(stepsOf)) };
}

async function fill(model: DecodingModel): Promise<{ text: string; fillMs: number }> {
  const started = performance.now();
  const r = await fillBlanks(model, new ByteTokenizer(), 'The cat sat on the [MASK].', { outSeqLength: OUT_LENGTH, strategy: GREEDY, rotary: TP_GLM.rotary });
  const text = r.beams[0]!.text;
  return { text, fillMs: performance.now() - started };
}

/** The conformance group's block and model checks at N = 1: the sharded graph through NCCL against the unsharded one on cpu-ref. */
async function graphChecks(backend: Backend): Promise<Record<string, string>> {
  const outcomes: Record<string, string> = {};
  for (const dtype of ['f32', 'f16'] as const) {
    const checks = [
      ...BLOCK_SETUPS.map((s) => [`block/${dtype}/${s.label}`, () => blockCheck(TP_GLM, 1, dtype, 'none', s, `device-tp1-${s.label}`)] as const),
      [`model/${dtype}/logits-prompt`, () => modelCheck(TP_GLM, 1, dtype, 'none', 'device-tp1-model')] as const,
    ];
    for (const [id, make] of checks) {
      try {
        await checkSharded(backend, make());
        outcomes[id] = 'pass';
      } catch (e) {
        outcomes[id] = `FAIL: ${(e as Error).message}`;
      }
    }
  }
  return outcomes;
}

/** TP N on N GPUs (N > 1: one context per GPU, the all-reduces grouped): its text, or why it failed. */
async function severalGpus(single: Backend, n: number, options: { dtype: 'f16'; cacheCapacity: number }): Promise<string> {
  try {
    const ranks = await single.openRanks!(n);
    const tp = await TensorParallelSession.open(ranks, TP_GLM, weights, options);
    try {
      return (await fill(tp)).text;
    } finally {
      await tp.close();
    }
  } catch (e) {
    return `FAIL: ${(e as Error).message}`;
  }
}

/** The message openRanks(n) is refused with, or that it was not. */
async function refusal(single: Backend, n: number): Promise<string> {
  try {
    const ranks = await single.openRanks!(n);
    for (const r of ranks) await r.close();
    return `NOT REFUSED: ${n} ranks opened`;
  } catch (e) {
    return (e as Error).message;
  }
}

async function main(): Promise<void> {
  const options = { dtype: 'f16' as const, cacheCapacity: OUT_LENGTH };
  const oracle = await ModelSession.open(await cpuRef.open(), TP_GLM, weights, options);
  const reference = await fill(oracle);
  await oracle.close();

  const single = await cuda.open();
  const alone = await ModelSession.open(single, TP_GLM, weights, options);
  const plain = await timedFills(alone, single);
  await alone.close();

  const graphs = await graphChecks(single);
  const ranks = await single.openRanks!(1);
  const tp = await TensorParallelSession.open(ranks, TP_GLM, weights, options);
  const allReduces = tp.plan.graph.nodes.filter((n) => n.op === 'all-reduce').length;
  const sharded = await timedFills(tp, ranks[0]!);
  await tp.close();

  // An addon of before device contexts (GLM_CUDA_ADDON naming one, for an A/B) has no deviceCount: one GPU.
  const counter = (single as unknown as { native: { deviceCount?(): number } }).native;
  const gpus = counter.deviceCount ? counter.deviceCount() : 1;
  const several: Record<string, string> = {};
  for (const n of [2, 4, 8].filter((k) => k <= gpus)) {
    const text = await severalGpus(single, n, options);
    several[`tp${n}`] = text === reference.text ? 'same text as cpu-ref' : `DIFFERS: ${text}`;
  }
  const aboveCount = [2, 4, 8, 16].find((k) => k > gpus)!;
  const refused = await refusal(single, aboveCount);
  await single.close();

  const result = {
    device: ranks[0]!.device,
    execution: ranks[0]!.execution,
    allReducesPerDecodeGraph: allReduces,
    gpus,
    graphChecksTp1: graphs,
    severalGpus: several,
    [`refusedTp${aboveCount}`]: refused,
    // The decode steps of the timed fills: captured into a CUDA Graph and replayed, or run directly.
    steps: { cudaAlone: plain.steps, cudaTp1Nccl: sharded.steps },
    text: { cpuRef: reference.text, cudaAlone: plain.text, cudaTp1Nccl: sharded.text },
    sameAsCpuRef: sharded.text === reference.text,
    sameAsCudaAlone: sharded.text === plain.text,
    // Wall time of one whole fill (host work included; the median of FILLS), not a per-token time.
    fillMs: { cudaAlone: plain.fillMs, cudaTp1Nccl: sharded.fillMs },
    addon: process.env['GLM_CUDA_ADDON'] ?? 'the default build',
  };
  const text = JSON.stringify(result, null, 1);
  console.log(text);
  if (process.env['OUT']) writeFileSync(join(process.env['OUT'], process.argv[2] ?? 'tensor-parallel-device.json'), text + '\n');
}

await main();
