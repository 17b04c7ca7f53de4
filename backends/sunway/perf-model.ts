/**
 * Sunway performance model: turns the emulator's counts of one kernel launch (DMA bytes, flops by
 * width, LDM high-water mark; `sunway_emu_spawn_stats`, backends/sunway/emulator/include/sunway_emu.h)
 * into an estimated time on the chip. No Sunway was measured: every output is a "model from the
 * emulator's counts", and every constant below comes from ../shared/spec/sunway.md or
 * ../shared/spec/platforms.md, cited where it is defined (docs/bench/sunway-model.md has the table).
 *
 * Per core group (CG) g that ran the kernel:
 *   t_mem(g)     = (DMA get + put bytes of g) / memory bandwidth per CG
 *   t_compute(g) = Σ_dtype flops_dtype(g) / peak_dtype per CG
 *   t(g)         = max(t_mem(g), t_compute(g))                (roofline: DMA and compute overlap)
 * kernel time    = max over CGs of t(g) / efficiency + spawn overhead
 *
 * Device-neutral TypeScript: no Node addon, no file or process access.
 */

export type SunwayChipName = 'SW26010-Pro' | 'SW26010';
export type SunwayDtype = 'f64' | 'f32' | 'f16';

export interface SunwayModelConstants {
  readonly chip: SunwayChipName;
  readonly coreGroups: number;
  readonly cpesPerCoreGroup: number;
  /** CRTS_MAX_LDM_SIZE, bytes per CPE. */
  readonly ldmBytes: number;
  /** Main-memory bandwidth of one CG, bytes/s: the DDR figure (achievable DMA bandwidth is unknown, spec §8.1). */
  readonly memBandwidthPerCg: number;
  /** Peak flop/s of one CG's 64 CPEs per element type; null where the chip has no such arithmetic. */
  readonly peakPerCg: Readonly<Record<SunwayDtype, number | null>>;
  /** athread_spawn + join per launch, seconds: an ASSUMPTION (spec §8.4 lists it as unknown). */
  readonly spawnOverheadS: number;
  /** Where each number comes from (printed by the bench, tabled in docs/bench/sunway-model.md). */
  readonly sources: Readonly<Record<string, string>>;
}

/** SW26010-Pro CG peak: 64 CPEs × 2.25 GHz × 8 double lanes (512-bit SIMD) × 2 (multiply-add) = 2.304 TFLOPS
 * FP64 (spec §1 "CG peak (derived)"); FP32 is 8-wide too (floatv8), so the same unless packed (spec §1, §8.3);
 * FP16 has 32 lanes in 512 bits: × 4 = 9.216 TFLOPS (spec §1; chip 55.30 TF / 6 CGs = 9.217, BaGuaLu). */
const PRO_CLOCK_HZ = 2.25e9;
const PRO_FP64_PER_CG = 64 * PRO_CLOCK_HZ * 8 * 2;

/** The default spawn overhead. Not from any source: spec §8.4 ("cost of CRTS_athread_spawn/join per call")
 * is an open question. 10 µs is a placeholder of the right order for a thread-group launch; the bench
 * prints it, and decode-sized kernels are sensitive to it (docs/bench/sunway-model.md shows how much). */
export const ASSUMED_SPAWN_OVERHEAD_S = 10e-6;

