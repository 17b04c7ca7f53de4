/**
 * Benchmark script (not a timed test): a MODEL of one GLM-130B layer's time on the original Ascend
 * 910 and on the 910B — fp16 weights, and INT8/INT4 weight-only (WeightQuantBatchMatmulV2 on the
 * 910B; the 910's dequantize + Matmul path too) — for a 2048-token prefill and decode steps of batch 1
 * and 16 over a 2048-token cache. MODEL, NOT A MEASUREMENT: NO ASCEND HARDWARE RAN.
 *
 *   time(op) = Σ over its launch records of max(bytes / HBM bandwidth, Cube flops / Cube peak)
 *              + host calls × (koffi's cost per call, measured here + CANN's per-call cost, unknown)
 *
 * Where each number comes from:
 *  - Host calls: the backend's own lowering of the real GLM block, run on the CANN-ABI emulator for
 *    that SoC (GLM_ASCEND_EMU_SOC) and counted by the device (AscendDevice's counter: launches, rebinds,
 *    copies, synchronisations), steady state: the second run of the same plan, after (decode) the cache
 *    offset moved by one position as between two decode steps. Run on TWO blocks in a
 *    row with GLM-130B's head dim (128) and a reduced width (3 heads: hidden 384, GeGLU 1024 — the
 *    release's 8/3 ratio), at the workloads' real batch, sequence and cache lengths; the second block's
 *    calls are a layer's, the first block's extra calls (the graph inputs read back once per run) are
 *    reported apart, per token. A layer's calls do not depend on its width except where an op is split
 *    by size: to carry the counts to the full width, the same graphs are PLANNED (no device) at the
 *    full GLM-130B width by the same planner and lowerings, and each op's full-width launch records
 *    minus its reduced-width ones are added to its measured calls (only WeightQuantBatchMatmulV2's
 *    65,535-column chunks differ: the 65,536-wide up-projection gets a second WQBMM and a copy of that
 *    chunk into its columns). The reduced-width plan made here is checked to be the very program the
 *    emulator ran (same structure word for word).
 *  - Bytes and flops: from the full-width launch records themselves (perf-model-lowering.ts): each
 *    record's tensor views as the backend passes them to CANN.
 *  - Constants: CONSTANTS below, each with its public source (and docs/bench/ascend-model.md).
 *
 * Usage: node dist/bench/ascend/perf-model.js [--socs Ascend910A,Ascend910B2] [--heads 3]
 *          [--json out.json] [--markdown out.md] [--smoke]
 * (needs the emulator: npm run build:ascend-emu; each SoC runs in a child process, since the emulator
 * reads GLM_ASCEND_EMU_SOC once per process.)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GLM_130B, headDim, type GlmConfig } from '../../core/models/glm/config.js';
import type { WeightQuantization } from '../../core/models/glm/weights-layout.js';
import { GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import { compileFor, planFor } from '../../core/execute/compile.js';
import { allocateTensor, freeTensor, uploadTensor } from '../../core/backend-api/device-tensors.js';
import type { DeviceTensor } from '../../core/backend-api/plugin-contract.js';
import { hostTensor } from '../../core/tensor/host-tensor.js';
import { plugin, type AscendBackend } from '../../backends/ascend/index.js';
import { CALL_KINDS, type CallKind } from '../../backends/ascend/device/call-counter.js';
import { ACL_DTYPE } from '../../backends/ascend/launch-codes.js';
import { decodeProgram } from '../../backends/ascend/launchers/record-reader.js';
import { fillUniform } from '../device-random.js';
import { graphWeights } from '../gpu-layer.js';
import {
  BLOCKS, MODELLED_LAYER, WORKLOADS, buildBlocksGraph, cacheForm, capacity, inputShapes, launchesOf, opName, planProgram, recordCost,
  type Workload,
} from './perf-model-lowering.js';

export const LABEL = 'model, not a measurement; no Ascend hardware ran';

/**
 * The modelled chips. Every number has a public source; none was measured here (no Ascend hardware).
 */
