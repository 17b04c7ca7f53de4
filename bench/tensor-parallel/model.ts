/**
 * A MODEL (not a measurement) of GLM-130B's per-token decode time under tensor parallelism:
 * fp16 and INT4 weights, TP 1/2/4/8, on 8-GPU A100, H100 and H200 servers. Prints the Markdown of
 * docs/bench/tensor-parallel.md's table. Run: `npx tsc -p tsconfig.json && node dist/bench/tensor-parallel/model.js`.
 *
 * Per layer, each record of the measured single-GPU decode step (H200 profile, docs/bench/cuda-glm-layer.md)
 * either splits over the N ranks (GEMMs, attention, cache writes, the fused bias ops: weights and heads
 * are 1/N per rank) or is replicated (LayerNorms, residuals); a split record never drops below the
 * shortest kernel record measured (4 µs). Two all-reduces per layer (attention dense, down-projection),
 * one for the embedding, one gather of the logits per token; each costs NCCL's own latency model for the
 * ring with its low-latency protocol plus the bytes over NVLink. Other cards scale the H200 records by
 * their measured (H100) or datasheet (A100) memory bandwidth: decode at batch 1 is bound by bytes.
 */

/** Decode step records, batch 1, cache 2048, H200 (ms): fp16 and INT4 columns; `split` if it divides over ranks. */
const H200_RECORDS: readonly { name: string; fp16: number; int4: number; split: boolean }[] = [
  { name: 'input LayerNorm', fp16: 0.014, int4: 0.013, split: false },
  { name: 'QKV GEMM', fp16: 0.211, int4: 0.072, split: true },
  { name: 'qkv-bias-rope', fp16: 0.007, int4: 0.007, split: true },
  { name: 'cache-write k, v', fp16: 0.01, int4: 0.009, split: true },
  { name: 'attention', fp16: 0.036, int4: 0.036, split: true },
  { name: 'dense GEMM', fp16: 0.074, int4: 0.029, split: true },
  { name: 'attention residual', fp16: 0.004, int4: 0.004, split: false },
  { name: 'post-attention LayerNorm', fp16: 0.008, int4: 0.008, split: false },
  { name: 'up GEMM', fp16: 0.366, int4: 0.12, split: true },
  { name: 'bias-geglu', fp16: 0.005, int4: 0.005, split: true },
  { name: 'down GEMM', fp16: 0.192, int4: 0.065, split: true },
  { name: 'MLP residual', fp16: 0.004, int4: 0.004, split: false },
];
/** The layer as timed end to end on the H200 (CUDA Graph replay), which the profile's records are scaled to. */
const H200_LAYER_MS = { fp16: 0.883, int4: 0.316 };
const SHORTEST_KERNEL_MS = 0.004;

const LAYERS = 70;
const HIDDEN = 12288;
const PADDED_VOCAB = 150528;
const LAYER_PARAMS = 12 * HIDDEN * HIDDEN;
const EMBEDDING_BYTES = PADDED_VOCAB * HIDDEN * 2; // fp16 in both precisions (the release quantizes only the Linears)
const KV_CACHE_BYTES = LAYERS * 2 * 2048 * HIDDEN * 2; // one row, 2048 positions, fp16

interface Card {
  readonly name: string;
  /** Device memory as nvidia-smi reports it, GB (10^9 bytes). */
  readonly memoryGB: number;
  /** Our layer's time on this card over the H200's (measured, or from memory bandwidth). */
  readonly slowdown: { fp16: number; int4: number };
  readonly slowdownSource: string;
  /** NVLink bandwidth per GPU and direction, GB/s (datasheet). */
  readonly nvlinkGBs: number;
}

const CARDS: readonly Card[] = [
  { name: 'A100-SXM4-40GB', memoryGB: 42.5, slowdown: { fp16: (1.267 / 0.883) * (3350 / 1555), int4: (0.408 / 0.316) * (3350 / 1555) }, slowdownSource: 'H100 measured × HBM 3.35 / 1.555 TB/s (datasheets)', nvlinkGBs: 300 },
  { name: 'A100-SXM4-80GB', memoryGB: 85.1, slowdown: { fp16: (1.267 / 0.883) * (3350 / 2039), int4: (0.408 / 0.316) * (3350 / 2039) }, slowdownSource: 'H100 measured × HBM 3.35 / 2.039 TB/s (datasheets)', nvlinkGBs: 300 },
  { name: 'H100-SXM5-80GB', memoryGB: 85.0, slowdown: { fp16: 1.267 / 0.883, int4: 0.408 / 0.316 }, slowdownSource: 'measured layer, H100 / H200', nvlinkGBs: 450 },
  { name: 'H200-SXM-141GB', memoryGB: 150.0, slowdown: { fp16: 1, int4: 1 }, slowdownSource: 'measured (profile)', nvlinkGBs: 450 },
];