export const SUNWAY_MODEL_CONSTANTS: Readonly<Record<SunwayChipName, SunwayModelConstants>> = {
  'SW26010-Pro': {
    chip: 'SW26010-Pro',
    coreGroups: 6, // spec §1: CRTS_MAX_MPE_NUM 6
    cpesPerCoreGroup: 64, // spec §1: CRTS_MAX_SPE_NUM 64
    ldmBytes: 256 << 10, // spec §1: CRTS_MAX_LDM_SIZE (256<<10)
    memBandwidthPerCg: 51.2e9, // spec §1: 16 GB DDR4 at 51.2 GB/s per CG (307.2 GB/s per node)
    peakPerCg: { f64: PRO_FP64_PER_CG, f32: PRO_FP64_PER_CG, f16: 4 * PRO_FP64_PER_CG },
    spawnOverheadS: ASSUMED_SPAWN_OVERHEAD_S,
    sources: {
      coreGroups: 'shared/spec/sunway.md §1 (CRTS_MAX_MPE_NUM 6, SWL crts.h)',
      ldmBytes: 'shared/spec/sunway.md §1 (CRTS_MAX_LDM_SIZE (256<<10))',
      memBandwidthPerCg: 'shared/spec/sunway.md §1: 51.2 GB/s per CG (en.wikipedia.org/wiki/Sunway_SW26010; OceanLite page)',
      f64: 'shared/spec/sunway.md §1: 64 × 2.25 GHz × 8 lanes × 2 = 2.30 TF per CG (derived; 6 CGs = 13.8 TF, SC23 via tomshardware)',
      f32: 'shared/spec/sunway.md §1: FP32 SIMD is 8-wide like FP64, peak = FP64 (BaGuaLu 14.03/14.03 TF); 27.6 TF if packed is unconfirmed (§8.3)',
      f16: 'shared/spec/sunway.md §1: × 4 (32 fp16 lanes in 512 bits) = 9.2 TF per CG; chip 55.30 TF (OceanLite, citing BaGuaLu)',
      spawnOverheadS: 'ASSUMPTION: no source; shared/spec/sunway.md §8.4 lists spawn/join cost as unknown',
    },
  },
  SW26010: {
    chip: 'SW26010',
    coreGroups: 4, // platforms.md § Sunway: 4 × (1 MPE + 8×8 CPEs)
    cpesPerCoreGroup: 64,
    ldmBytes: 64 << 10, // platforms.md: 64 KB LDM per CPE
    memBandwidthPerCg: 34e9, // platforms.md: ~34 GB/s per CG (DDR3)
    // platforms.md: 3.06 TFLOPS fp64 per chip → / 4 CGs (includes the MPEs' share; the CPE-only figure
    // needs the clock, which the spec does not give). floatv4 is as wide as doublev4 → f32 = f64. No fp16.
    peakPerCg: { f64: 3.06e12 / 4, f32: 3.06e12 / 4, f16: null },
    spawnOverheadS: ASSUMED_SPAWN_OVERHEAD_S,
    sources: {
      coreGroups: 'shared/spec/platforms.md § Sunway (4 × (1 MPE + 8×8 CPEs))',
      ldmBytes: 'shared/spec/platforms.md § Sunway (64 KB LDM)',
      memBandwidthPerCg: 'shared/spec/platforms.md § Sunway (~34 GB/s per CG, DDR3)',
      f64: 'shared/spec/platforms.md § Sunway: 3.06 TFLOPS fp64 per chip / 4 CGs (derived)',
      f32: 'floatv4 (256-bit) has as many lanes as doublev4: f32 peak = f64 peak (derived from the SIMD widths, spec §1)',
      f16: 'none: SW26010 has no fp16 (spec §1 SIMD row)',
      spawnOverheadS: 'ASSUMPTION: no source; shared/spec/sunway.md §8.4',
    },
  },
};

/** Published efficiencies the model is checked against (achieved / peak). */
export const PUBLISHED_EFFICIENCY = {
  /** HPL-MxP on the new Sunway (SC23, Lin et al.): > 5 EFLOPS mixed precision, > 85 % of peak (spec §6). */
  hplMxp: { fraction: 0.85, what: 'HPL-MxP, whole machine, mixed precision (GEMM-dominated LU), SW26010-Pro', source: 'shared/spec/sunway.md §6 (SC23 program)' },
  /** swDNN: 54 % of peak on convolution (platforms.md § Sunway), SW26010. */
  swdnnConv: { fraction: 0.54, what: 'swDNN convolution kernels, one SW26010', source: 'shared/spec/platforms.md § Sunway' },
  /** BaGuaLu: > 1 EFLOPS on ≈ 96,000 nodes of 55.3 TF fp16 ≈ 19 % (derived, spec §6). */
  bagualu: { fraction: 0.19, what: 'BaGuaLu MoE training, whole application incl. communication, fp16 peak', source: 'shared/spec/sunway.md §6 (derived: 1.0 / 5.3 EF)' },
} as const;

/** The counts of one launch, as the emulator reports them (camelCase of sunway_emu_spawn_stats_t). */
export interface SunwayCounters {
  readonly dmaGetBytes: number;
  readonly dmaPutBytes: number;
  readonly dmaGetOps?: number;
  readonly dmaPutOps?: number;
  readonly dmaBlocks?: number;
  readonly dmaBcastBytes?: number;
  /** LDM-to-LDM bytes sent over the mesh: RMA on SW26010-Pro; on SW26010 register communication (32 bytes a word), which the emulator counts in the same field. */
  readonly rmaBytes?: number;
  readonly flopsF16: number;
  readonly flopsF32: number;
  readonly flopsF64: number;
  /** Bytes; for sums over CPEs, the maximum. */
  readonly ldmHighWater?: number;
}

