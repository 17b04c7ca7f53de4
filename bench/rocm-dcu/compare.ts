/**
 * The rocm-dcu benchmark beside the cuda backend's, from reports of the same device call:
 *   node dist/bench/rocm-dcu/compare.js cuda.json dcu-wave32.json dcu-wave64.json
 * (bench/cuda/glm-layer.ts --out, then bench/rocm-dcu/glm-layer.ts --out per width). Prints the
 * Markdown table of docs/bench/rocm-dcu-glm-layer.md.
 */
import { readFileSync } from 'node:fs';

interface Timed {
  readonly medianMs: number;
}

interface CudaReport {
  readonly device: string;
  readonly date: string;
  readonly ceilings: { readonly copy: { readonly tbPerS: number }; readonly gemm_fp16_8192: { readonly tflopPerS: number } };
  readonly cases: Record<string, { readonly floor: { readonly ms: number; readonly bound: string }; readonly default: Timed }>;
}

interface DcuReport {
  readonly device: string;
  readonly date: string;
  readonly build: { readonly wave: number };
  readonly ceilings: { readonly copy: { readonly tbPerS: number }; readonly gemm_fp16_8192: { readonly tflopPerS: number; readonly path: string } };
  readonly cases: Record<string, Timed>;
}

const [cudaPath, ...dcuPaths] = process.argv.slice(2);
if (!cudaPath || dcuPaths.length === 0) {
  console.error('usage: compare.js cuda.json dcu.json [dcu.json ...]');
  process.exit(2);
}
const cuda = JSON.parse(readFileSync(cudaPath, 'utf8')) as CudaReport;
const dcus = dcuPaths.map((p) => JSON.parse(readFileSync(p, 'utf8')) as DcuReport);

console.log(`cuda: ${cuda.device} (${cuda.date})`);
for (const d of dcus) console.log(`rocm-dcu wave${d.build.wave}: ${d.device} (${d.date})`);
console.log('');
const head = dcus.map((d) => `rocm-dcu wave${d.build.wave} ms (× cuda)`).join(' | ');
console.log(`| case | floor ms (bound) | cuda ms | ${head} |`);
console.log(`|---|---|---|${dcus.map(() => '---|').join('')}`);
for (const [name, k] of Object.entries(cuda.cases)) {
  const ours = k.default.medianMs;
  const cells = dcus.map((d) => {
    const t = d.cases[name]?.medianMs;
    return t === undefined ? '—' : `${t.toFixed(3)} (${(t / ours).toFixed(1)}×)`;
  });
  console.log(`| ${name} | ${k.floor.ms.toFixed(3)} (${k.floor.bound}) | ${ours.toFixed(3)} | ${cells.join(' | ')} |`);
}
const copyCells = dcus.map((d) => `${d.ceilings.copy.tbPerS.toFixed(2)} TB/s`).join(' | ');
const gemmCells = dcus.map((d) => `${d.ceilings.gemm_fp16_8192.tflopPerS.toFixed(1)} TFLOP/s (${d.ceilings.gemm_fp16_8192.path})`).join(' | ');
console.log(`| ceiling: device copy 1 GiB | — | ${cuda.ceilings.copy.tbPerS.toFixed(2)} TB/s | ${copyCells} |`);
console.log(`| ceiling: fp16 GEMM 8192³ | — | ${cuda.ceilings.gemm_fp16_8192.tflopPerS.toFixed(0)} TFLOP/s (cuBLASLt) | ${gemmCells} |`);