export const CONSTANTS = {
  Ascend910A: {
    name: 'original Ascend 910 (Ascend910A; Atlas 800 / Atlas 300T model 9000)',
    /** 256 TFLOPS fp16 (32 Da Vinci cores, 16×16×16 = 4,096 fp16 MACs per core per cycle): Huawei's launch
     * of the Ascend 910, 2019-08-23 (huawei.com press release); Hot Chips 31 Da Vinci talk, live blog at
     * https://www.anandtech.com/show/14756/hot-chips-live-blogs-huawei-da-vinci-architecture; Linley Group,
     * "Huawei Delivers Powerful AI Training", Microprocessor Report 2019-10-08
     * (https://www.linleygroup.com/newsletters/newsletter_detail.php?num=6076&year=2019&tag=3). */
    cubeFp16: 256e12,
    /** 1.2 TB/s: four HBM2 stacks, 32 GB (Linley Group, above: "four HBM2 stacks … 32GB of HBM2"); 1.2 TB/s
     * is the figure reported for the 910's HBM and agrees with four HBM2 stacks at 2.4 Gb/s a pin
     * (4 × 1024 bit × 2.4 Gb/s = 1.23 TB/s). Not confirmed from a Huawei primary document here (the Atlas
     * 300T model 9000 white paper could not be read past its first page): see the doc's note. */
    hbm: 1.2e12,
  },
  Ascend910B2: {
    name: 'Ascend 910B2 (Atlas A2, 64 GB HBM2e)',
    /** 24 Cube cores × 16×16×16 MACs × 2 × 1.8 GHz = 353.9 TFLOPS fp16, from CANN's own platform file
     * <toolkit>/<arch>-linux/data/platform_config/Ascend910B2.ini: [SoCInfo] ai_core_cnt=24, cube_core_cnt=24,
     * memory_size=68719476736; [AICoreSpec] cube_freq=1800, cube_m/n/k_size=16 (as quoted by the PTO-ISA
     * tutorials built on CANN 8.x). WQBMM dequantizes INT8/INT4 to fp16 in the kernel: fp16 Cube rate. */
    cubeFp16: 24 * 16 * 16 * 16 * 2 * 1.8e9,
    /** 1.6 TB/s: the HBM2e bandwidth publicly given for the 64 GB 910B (Atlas 800T A2); Huawei publishes
     * no per-SKU bandwidth sheet that could be found from here: see the doc's note. */
    hbm: 1.6e12,
  },
} as const satisfies Record<string, { name: string; cubeFp16: number; hbm: number }>;

export type ModelledSoc = keyof typeof CONSTANTS;

/**
 * CANN's own host cost per call (an aclnnXxx second phase on a cached executor, a rebind, a small
 * copy): no public measurement was found (docs/bench/ascend-model.md lists the searches). The model
 * brackets it: 2 µs (a GPU kernel launch's host cost) to 20 µs.
 */
export const CANN_PER_CALL_S = { low: 2e-6, high: 20e-6 } as const;

/** Reduced width run on the emulator: GLM-130B's head dim, `heads` heads, GeGLU at the release's 8/3. */
export function reducedConfig(heads: number): GlmConfig {
  const hidden = heads * headDim(GLM_130B);
  const ffn = (hidden * GLM_130B.ffnHiddenSize) / GLM_130B.hiddenSize;
  if (!Number.isInteger(ffn)) throw new Error(`--heads ${heads}: GeGLU width ${ffn} is not whole (use a multiple of 3)`);
  return { ...GLM_130B, name: `glm-130b-${heads}-heads`, numHeads: heads, hiddenSize: hidden, ffnHiddenSize: ffn };
}

function quantizationsFor(): WeightQuantization[] {
  return ['none', 'int8', 'int4'];
}