export interface SunwaySpawnStats {
  readonly kernel: string;
  /** Core groups the launch ran on (1 for athread_spawn, all of them for athread_spawn_cgs). */
  readonly cgs: number;
  /** Counters per CG that ran, index = CG number; at least `cgs` entries. */
  readonly perCg: readonly SunwayCounters[];
  /** Usable LDM per CPE in the run (for the LDM-use column). */
  readonly ldmBudget?: number;
  /** LDM high-water mark, max over CPEs. */
  readonly ldmHighWater?: number;
}

export interface ModelOptions {
  /** Charge every flop at this element type's peak instead of the width it was counted at. */
  readonly dtype?: SunwayDtype;
  /** Achieved fraction of the roofline (1 = the roofline itself); see PUBLISHED_EFFICIENCY. */
  readonly efficiency?: number;
  /** Override the assumed spawn + join overhead, seconds. */
  readonly spawnOverheadS?: number;
}

export interface KernelEstimate {
  readonly label: 'model from the emulator\'s counts';
  readonly kernel: string;
  readonly chip: SunwayChipName;
  /** Seconds, slowest CG. */
  readonly memS: number;
  readonly computeS: number;
  readonly spawnS: number;
  /** max(mem, compute) / efficiency + spawn. */
  readonly timeS: number;
  readonly bound: 'memory' | 'compute';
  readonly bytes: number;
  readonly flops: number;
  /** flop per DMA byte over the whole launch. */
  readonly intensity: number;
  /** Fraction of the chip's (used CGs') peak the kernel attains in the model: compute time / total time. */
  readonly rooflineFraction: number;
  /** Fraction of the used CGs' memory bandwidth the kernel keeps busy: mem time / total time. */
  readonly dmaFraction: number;
  /** LDM high-water mark / budget, when known. */
  readonly ldmUse: number | null;
  /** Mean bytes per contiguous DMA block, when counted (small blocks fall short of the bandwidth on hardware). */
  readonly meanDmaBlockBytes: number | null;
}

function peakFor(c: SunwayModelConstants, dtype: SunwayDtype): number {
  const p = c.peakPerCg[dtype];
  if (p === null) throw new Error(`sunway model: ${c.chip} has no ${dtype} arithmetic (a kernel counted ${dtype} flops)`);
  return p;
}

function cgTimes(c: SunwayModelConstants, n: SunwayCounters, dtype: SunwayDtype | undefined): { mem: number; compute: number } {
  const mem = (n.dmaGetBytes + n.dmaPutBytes) / c.memBandwidthPerCg;
  let compute = 0;
  const add = (flops: number, d: SunwayDtype): void => {
    if (flops > 0) compute += flops / peakFor(c, dtype ?? d);
  };
  add(n.flopsF16, 'f16');
  add(n.flopsF32, 'f32');
  add(n.flopsF64, 'f64');
  return { mem, compute };
}

/** Estimated time of one launch on `chip` from its counts (the slowest core group sets the time). */
export function modelKernel(stats: SunwaySpawnStats, chip: SunwayChipName, options: ModelOptions = {}): KernelEstimate {
  const c = SUNWAY_MODEL_CONSTANTS[chip];
  const efficiency = options.efficiency ?? 1;
  if (!(efficiency > 0 && efficiency <= 1)) throw new Error(`sunway model: efficiency ${efficiency} is not in (0, 1]`);
  if (stats.cgs < 1 || stats.cgs > c.coreGroups) throw new Error(`sunway model: ${stats.kernel} ran on ${stats.cgs} core groups; ${chip} has ${c.coreGroups}`);
  if (stats.perCg.length < stats.cgs) throw new Error(`sunway model: ${stats.kernel} has counters for ${stats.perCg.length} of ${stats.cgs} core groups`);
  let mem = 0;
  let compute = 0;
  let slowest = -1;
  let bytes = 0;
  let flops = 0;
  let blocks = 0;
  for (let g = 0; g < stats.cgs; g++) {
    const n = stats.perCg[g]!;
    const t = cgTimes(c, n, options.dtype);
    if (Math.max(t.mem, t.compute) > slowest) {
      slowest = Math.max(t.mem, t.compute);
      mem = t.mem;
      compute = t.compute;
    }
    bytes += n.dmaGetBytes + n.dmaPutBytes;
    flops += n.flopsF16 + n.flopsF32 + n.flopsF64;
    blocks += n.dmaBlocks ?? 0;
  }
  const spawnS = options.spawnOverheadS ?? c.spawnOverheadS;
  const timeS = Math.max(mem, compute) / efficiency + spawnS;
  return {
    label: "model from the emulator's counts",
    kernel: stats.kernel,
    chip,
    memS: mem,
    computeS: compute,
    spawnS,
    timeS,
    bound: compute >= mem ? 'compute' : 'memory',
    bytes,
    flops,
    intensity: bytes > 0 ? flops / bytes : Infinity,
    rooflineFraction: timeS > 0 ? compute / timeS : 0,
    dmaFraction: timeS > 0 ? mem / timeS : 0,
    ldmUse: stats.ldmHighWater !== undefined && stats.ldmBudget ? stats.ldmHighWater / stats.ldmBudget : null,
    meanDmaBlockBytes: blocks > 0 ? bytes / blocks : null,
  };
}

