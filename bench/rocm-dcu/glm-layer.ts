/**
 * Benchmark (not a test): the cuda backend's GLM-layer cases (bench/gpu-layer.ts) on the rocm-dcu
 * backend — one GLM-130B-shaped layer, the SDK's own block graph with random weights made on the
 * device, bound as the session binds it (in-place KV cache), in fp16 for a 2048-token prefill and
 * decode steps of batch 1 and 16 over a 2048-token cache, and with INT4 weights for a batch-1 decode
 * step over that cache. Timed with device events around the launches of
 * each run, after warm-up; the median of the repeats. Also the two ceilings through the addon: a 1 GiB
 * device copy and an 8192³ fp16 product on the portable tiled GEMM (or hipBLAS/rocBLAS where the build has one).
 *
 * On the lent NVIDIA machine this runs the HIP sources through the HIP→CUDA map (GLM_DCU_TARGET=nvidia,
 * GLM_DCU_WAVE=32|64): it measures what the portable kernels cost against the cuda backend's
 * (run bench/cuda/glm-layer.ts in the same call), not a DCU.
 *
 *   node dist/bench/rocm-dcu/glm-layer.js [--reps 10] [--out dcu-bench.json] [--smoke]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compileFor } from '../../core/execute/compile.js';
import { freeTensor } from '../../core/backend-api/device-tensors.js';
import { plugin, type DcuBackend } from '../../backends/rocm-dcu/index.js';
import { GEMM_PATH } from '../../backends/simt/launch-codes.js';
import { caseBindings, layerCases, layerConfig, layerModels, measureCeilings, timeRuns } from '../gpu-layer.js';

const { values: args } = parseArgs({
  options: { reps: { type: 'string' }, out: { type: 'string' }, smoke: { type: 'boolean' } },
});
const reps = Number(args.reps ?? 10);
const smoke = args.smoke ?? false;
const c = layerConfig(smoke);

async function main(): Promise<void> {
  const probe = await plugin.probe();
  if (!probe.available) throw new Error(`rocm-dcu unavailable: ${probe.reason}`);
  const backend = (await plugin.open()) as DcuBackend;
  const { context: ctx, native, memory } = backend;
  console.log(`device: ${backend.device}`);

  // The portable GEMM is slow: fewer repeats of the 8192³ product.
  const gemmPath = backend.build.blas ? GEMM_PATH.auto : GEMM_PATH.portable;
  const ceilings = { ...measureCeilings(native, smoke, gemmPath, reps, Math.min(reps, 5)), gemmPath: backend.build.blas || 'portable tiled GEMM' };
  console.log(`ceilings: copy ${ceilings.copy.tbPerS.toFixed(2)} TB/s, gemm ${ceilings.gemm_fp16_8192.tflopPerS.toFixed(1)} TFLOP/s`);

  const layer = layerModels(memory, native, c);
  const results: Record<string, unknown> = {};
  for (const k of layerCases(smoke)) {
    const { graphs, weights } = layer(k.quantization);
    const { form, inputs, outputs, owned } = await caseBindings(memory, native, c, k, weights);
    const { executable } = await compileFor(backend, graphs[form]);
    const caseReps = k.seq > 1 ? Math.min(reps, 5) : reps;
    const t = await timeRuns(native, ctx, () => executable.run({ inputs, outputs }), caseReps, 2);
    executable.dispose();
    results[k.name] = { ...t, reps: caseReps };
    console.log(`${k.name}: ${t.medianMs.toFixed(3)} ms (min ${t.minMs.toFixed(3)})`);
    for (const tensor of owned) freeTensor(memory, tensor);
  }
  const used = native.memoryInfo();
  const report = {
    tool: 'bench/rocm-dcu/glm-layer', date: new Date().toISOString(), device: backend.device, execution: backend.execution,
    build: backend.build, arenaBytes: ctx.arenaSize, deviceMemoryUsed: used.total - used.free, gemm: native.stats(), ceilings, cases: results,
  };
  if (args.out) writeFileSync(args.out, JSON.stringify(report, null, 1) + '\n');
  await backend.close();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