// ---------------------------------------------------------------------------------------------------
// Child: one SoC on the emulator. Counts the calls, plans both widths, prints one JSON line.
// ---------------------------------------------------------------------------------------------------

type KindCounts = Record<CallKind, number>;

function zero(): KindCounts {
  return Object.fromEntries(CALL_KINDS.map((k) => [k, 0])) as KindCounts;
}

export interface OpResult {
  readonly op: string;
  /** Launch records of this op at the full width, by name (aclnn op or host step). */
  readonly records: Readonly<Record<string, number>>;
  readonly launchRecordsReduced: number;
  readonly launchRecordsFull: number;
  /** Steady-state calls measured at the reduced width, by kind. */
  readonly measured: KindCounts;
  /** Steady-state calls carried to the full width (measured + full − reduced launch records). */
  readonly calls: number;
  readonly bytes: number;
  readonly flops: number;
  readonly h2dBytes: number;
  /** Σ over records of max(bytes/BW, flops/peak), per SoC constants: filled by the parent. */
  readonly perRecord: { bytes: number; flops: number }[];
}

export interface CaseResult {
  readonly soc: string;
  readonly quantization: WeightQuantization;
  readonly workload: string;
  readonly ops: OpResult[];
  /** Calls of the first block beyond the second's: once per run (per token in a model). */
  readonly perRunCalls: number;
  /** Calls outside any record (the final synchronisation): once per run. */
  readonly outsideRecords: number;
  /** First run (executors made), whole two-block graph, reduced width. */
  readonly firstRunCalls: number;
  readonly steadyRunCalls: number;
  readonly arenaBytesFull: number;
  readonly emulatorSeconds: number;
}

async function bindCase(backend: AscendBackend, c: GlmConfig, w: Workload, weights: ReadonlyMap<string, DeviceTensor>) {
  const { memory, native } = backend;
  const owned: DeviceTensor[] = [];
  let seed = 1000;
  const random = (shape: number[]) => {
    const t = allocateTensor(memory, 'f16', shape);
    owned.push(t);
    fillUniform(memory, native, t, -1, 1, seed++);
    return t;
  };
  const i32 = async (shape: number[], values: number[]) => {
    const t = await uploadTensor(memory, hostTensor('i32', shape, Int32Array.from(values)));
    owned.push(t);
    return t;
  };
  const inputs: Record<string, DeviceTensor> = Object.fromEntries(weights);
  inputs[GLM_OUTPUTS.hidden] = random([w.batch, w.seq, c.hiddenSize]);
  inputs[GLM_INPUTS.positions] = await i32([w.batch, w.seq], Array.from({ length: w.batch * w.seq }, (_, i) => w.past + (i % w.seq)));
  inputs[GLM_INPUTS.contextLengths] = await i32([w.batch], new Array<number>(w.batch).fill(w.context));
  inputs[GLM_INPUTS.cacheOffset] = await i32([1], [w.past]);
  if (cacheForm(w) === 'in-place-extend') inputs[GLM_INPUTS.kvLength] = await i32([1], [w.past + w.seq]);
  const hidden = allocateTensor(memory, 'f16', [w.batch, w.seq, c.hiddenSize]);
  owned.push(hidden);
  /**
   * Where this step's tokens go: `past` for the workload itself; a decode step's first run writes one
   * position earlier, so that the steady run moves the cache offset as a decode loop does (each cache
   * write's executor is then rebound to the new position, one call each, as in every real step).
   */
  const placeAt = (offset: number) => {
    const write = (t: DeviceTensor, values: number[]) => native.write(memory.own(t.buffer).address + t.byteOffset, new Uint8Array(Int32Array.from(values).buffer));
    write(inputs[GLM_INPUTS.positions]!, Array.from({ length: w.batch * w.seq }, (_, i) => offset + (i % w.seq)));
    write(inputs[GLM_INPUTS.cacheOffset]!, [offset]);
    if (cacheForm(w) === 'in-place-extend') write(inputs[GLM_INPUTS.kvLength]!, [offset + w.seq]);
  };
  const outputs: Record<string, DeviceTensor> = { [GLM_OUTPUTS.hidden]: hidden };
  for (let layer = 0; layer < BLOCKS; layer++) {
    const shape = [w.batch, c.numHeads, capacity(w), headDim(c)];
    const key = random(shape);
    const value = random(shape);
    inputs[GLM_INPUTS.pastKey(layer)] = key;
    inputs[GLM_INPUTS.pastValue(layer)] = value;
    outputs[GLM_OUTPUTS.presentKey(layer)] = key;
    outputs[GLM_OUTPUTS.presentValue(layer)] = value;
  }
  return { inputs, outputs, owned, placeAt };
}