export interface StepEstimate {
  readonly label: 'model from the emulator\'s counts';
  readonly timeS: number;
  readonly memS: number;
  readonly computeS: number;
  readonly spawnS: number;
  /** Σ compute / Σ time: the step's attained fraction of peak in the model. */
  readonly rooflineFraction: number;
  readonly kernels: readonly KernelEstimate[];
}

/** A step (a layer, a token) is its launches one after another: spawns do not overlap (one join each). */
export function modelStep(kernels: readonly KernelEstimate[]): StepEstimate {
  const sum = (f: (k: KernelEstimate) => number): number => kernels.reduce((s, k) => s + f(k), 0);
  const timeS = sum((k) => k.timeS);
  const computeS = sum((k) => k.computeS);
  return {
    label: "model from the emulator's counts",
    timeS,
    memS: sum((k) => k.memS),
    computeS,
    spawnS: sum((k) => k.spawnS),
    rooflineFraction: timeS > 0 ? computeS / timeS : 0,
    kernels,
  };
}

/** Ridge point of one CG: the flop/byte above which a kernel is compute-bound. */
export function ridgePoint(chip: SunwayChipName, dtype: SunwayDtype): number {
  const c = SUNWAY_MODEL_CONSTANTS[chip];
  return peakFor(c, dtype) / c.memBandwidthPerCg;
}

/** Reads the emulator's C field names (sunway_emu_spawn_stats_t, as the test driver prints them, or an addon
 * that copies the struct field by field) into SunwaySpawnStats. */
export type CCounterName =
  | 'dma_get_bytes' | 'dma_put_bytes' | 'dma_get_ops' | 'dma_put_ops' | 'dma_blocks' | 'dma_bcast_bytes'
  | 'rma_bytes' | 'flops_f16' | 'flops_f32' | 'flops_f64' | 'ldm_high_water';
export type CCounters = { readonly [K in CCounterName]?: number };

export function spawnStatsFromC(raw: {
  readonly kernel: string;
  readonly cgs: number;
  readonly ldm_budget?: number;
  readonly per_cg: ReadonlyArray<CCounters>;
  readonly total?: CCounters;
}): SunwaySpawnStats {
  const counters = (r: CCounters): SunwayCounters => ({
    dmaGetBytes: r['dma_get_bytes'] ?? 0,
    dmaPutBytes: r['dma_put_bytes'] ?? 0,
    dmaGetOps: r['dma_get_ops'] ?? 0,
    dmaPutOps: r['dma_put_ops'] ?? 0,
    dmaBlocks: r['dma_blocks'] ?? 0,
    dmaBcastBytes: r['dma_bcast_bytes'] ?? 0,
    rmaBytes: r['rma_bytes'] ?? 0,
    flopsF16: r['flops_f16'] ?? 0,
    flopsF32: r['flops_f32'] ?? 0,
    flopsF64: r['flops_f64'] ?? 0,
    ldmHighWater: r['ldm_high_water'] ?? 0,
  });
  const perCg = raw.per_cg.slice(0, raw.cgs).map(counters);
  const high = raw.total?.['ldm_high_water'] ?? Math.max(0, ...perCg.map((c) => c.ldmHighWater ?? 0));
  return {
    kernel: raw.kernel,
    cgs: raw.cgs,
    perCg,
    ...(raw.ldm_budget !== undefined ? { ldmBudget: raw.ldm_budget } : {}),
    ldmHighWater: high,
  };
}

