/**
 * Benchmark (not a test): one GLM-130B-shaped layer on the cuda backend — the SDK's own block graph
 * with random weights made on the device, bound as the session binds it (bench/gpu-layer.ts) — in fp16
 * for a 2048-token prefill and decode steps of batch 1 and 16 over a 2048-token cache, and with INT4
 * and INT8 weights (weight-only, per-row fp16 scales) for decode steps of batch 1 and 16 over that cache. Decode runs as
 * the session's step (runStep, repeated: replayed from a CUDA Graph); variant 'no-graph' launches
 * record by record. Timed with CUDA events after a 5 s rest and warm-up; the median of the repeats.
 * Also the two ceilings through the addon (a 1 GiB device copy, an 8192³ fp16 cuBLASLt GEMM), and,
 * given the PyTorch peer's report from the same machine (bench/cuda/torch_peer.py), the comparison.
 *
 *   node dist/bench/cuda/glm-layer.js [--reps 20] [--variants default,no-graph,cublaslt-decode,gemv16,fused-attention]
 *                                     [--cases decode-b16-cache2048,...] [--peer torch.json] [--out cuda-bench.json] [--smoke]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compileFor } from '../../core/execute/compile.js';
import { freeTensor } from '../../core/backend-api/device-tensors.js';
import { plugin, type CudaBackend } from '../../backends/cuda/index.js';
import { GEMM_PATH } from '../../backends/simt/launch-codes.js';
import type { SimtPlanOptions } from '../../backends/simt/plan-options.js';
import { caseBindings, floorOf, layerCases, layerConfig, layerModels, measureCeilings, sustainedGemmRate, timeRuns, type Floor } from '../gpu-layer.js';

const { values: args } = parseArgs({
  options: { reps: { type: 'string' }, peer: { type: 'string' }, out: { type: 'string' }, variants: { type: 'string' }, cases: { type: 'string' }, smoke: { type: 'boolean' } },
});
const reps = Number(args.reps ?? 20);
const smoke = args.smoke ?? false;
const c = layerConfig(smoke);
const CASES = layerCases(smoke).filter((k) => args.cases === undefined || args.cases.split(',').includes(k.name));

/** The planner's choices a variant changes. */
function variantOptions(variant: string, base: SimtPlanOptions): SimtPlanOptions {
  if (variant === 'cublaslt-decode') return { ...base, gemvMaxRows: 0 };
  if (variant === 'fused-attention') return { ...base, attentionMaterializeFrom: 1e9 };
  if (variant === 'gemv16') return { ...base, gemvMaxRows: 16 };
  return base;
}