async function child(soc: string, heads: number, smoke: boolean): Promise<void> {
  const backend = await plugin.open();
  if (backend.execution !== 'emulator') throw new Error(`perf model: expected the emulator, got ${backend.device}`);
  if (backend.runtime.socName !== soc) throw new Error(`perf model: asked for ${soc}, the emulator says ${backend.runtime.socName}`);
  const device = backend.native;
  const options = backend.context.options;

  // Calls by (record tag, kind), collected only while a run of ours is in flight.
  let collecting = false;
  let byTag = new Map<number, KindCounts>();
  const counter = device.counter;
  const count = counter.count.bind(counter);
  counter.count = (kind: CallKind, n = 1) => {
    if (collecting) {
      const tag = (counter as unknown as { tag: number }).tag;
      const k = byTag.get(tag) ?? zero();
      k[kind] += n;
      byTag.set(tag, k);
    }
    count(kind, n);
  };
  let lastProgram: Float64Array | null = null;
  const run = device.run.bind(device);
  device.run = (program: Float64Array, start?: number, end?: number) => {
    lastProgram = program;
    run(program, start, end);
  };

  // koffi's own cost per call on this host: a call with no work behind it (as koffi-overhead.ts).
  const fn = backend.runtime.acl.fn;
  for (let i = 0; i < 2000; i++) fn['aclrtGetSocName']!();
  const ffiCalls = 200_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ffiCalls; i++) fn['aclrtGetSocName']!();
  const ffiNs = Number(process.hrtime.bigint() - t0) / ffiCalls;

  const reduced = reducedConfig(heads);
  const cases: CaseResult[] = [];
  const workloads: Workload[] = smoke ? WORKLOADS.map((w) => ({ ...w, seq: Math.min(w.seq, 64), past: Math.min(w.past, 64), context: Math.min(w.context, 32), batch: Math.min(w.batch, 3) })) : [...WORKLOADS];
  for (const quantization of quantizationsFor()) {
    for (let wi = 0; wi < workloads.length; wi++) {
      const w = workloads[wi]!;
      const started = performance.now();
      const form = cacheForm(w);
      const graph = buildBlocksGraph(reduced, quantization, form);
      const { plan, executable } = await compileFor(backend, graph);
      const weights = graphWeights(backend.memory, device, graph);
      const { inputs, outputs, owned, placeAt } = await bindCase(backend, reduced, w, weights);
      const runOnce = async () => {
        byTag = new Map();
        collecting = true;
        try {
          await executable.run({ inputs, outputs });
        } finally {
          collecting = false;
        }
        return byTag;
      };
      const total = (m: Map<number, KindCounts>) => [...m.values()].reduce((s, k) => s + CALL_KINDS.reduce((a, kind) => a + k[kind], 0), 0);
      // Decode: the first run (executors made) one position back, the steady one at the workload's
      // position — the offset moved by one token, as from one decode step to the next. Prefill: both at 0.
      if (w.past > 0) placeAt(w.past - 1);
      const first = await runOnce();
      placeAt(w.past);
      const steady = await runOnce();
      const ran = decodeProgram(lastProgram!);

      // The same plan made here, without the device, must be the program the emulator ran.
      const shapesReduced = inputShapes(reduced, w);
      const mine = planProgram(plan, shapesReduced, options);
      if (mine.signature !== ran.signature) throw new Error(`perf model: ${soc} ${quantization} ${w.name}: the plan made here differs from the program the emulator ran`);

      // Full width: the same graphs, lowered and planned by the same backend code, never run.
      const full = buildBlocksGraph(GLM_130B, quantization, form);
      const fullPlan = planFor(backend, full);
      const fullShapes = inputShapes(GLM_130B, { ...WORKLOADS[wi]! });
      const fullProgram = planProgram(fullPlan, smoke ? inputShapes(GLM_130B, w) : fullShapes, options);

      const layerOf = (name: string) => /^layers\.(\d+)\./.exec(name)?.[1];
      const nodeName = (p: typeof plan, tag: number) => p.graph.nodes[tag]?.name ?? '(outside records)';
      const ops = new Map<string, { reduced: number; full: number; records: Record<string, number>; measured: KindCounts; perRecord: { bytes: number; flops: number }[]; bytes: number; flops: number; h2d: number; hostSteps: { reduced: string[]; full: string[] } }>();
      const entry = (op: string) => {
        let e = ops.get(op);
        if (!e) {
          e = { reduced: 0, full: 0, records: {}, measured: zero(), perRecord: [], bytes: 0, flops: 0, h2d: 0, hostSteps: { reduced: [], full: [] } };
          ops.set(op, e);
        }
        return e;
      };
      for (const r of mine.records) {
        const name = nodeName(plan, r.tag);
        if (layerOf(name) !== String(MODELLED_LAYER)) continue;
        const e = entry(opName(name));
        e.reduced += launchesOf(r);
        if (r.code >= 64) e.hostSteps.reduced.push(r.name);
      }
      for (const r of fullProgram.records) {
        const name = nodeName(fullPlan, r.tag);
        if (layerOf(name) !== String(MODELLED_LAYER)) continue;
        const e = entry(opName(name));
        e.full += launchesOf(r);
        if (r.code >= 64) e.hostSteps.full.push(r.name);
        e.records[r.name] = (e.records[r.name] ?? 0) + 1;
        const cost = recordCost(r);
        if (cost.flops > 0 && cost.cubeDtype !== ACL_DTYPE.f16) throw new Error(`perf model: Cube work in aclDataType ${cost.cubeDtype} (${r.name}); only fp16 peaks are modelled`);
        e.perRecord.push({ bytes: cost.bytes, flops: cost.flops });
        e.bytes += cost.bytes;
        e.flops += cost.flops;
        e.h2d += cost.h2dBytes;
      }
      let perLayer0 = 0;
      let perLayer1 = 0;
      let outside = 0;
      for (const [tag, kinds] of steady) {
        const name = tag < 0 ? '(outside records)' : nodeName(plan, tag);
        const calls = CALL_KINDS.reduce((a, k) => a + kinds[k], 0);
        const layer = layerOf(name);
        if (layer === String(MODELLED_LAYER)) {
          perLayer1 += calls;
          const e = entry(opName(name));
          for (const k of CALL_KINDS) e.measured[k] += kinds[k];
        } else if (layer === '0') perLayer0 += calls;
        else outside += calls;
      }
      const opResults: OpResult[] = [];
      for (const [op, e] of ops) {
        if (e.hostSteps.reduced.join() !== e.hostSteps.full.join()) {
          throw new Error(`perf model: ${op}: host steps differ between the widths (${e.hostSteps.reduced} vs ${e.hostSteps.full}); the carried count would be wrong`);
        }
        const measured = CALL_KINDS.reduce((a, k) => a + e.measured[k], 0);
        opResults.push({
          op, records: e.records, launchRecordsReduced: e.reduced, launchRecordsFull: e.full, measured: e.measured,
          calls: measured + e.full - e.reduced, bytes: e.bytes, flops: e.flops, h2dBytes: e.h2d, perRecord: e.perRecord,
        });
      }
      cases.push({
        soc, quantization, workload: WORKLOADS[wi]!.name, ops: opResults,
        perRunCalls: perLayer0 - perLayer1, outsideRecords: outside, firstRunCalls: total(first), steadyRunCalls: total(steady),
        arenaBytesFull: fullProgram.arenaBytes, emulatorSeconds: (performance.now() - started) / 1e3,
      });
      executable.dispose();
      for (const t of [...owned, ...weights.values()]) freeTensor(backend.memory, t);
      process.stderr.write(`  ${soc} ${quantization} ${w.name}: ${((performance.now() - started) / 1e3).toFixed(1)} s on the emulator\n`);
    }
  }
  process.stdout.write(JSON.stringify({ soc, device: backend.device, ffiNsPerCall: ffiNs, reducedConfig: reduced, cases }) + '\n');
  await backend.close();
}