/** For a runner that kept only totals: the launch's counters spread evenly over the `cgs` core groups it ran on
 * (launches split their work evenly across groups; the per-CG counters of sunway_emu_spawn_stats are exact). */
export function spawnStatsFromTotals(kernel: string, cgs: number, total: SunwayCounters, ldmBudget?: number): SunwaySpawnStats {
  const share = (v: number | undefined): number => (v ?? 0) / cgs;
  const one: SunwayCounters = {
    dmaGetBytes: share(total.dmaGetBytes),
    dmaPutBytes: share(total.dmaPutBytes),
    dmaBlocks: share(total.dmaBlocks),
    flopsF16: share(total.flopsF16),
    flopsF32: share(total.flopsF32),
    flopsF64: share(total.flopsF64),
  };
  return {
    kernel,
    cgs,
    perCg: Array.from({ length: cgs }, () => one),
    ...(ldmBudget !== undefined ? { ldmBudget } : {}),
    ...(total.ldmHighWater !== undefined ? { ldmHighWater: total.ldmHighWater } : {}),
  };
}

export interface EfficiencyCheck {
  readonly name: keyof typeof PUBLISHED_EFFICIENCY;
  readonly published: number;
  readonly what: string;
  /** What the model predicts for the same kind of work: its roofline fraction (spawn overhead excluded). */
  readonly modelFraction: number;
  /** How the two are compared. */
  readonly compared: string;
  /** The model is an upper bound: consistent when modelFraction ≥ published. */
  readonly consistent: boolean;
  /** published / modelFraction: the factor to divide modelled times by for this kind of work. */
  readonly derate: number;
}

/** The model's roofline fraction for a square GEMM tiled at the core-group level (C tile t×t kept in the
 * CG's LDM, A and B panels streamed once per tile): intensity = 2 t³ / (2 t² · elem) per K-step of t. */
export function gemmRooflineFraction(chip: SunwayChipName, dtype: SunwayDtype, cgTile: number): number {
  const elem = dtype === 'f64' ? 8 : dtype === 'f32' ? 4 : 2;
  const intensity = (2 * cgTile * cgTile * cgTile) / (2 * cgTile * cgTile * elem);
  return Math.min(1, intensity / ridgePoint(chip, dtype));
}

/**
 * The check against published efficiencies (docs/bench/sunway-model.md § Check). The roofline is an upper
 * bound, so each published achieved fraction must not exceed what the model allows for the same work:
 *  - HPL-MxP > 85 % (Pro, fp16 GEMM-dominated): the model's fraction for an fp16 GEMM with a 512-wide CG
 *    tile (the 64 CPEs' LDM holds 512×512 fp32 C = 1 MiB in 16 KiB per CPE);
 *  - swDNN 54 % (SW26010, convolution as GEMM, fp64 peak): same with a 256-wide tile (64 KB LDM);
 *  - BaGuaLu 19 % (whole application): the model says nothing about communication; compared with the GEMM
 *    fraction only to show how far an application sits below the kernel roofline.
 */
export function checkAgainstPublished(): EfficiencyCheck[] {
  const rows: Array<[keyof typeof PUBLISHED_EFFICIENCY, number, string]> = [
    ['hplMxp', gemmRooflineFraction('SW26010-Pro', 'f16', 512), 'fp16 GEMM, 512-wide CG tile, SW26010-Pro roofline (ridge 180 flop/B)'],
    ['swdnnConv', gemmRooflineFraction('SW26010', 'f64', 256), 'fp64 GEMM-like convolution, 256-wide CG tile, SW26010 roofline (ridge 22.5 flop/B)'],
    ['bagualu', gemmRooflineFraction('SW26010-Pro', 'f16', 512), 'fp16 GEMM roofline vs a whole training run (not a kernel efficiency)'],
  ];
  return rows.map(([name, modelFraction, compared]) => {
    const published = PUBLISHED_EFFICIENCY[name].fraction;
    return {
      name,
      published,
      what: PUBLISHED_EFFICIENCY[name].what,
      modelFraction,
      compared,
      consistent: modelFraction >= published,
      derate: published / modelFraction,
    };
  });
}