/**
 * NCCL's tuning model (src/graph/tuning.cc): ring all-reduce with the LL protocol inside a node costs
 * baseLat 6.6 µs + 2(N−1) steps × hwLat 0.6 µs over NVLink; LL carries 8-byte lines of 4 bytes of data,
 * so its bytes move at half the link rate; a ring moves 2(N−1)/N of the message per rank.
 */
function allReduceMs(worldSize: number, bytes: number, nvlinkGBs: number): number {
  if (worldSize === 1) return 0;
  const latencyUs = 6.6 + 2 * (worldSize - 1) * 0.6;
  const transferUs = ((2 * (worldSize - 1)) / worldSize) * bytes / (0.5 * nvlinkGBs * 1e3);
  return (latencyUs + transferUs) / 1000;
}

function layerComputeMs(precision: 'fp16' | 'int4', worldSize: number, slowdown: number): number {
  const profileTotal = H200_RECORDS.reduce((n, r) => n + r[precision], 0);
  const calibrate = H200_LAYER_MS[precision] / profileTotal;
  let ms = 0;
  for (const r of H200_RECORDS) {
    const t = r[precision] * calibrate * slowdown;
    ms += r.split ? Math.max(t / worldSize, SHORTEST_KERNEL_MS) : t;
  }
  return ms;
}

/** The tied head: the embedding's bytes read once per token, split by vocabulary. */
function headMs(worldSize: number, slowdown: number): number {
  const h200CopyTBs = 4.23;
  return (EMBEDDING_BYTES / (h200CopyTBs * 1e12)) * 1000 * slowdown / worldSize;
}

function weightBytes(precision: 'fp16' | 'int4'): number {
  return LAYERS * LAYER_PARAMS * (precision === 'fp16' ? 2 : 0.5) + EMBEDDING_BYTES;
}

export function modelRow(card: Card, precision: 'fp16' | 'int4', worldSize: number) {
  const slowdown = card.slowdown[precision];
  const compute = LAYERS * layerComputeMs(precision, worldSize, slowdown) + headMs(worldSize, slowdown);
  const hiddenBytes = HIDDEN * 2;
  const collectives = (2 * LAYERS + 1) * allReduceMs(worldSize, hiddenBytes, card.nvlinkGBs) + allReduceMs(worldSize, (PADDED_VOCAB / worldSize) * 2, card.nvlinkGBs);
  const perGpuGB = (weightBytes(precision) + KV_CACHE_BYTES) / worldSize / 1e9;
  return { compute, collectives, total: compute + collectives, perGpuGB, fits: perGpuGB < 0.95 * card.memoryGB };
}

function main(): void {
  const lines = [
    '| card | weights | TP | GB per GPU | compute ms | all-reduce ms | **ms per token** | tokens/s |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const card of CARDS) {
    for (const precision of ['fp16', 'int4'] as const) {
      for (const n of [1, 2, 4, 8]) {
        const r = modelRow(card, precision, n);
        if (!r.fits) {
          lines.push(`| ${card.name} | ${precision} | ${n} | ${r.perGpuGB.toFixed(1)} | — | — | does not fit | — |`);
          continue;
        }
        lines.push(`| ${card.name} | ${precision} | ${n} | ${r.perGpuGB.toFixed(1)} | ${r.compute.toFixed(2)} | ${r.collectives.toFixed(2)} | **${r.total.toFixed(2)}** | ${(1000 / r.total).toFixed(1)} |`);
      }
    }
  }
  console.log(lines.join('\n'));
  console.log('\nCard scaling: ' + CARDS.map((c) => `${c.name}: ×${c.slowdown.fp16.toFixed(2)} fp16, ×${c.slowdown.int4.toFixed(2)} INT4 (${c.slowdownSource})`).join('; '));
  const check = (card: Card, measured: number) => `${card.name} INT4 TP 1: model ${modelRow(card, 'int4', 1).total.toFixed(2)} ms, measured ${measured} ms`;
  console.log(`Check against the measured whole model (docs/bench/cuda-glm-layer.md): ${check(CARDS[3]!, 22.66)}; ${check(CARDS[2]!, 29.38)}`);
  console.log('All-reduce of one token (24 KiB fp16), modelled: ' + [2, 4, 8].map((n) => `TP ${n} ${(allReduceMs(n, HIDDEN * 2, 450) * 1000).toFixed(1)} µs`).join(', ') + ' (NVLink 4; NVLink 3 within 0.1 µs)');
}

main();