// ---------------------------------------------------------------------------------------------------
// Parent: runs one child per SoC, applies the constants, prints the tables.
// ---------------------------------------------------------------------------------------------------

interface ChildReport {
  readonly soc: ModelledSoc;
  readonly device: string;
  readonly ffiNsPerCall: number;
  readonly reducedConfig: GlmConfig;
  readonly cases: CaseResult[];
}

const QUANT_NAMES: Record<WeightQuantization, string> = { none: 'fp16', int8: 'INT8 weights', int4: 'INT4 weights' };

function lines(): { out: string[]; say: (s?: string) => void } {
  const out: string[] = [];
  return { out, say: (s = '') => out.push(s) };
}

function fmt(x: number, digits = 3): string {
  if (x === 0) return '0';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(digits);
}

export interface ModelledCase {
  readonly soc: ModelledSoc;
  readonly quantization: WeightQuantization;
  readonly workload: string;
  readonly deviceMs: number;
  readonly bytesMs: number;
  readonly flopsMs: number;
  readonly calls: number;
  readonly perRunCalls: number;
  readonly ffiMs: number;
  readonly totalMs: { ffiOnly: number; low: number; high: number };
  readonly bound: 'bytes' | 'flops';
  readonly bytes: number;
  readonly flops: number;
}

