/**
 * Benchmark (not a test): the rocm-dcu GEMM alone, in TFLOP/s — fp16 operands, fp32 accumulation,
 * fp16 C — on the path the build has (the portable tiled GEMM, or hipBLAS/rocBLAS where the DCU build
 * found one): the 8192³ square with B stored [k, n] and [n, k], and GLM-130B's four weight products of
 * a 2048-token prefill (weights [n, k], as the layer stores them). Device events around each product,
 * after warm-up; the median of the repeats. Timing the addon of an older commit (GLM_DCU_ADDON=path)
 * beside the current one in the same call gives the before/after of a kernel change on one card.
 *
 *   node dist/bench/rocm-dcu/gemm.js [--reps 10] [--out dcu-gemm.json] [--smoke]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { plugin, type DcuBackend } from '../../backends/rocm-dcu/index.js';
import { dtypeCode, GEMM_PATH, OP } from '../../backends/simt/launch-codes.js';
import type { ProgramAddon } from '../../backends/program/native-addon.js';
import { timeProgram } from '../gpu-layer.js';

const { values: args } = parseArgs({ options: { reps: { type: 'string' }, out: { type: 'string' }, smoke: { type: 'boolean' } } });
const reps = Number(args.reps ?? 10);
const smoke = args.smoke ?? false;

interface Shape {
  readonly name: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** B stored [n, k] (the layer's weights) rather than [k, n]. */
  readonly transB: boolean;
}

// GLM-130B: hidden 12288, QKV 3 × 12288, GeGLU 2 × 32768 in, 32768 out; a 2048-token prefill.
const SHAPES: readonly Shape[] = smoke
  ? [{ name: 'square-64', m: 64, n: 64, k: 64, transB: false }, { name: 'odd', m: 33, n: 70, k: 45, transB: true }]
  : [
      { name: 'square-8192, B [k, n]', m: 8192, n: 8192, k: 8192, transB: false },
      { name: 'square-8192, B [n, k]', m: 8192, n: 8192, k: 8192, transB: true },
      { name: 'prefill qkv 2048×36864×12288', m: 2048, n: 36864, k: 12288, transB: true },
      { name: 'prefill dense 2048×12288×12288', m: 2048, n: 12288, k: 12288, transB: true },
      { name: 'prefill h→4h 2048×65536×12288', m: 2048, n: 65536, k: 12288, transB: true },
      { name: 'prefill 4h→h 2048×12288×32768', m: 2048, n: 12288, k: 32768, transB: true },
    ];

function timeShape(native: ProgramAddon, s: Shape, gemmPath: number): { medianMs: number; minMs: number; tflopPerS: number } {
  const f16 = dtypeCode('f16');
  const [a, b, c] = [native.allocate(s.m * s.k * 2), native.allocate(s.n * s.k * 2), native.allocate(s.m * s.n * 2)];
  try {
    native.fillRandom(a, s.m * s.k, f16, -1, 1, 1);
    native.fillRandom(b, s.n * s.k, f16, -1, 1, 2);
    const ldb = s.transB ? s.k : s.n;
    const program = Float64Array.from([OP.gemm, 0, 23, f16, f16, f16, s.m, s.n, s.k, a, s.k, 0, b, ldb, 0, s.transB ? 1 : 0, c, s.n, 0, 1, 1, 0, 0, 0, 0, gemmPath]);
    const t = timeProgram(native, program, reps);
    return { ...t, tflopPerS: (2 * s.m * s.n * s.k) / (t.medianMs * 1e-3) / 1e12 };
  } finally {
    for (const p of [a, b, c]) native.free(p);
  }
}

async function main(): Promise<void> {
  const probe = await plugin.probe();
  if (!probe.available) throw new Error(`rocm-dcu unavailable: ${probe.reason}`);
  const backend = (await plugin.open()) as DcuBackend;
  const gemmPath = backend.build.blas ? GEMM_PATH.auto : GEMM_PATH.portable;
  const path = backend.build.blas || 'portable tiled GEMM';
  console.log(`device: ${backend.device}; GEMM: ${path}`);
  const results: Record<string, unknown> = {};
  for (const s of SHAPES) {
    const t = timeShape(backend.native, s, gemmPath);
    results[s.name] = t;
    console.log(`${s.name}: ${t.medianMs.toFixed(3)} ms, ${t.tflopPerS.toFixed(1)} TFLOP/s`);
  }
  const report = { tool: 'bench/rocm-dcu/gemm', date: new Date().toISOString(), device: backend.device, build: backend.build, path, reps, gemm: backend.native.stats(), shapes: results };
  if (args.out) writeFileSync(args.out, JSON.stringify(report, null, 1) + '\n');
  await backend.close();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