async function main(): Promise<void> {
  const probe = await plugin.probe();
  if (!probe.available) throw new Error(`cuda unavailable: ${probe.reason}`);
  const backend = (await plugin.open()) as CudaBackend;
  const { context: ctx, native, memory } = backend;
  console.log(`device: ${backend.device}`);

  const ceilings = measureCeilings(native, smoke, GEMM_PATH.vendor, reps);
  console.log(`ceilings: copy ${ceilings.copy.tbPerS.toFixed(2)} TB/s, gemm ${ceilings.gemm_fp16_8192.tflopPerS.toFixed(0)} TFLOP/s`);

  const layer = layerModels(memory, native, c);
  const variants = (args.variants ?? 'default').split(',');
  const results: Record<string, { floor: Floor; sustained?: Sustained } & Record<string, unknown>> = {};
  for (const k of CASES) {
    // Each case starts on a rested card: prefill runs at the 700 W limit and slowed the case timed
    // right after it (cuda-notes.md, version 8), while PyTorch's peer times decode first and its
    // compiled variants after seconds of compilation.
    await new Promise((done) => setTimeout(done, smoke ? 0 : 5000));
    const { graphs, weights, weightBytes } = layer(k.quantization);
    const { form, inputs, outputs, owned } = await caseBindings(memory, native, c, k, weights);
    const floor = floorOf(c, k, weightBytes, ceilings.copy.tbPerS * 1e12, ceilings.gemm_fp16_8192.tflopPerS * 1e12);
    results[k.name] = { floor };
    for (const variant of variants) {
      const base = ctx.options;
      ctx.options = variantOptions(variant, base);
      const { executable } = await compileFor(backend, graphs[form]);
      const asStep = form === 'extend' && variant !== 'no-graph';
      const before = native.stepStats();
      const t = await timeRuns(native, ctx, async () => {
        if (asStep) await executable.runStep!({ inputs, outputs }, { write: {}, read: [], repeated: true });
        else await executable.run({ inputs, outputs });
      }, reps);
      const replays = native.stepStats().replays - before.replays;
      if (asStep && !native.emulated && replays < reps) {
        throw new Error(`${k.name}: expected the decode step to replay from a CUDA Graph, got ${replays} replays (${native.stepStats().lastCaptureError || 'no capture error recorded'})`);
      }
      executable.dispose();
      ctx.options = base;
      results[k.name]![variant] = { ...t, overFloor: t.medianMs / floor.ms };
      console.log(`${k.name} [${variant}]: ${t.medianMs.toFixed(3)} ms (floor ${floor.ms.toFixed(3)} ms, ${floor.bound}-bound; ×${(t.medianMs / floor.ms).toFixed(2)})`);
    }
    for (const t of owned) freeTensor(memory, t);
  }
  // Flops-bound cases also get a floor from the GEMM rate sustained over as long a loop as their own
  // (warm-up included), measured after every case is timed (such a loop leaves the card at its power
  // limit, which slowed the cases timed after it) and after a rest, so that it starts from a rested
  // card as the case did.
  for (const k of CASES) {
    const r = results[k.name]!;
    const ours = r['default'] as { medianMs: number } | undefined;
    if (r.floor.bound !== 'flops' || !ours) continue;
    await new Promise((done) => setTimeout(done, smoke ? 0 : 5000));
    const rate = sustainedGemmRate(native, smoke, GEMM_PATH.vendor, ceilings.gemm_fp16_8192.medianMs, (reps + 3) * ours.medianMs);
    const ms = (r.floor.flops / (rate.tflopPerS * 1e12)) * 1e3;
    r.sustained = { gemmReps: rate.reps, tflopPerS: rate.tflopPerS, floorMs: ms };
    console.log(`${k.name} [default]: sustained GEMM ${rate.tflopPerS.toFixed(0)} TFLOP/s over ${rate.reps} products → floor ${ms.toFixed(3)} ms; ×${(ours.medianMs / ms).toFixed(2)}`);
  }
  const used = native.memoryInfo();
  const report = {
    tool: 'bench/cuda/glm-layer', date: new Date().toISOString(), device: backend.device,
    arenaBytes: ctx.arenaSize, deviceMemoryUsed: used.total - used.free, gemm: native.stats(), steps: native.stepStats(), ceilings, cases: results,
  };
  if (args.out) writeFileSync(args.out, JSON.stringify(report, null, 1) + '\n');

  // ---- comparison with the PyTorch peer of the same run ----
  if (args.peer) {
    const peer = JSON.parse(readFileSync(args.peer, 'utf8')) as { torch: string; cases: Record<string, Record<string, { median_ms: number }>> };
    console.log(`\n| case | cuda ms | floor ms | cuda/floor | best PyTorch ${peer.torch} (variant) ms | cuda/best |`);
    console.log('|---|---|---|---|---|---|');
    for (const k of CASES) {
      const ours = results[k.name]!['default'] as { medianMs: number };
      const floor = results[k.name]!.floor.ms;
      const sustained = results[k.name]!.sustained;
      const ratio = (ours.medianMs / floor).toFixed(2) + (sustained ? ` (sustained ${(ours.medianMs / sustained.floorMs).toFixed(2)})` : '');
      const row = `| ${k.name} | ${ours.medianMs.toFixed(3)} | ${floor.toFixed(3)} | ${ratio} |`;
      // The peer runs the fp16 cases only (torch_peer.py has no quantized layer; torch_gemv_peer.py times
      // PyTorch's weight-only products alone).
      const peerVariants = Object.entries(peer.cases[k.name] ?? {});
      if (peerVariants.length === 0) {
        console.log(`${row} — | — |`);
        continue;
      }
      const best = peerVariants.reduce((a, b) => (b[1].median_ms < a[1].median_ms ? b : a));
      console.log(`${row} ${best[1].median_ms.toFixed(3)} (${best[0]}) | ${(ours.medianMs / best[1].median_ms).toFixed(2)} |`);
    }
  }
  await backend.close();
}

/** A flops-bound case's floor from the GEMM rate sustained over about its own loop's length (sustainedGemmRate). */
interface Sustained {
  readonly gemmReps: number;
  readonly tflopPerS: number;
  readonly floorMs: number;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