function model(report: ChildReport, k: CaseResult, say: (s?: string) => void, md: (s?: string) => void): ModelledCase {
  const soc = CONSTANTS[report.soc];
  const ffi = report.ffiNsPerCall * 1e-9;
  const perCall = { low: ffi + CANN_PER_CALL_S.low, high: ffi + CANN_PER_CALL_S.high };
  const title = `${soc.name} — ${QUANT_NAMES[k.quantization]} — ${k.workload} — one layer`;
  say(`${title}`);
  say(`  ${'op'.padEnd(26)} ${'aclnn/host records'.padEnd(44)} ${'calls'.padStart(5)} ${'MB'.padStart(9)} ${'GFLOP'.padStart(9)} ${'dev µs'.padStart(9)} bound  ${'host µs (2–20 µs/call)'.padStart(22)}`);
  md(`**${title}** (${LABEL})`);
  md();
  md('| op | launch records (full width) | host calls | MB moved | GFLOP | device µs | bound | host µs, 2–20 µs a call |');
  md('|---|---|---|---|---|---|---|---|');
  let deviceS = 0;
  let bytesS = 0;
  let flopsS = 0;
  let calls = 0;
  let bytes = 0;
  let flops = 0;
  for (const op of k.ops) {
    let t = 0;
    let tb = 0;
    let tf = 0;
    for (const r of op.perRecord) {
      const b = r.bytes / soc.hbm;
      const f = r.flops / soc.cubeFp16;
      t += Math.max(b, f);
      tb += b;
      tf += f;
    }
    deviceS += t;
    bytesS += tb;
    flopsS += tf;
    calls += op.calls;
    bytes += op.bytes;
    flops += op.flops;
    const recs = Object.entries(op.records).map(([n, c]) => (c > 1 ? `${n}×${c}` : n)).join(' ') || '(views only)';
    const bound = tf > tb ? 'flops' : 'bytes';
    const host = `${fmt(op.calls * perCall.low * 1e6, 1)}–${fmt(op.calls * perCall.high * 1e6, 1)}`;
    say(`  ${op.op.padEnd(26)} ${recs.slice(0, 44).padEnd(44)} ${String(op.calls).padStart(5)} ${fmt(op.bytes / 1e6).padStart(9)} ${fmt(op.flops / 1e9).padStart(9)} ${fmt(t * 1e6, 1).padStart(9)} ${bound.padEnd(6)} ${host.padStart(22)}`);
    md(`| ${op.op} | ${recs} | ${op.calls} | ${fmt(op.bytes / 1e6)} | ${fmt(op.flops / 1e9)} | ${fmt(t * 1e6, 1)} | ${op.perRecord.length ? bound : '—'} | ${host} |`);
  }
  const totalMs = {
    ffiOnly: (deviceS + calls * ffi) * 1e3,
    low: (deviceS + calls * perCall.low) * 1e3,
    high: (deviceS + calls * perCall.high) * 1e3,
  };
  const bound = flopsS > bytesS ? 'flops' : 'bytes';
  say(`  TOTAL: device ${fmt(deviceS * 1e3)} ms (${bound}-bound: bytes ${fmt(bytesS * 1e3)} ms, Cube ${fmt(flopsS * 1e3)} ms), ${calls} host calls → ` +
    `${fmt(totalMs.low)}–${fmt(totalMs.high)} ms (koffi alone: ${fmt(totalMs.ffiOnly)} ms); per token once: ${k.perRunCalls} read-back calls + ${k.outsideRecords} sync`);
  md(`| **total** | | **${calls}** | **${fmt(bytes / 1e6)}** | **${fmt(flops / 1e9)}** | **${fmt(deviceS * 1e6, 1)}** | ${bound} | ${fmt(calls * perCall.low * 1e6, 1)}–${fmt(calls * perCall.high * 1e6, 1)} |`);
  md();
  md(`Layer total ${fmt(totalMs.low)}–${fmt(totalMs.high)} ms (device ${fmt(deviceS * 1e3)} ms + ${calls} calls); once per run (per token in a model, not per layer): ${k.perRunCalls} read-back calls and ${k.outsideRecords} final synchronisation. Intermediates at full width: ${fmt(k.arenaBytesFull / 2 ** 30)} GiB.`);
  md();
  return {
    soc: report.soc, quantization: k.quantization, workload: k.workload, deviceMs: deviceS * 1e3, bytesMs: bytesS * 1e3, flopsMs: flopsS * 1e3,
    calls, perRunCalls: k.perRunCalls, ffiMs: calls * ffi * 1e3, totalMs, bound, bytes, flops,
  };
}

