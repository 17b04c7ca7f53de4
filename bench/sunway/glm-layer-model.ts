/**
 * The modelled time of one GLM-130B layer on SW26010-Pro (prefill 2048; decode batch 1 and 16 over a
 * 2048-token cache), "model from the emulator's counts":
 *  1. the layer's launch program is planned at GLM-130B's full width by the sunway backend's own planner
 *     and launchers, which choose the tiles from the LDM budget as on the chip;
 *  2. each launch's counts (DMA and RMA bytes, flops per core group, LDM per CPE) come from the runner's
 *     count models (backends/sunway/runner/predict*.cpp), evaluated without running — the emulator
 *     cannot run 1.8 G weights' worth of arithmetic in reasonable time;
 *  3. those models are checked launch by launch against the emulator's own counts on the same layer at
 *     a width and lengths it can run (3 heads of 128, shorter sequences): they must agree;
 *  4. helper-5's performance model (backends/sunway/perf-model.ts) turns counts into time per kernel:
 *     max(DMA bytes / 51.2 GB/s, flops / CG peak) per core group, + an assumed spawn cost.
 */
import { GLM_130B, type GlmConfig } from '../../core/models/glm/config.js';
import { modelKernel, modelStep, type KernelEstimate, type StepEstimate, type SunwaySpawnStats } from '../../backends/sunway/perf-model.js';
import type { SpawnCounts, SunwayAddon } from '../../backends/sunway/sunway-addon.js';
import { layerProgram, GLM_130B_ON_PRO, type LayerCase, type LayerTarget } from './layer-program.js';

export const LAYER_CASES: readonly LayerCase[] = [
  { name: 'prefill-2048', batch: 1, seq: 2048, past: 0, context: 1024 },
  { name: 'decode-b1-cache2048', batch: 1, seq: 1, past: 2048, context: 1024 },
  { name: 'decode-b16-cache2048', batch: 16, seq: 1, past: 2048, context: 1024 },
];

/** The check's layer: GLM-130B's head dim and DeepNorm at 3 heads (width 384); an FFN of 16384 so the
 * up-projection's GEMV has more column blocks than CPEs (passes of several blocks per chunk of A). */
export const CHECK_CONFIG: GlmConfig = { ...GLM_130B, hiddenSize: 384, numHeads: 3, ffnHiddenSize: 16384 };
export const CHECK_CASES: readonly LayerCase[] = [
  { name: 'prefill-96', batch: 1, seq: 96, past: 0, context: 48 },
  { name: 'decode-b1-cache96', batch: 1, seq: 1, past: 96, context: 48 },
  { name: 'decode-b16-cache96', batch: 16, seq: 1, past: 96, context: 48 },
];

export interface KernelRow {
  readonly node: string;
  readonly coreGroups: number;
  readonly estimate: KernelEstimate;
}

export interface CaseModel {
  readonly case: LayerCase;
  readonly step: StepEstimate;
  readonly rows: readonly KernelRow[];
}

/** The performance model's view of one launch's counts. */
export function spawnStats(c: SpawnCounts, ldmBudget: number): SunwaySpawnStats {
  return { kernel: c.kernel, cgs: c.coreGroups, perCg: c.perGroup, ldmBudget, ldmHighWater: c.ldmHighWater };
}

/** One case of the full-width layer: its launches' predicted counts through the performance model. */
export function modelCase(native: SunwayAddon, k: LayerCase, ldmBudget: number): CaseModel {
  const { program, owned, nodes } = layerProgram(native, GLM_130B, k, false);
  try {
    const counts = native.predictProgram(program);
    const rows = counts.map((c, i) => ({ node: nodes[i]!.name, coreGroups: c.coreGroups, estimate: modelKernel(spawnStats(c, ldmBudget), 'SW26010-Pro') }));
    return { case: k, step: modelStep(rows.map((r) => r.estimate)), rows };
  } finally {
    for (const a of owned) native.free(a);
  }
}

export interface CheckResult {
  readonly launches: number;
  /** Largest |predicted − measured| / measured over every launch and core group, per counter. */
  readonly maxDeviation: { readonly dma: number; readonly rma: number; readonly flops: number; readonly ldm: number };
}

function deviation(predicted: number, measured: number): number {
  return measured === 0 ? (predicted === 0 ? 0 : 1) : Math.abs(predicted - measured) / measured;
}

/** Runs the narrow layer on the emulator and compares each launch's counts with the prediction. */
export function checkCase(native: SunwayAddon, k: LayerCase, target: LayerTarget = GLM_130B_ON_PRO): CheckResult {
  const { program, owned } = layerProgram(native, CHECK_CONFIG, k, true, target);
  try {
    native.collectCounts(true);
    native.run(program);
    native.finish(true);
    const measured = native.takeCounts();
    native.collectCounts(false);
    const predicted = native.predictProgram(program);
    if (predicted.length !== measured.length) throw new Error(`${k.name}: ${predicted.length} predicted launches for ${measured.length} run`);
    const max = { dma: 0, rma: 0, flops: 0, ldm: 0 };
    measured.forEach((m, i) => {
      const p = predicted[i]!;
      m.perGroup.forEach((g, cg) => {
        const q = p.perGroup[cg]!;
        max.dma = Math.max(max.dma, deviation(q.dmaGetBytes, g.dmaGetBytes), deviation(q.dmaPutBytes, g.dmaPutBytes));
        max.rma = Math.max(max.rma, deviation(q.rmaBytes, g.rmaBytes));
        max.flops = Math.max(max.flops, deviation(q.flopsF32 + q.flopsF16, g.flopsF32 + g.flopsF16));
      });
      max.ldm = Math.max(max.ldm, deviation(p.ldmHighWater, m.ldmHighWater));
    });
    return { launches: measured.length, maxDeviation: max };
  } finally {
    native.collectCounts(false);
    for (const a of owned) native.free(a);
  }
}