async function parent(socs: string[], heads: number, jsonOut: string | undefined, markdownOut: string | undefined, smoke: boolean): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const reports: ChildReport[] = [];
  for (const soc of socs) {
    if (!(soc in CONSTANTS)) throw new Error(`perf model: no constants for ${soc} (known: ${Object.keys(CONSTANTS).join(', ')})`);
    process.stderr.write(`${soc}: the backend's lowering on the emulator (${heads} heads of 128), two blocks…\n`);
    const args = [self, '--child', soc, '--heads', String(heads), ...(smoke ? ['--smoke'] : [])];
    const r = spawnSync(process.execPath, args, {
      env: { ...process.env, GLM_ASCEND_EMULATOR: '1', GLM_ASCEND_EMU_SOC: soc },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 28,
    });
    if (r.status !== 0) throw new Error(`perf model: the ${soc} child failed (status ${r.status})`);
    const last = r.stdout.trim().split('\n').pop()!;
    reports.push({ ...(JSON.parse(last) as ChildReport), soc: soc as ModelledSoc });
  }

  const { out, say } = lines();
  const mdLines: string[] = [];
  const md = (s = '') => mdLines.push(s);
  say(`GLM-130B, one layer (hidden 12288, 96 heads × 128, GeGLU 32768), fp16 activations — ${LABEL}`);
  say(`time ≈ Σ records max(bytes / HBM, Cube flops / Cube fp16 peak) + host calls × (koffi ${reports.map((r) => `${r.ffiNsPerCall.toFixed(0)} ns`).join('/')} measured here + CANN 2–20 µs, unknown)`);
  for (const r of reports) say(`${r.soc}: ${CONSTANTS[r.soc].name}: Cube fp16 ${fmt(CONSTANTS[r.soc].cubeFp16 / 1e12)} TFLOPS, HBM ${fmt(CONSTANTS[r.soc].hbm / 1e12)} TB/s; calls from ${r.device}`);
  say();
  const modelled: ModelledCase[] = [];
  for (const r of reports) {
    for (const k of r.cases) {
      modelled.push(model(r, k, say, md));
      say();
    }
  }
  say(`SUMMARY — ${LABEL}`);
  say(`  ${'chip'.padEnd(12)} ${'weights'.padEnd(13)} ${'workload'.padEnd(23)} ${'device ms'.padStart(10)} bound  ${'calls'.padStart(5)} ${'layer ms (2–20 µs/call)'.padStart(24)} ${'×70 layers, ms'.padStart(18)}`);
  const summary: string[] = [];
  summary.push(`| chip | weights | workload | GB moved | TFLOP | device ms (bound) | host calls | layer ms, CANN 2 µs / 20 µs a call | koffi's share, µs | ×70 layers, ms |`);
  summary.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const m of modelled) {
    say(`  ${m.soc.padEnd(12)} ${QUANT_NAMES[m.quantization].padEnd(13)} ${m.workload.padEnd(23)} ${fmt(m.deviceMs).padStart(10)} ${m.bound.padEnd(6)} ${String(m.calls).padStart(5)} ${`${fmt(m.totalMs.low)}–${fmt(m.totalMs.high)}`.padStart(24)} ${`${fmt(70 * m.totalMs.low)}–${fmt(70 * m.totalMs.high)}`.padStart(18)}`);
    summary.push(`| ${m.soc} | ${QUANT_NAMES[m.quantization]} | ${m.workload} | ${fmt(m.bytes / 1e9)} | ${fmt(m.flops / 1e12)} | ${fmt(m.deviceMs)} (${m.bound}) | ${m.calls} | ${fmt(m.totalMs.low)} / ${fmt(m.totalMs.high)} | ${fmt(m.ffiMs * 1e3, 1)} | ${fmt(70 * m.totalMs.low)} / ${fmt(70 * m.totalMs.high)} |`);
  }
  for (const l of out) console.log(l ? `[${LABEL}] ${l}` : '');
  if (markdownOut) {
    const text = [`<!-- written by bench/ascend/perf-model.ts: ${LABEL} -->`, '', `### Summary (${LABEL})`, '', ...summary, '', `### Per op (${LABEL})`, '', ...mdLines].join('\n');
    writeFileSync(markdownOut, text + '\n');
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ label: LABEL, date: new Date().toISOString(), constants: CONSTANTS, cannPerCallS: CANN_PER_CALL_S, reports, modelled }, null, 1) + '\n');
}

const { values } = parseArgs({
  options: {
    socs: { type: 'string', default: 'Ascend910A,Ascend910B2' },
    heads: { type: 'string', default: '3' },
    json: { type: 'string' },
    markdown: { type: 'string' },
    child: { type: 'string' },
    smoke: { type: 'boolean', default: false },
  },
});
const heads = Number(values.heads);
const main = values.child
  ? child(values.child, heads, values.smoke!)
  : parent(values.socs!.split(','), heads, values.json, values.markdown, values.smoke!);
main.catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
