/**
 * The oracle cross-checked against an implementation nobody here wrote: each graph case is widened
 * to f32, run on cpu-ref (runGraph) and exported to ONNX and run on onnxruntime-node's CPU execution
 * provider; every output is compared with the conformance comparison at the fp32 tolerance of the
 * case's op class. See docs/conformance-onnx.md.
 */
import type { InferenceSession as OrtSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { plugin as cpuRefPlugin } from '../../backends/cpu-ref/index.js';
import type { Graph } from '../../core/ir/graph.js';
import { getOp } from '../../core/ir/ops/catalogue.js';
import { runGraph } from '../../core/execute/run-graph.js';
import type { Backend } from '../../core/backend-api/plugin-contract.js';
import type { DType } from '../../core/tensor/dtype.js';
import { toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';
import type { ConformanceCase, GraphCase, GraphCaseInstance } from '../case.js';
import { allCases } from '../catalogue.js';
import { compareOutput } from '../compare.js';
import { toleranceFor, type ErrorClass, type Tolerance } from '../tolerance.js';
import { exportGraph, lowerComposites, OnnxUnsupportedError, type OnnxExport } from './export.js';
import { hasHalfTypes, toF32Graph, toF32Inputs } from './f32.js';

export type CrossCheckStatus = 'agree' | 'disagree' | 'skipped' | 'error';

export interface OutputComparison {
  readonly name: string;
  readonly dtype: DType;
  readonly nmse: number;
  readonly worstEps: number;
  readonly tolerance: { readonly nmse: number; readonly worstEps: number };
  readonly failure?: string;
  /** The reference output is constant: agreement says less about the kernel (reported, not a failure). */
  readonly degenerate?: string;
}

export interface CrossCheckResult {
  readonly id: string;
  readonly level: ConformanceCase['level'];
  readonly subject: string;
  /** The case's own dtype; the check itself always runs the f32 version of the graph. */
  readonly dtype: DType;
  readonly composites: ConformanceCase['composites'];
  readonly status: CrossCheckStatus;
  /** Why it was skipped, the first failing output, or the error. */
  readonly reason?: string;
  /** IR ops the case exercised: the nodes of the f32 graph as built plus the primitives exported to ONNX. */
  readonly ops: readonly string[];
  /** IR primitives of the exported (decomposed) graph, i.e. the ops mapped to ONNX. */
  readonly exportedOps: readonly string[];
  readonly onnxOps: readonly string[];
  readonly tolerance?: Tolerance;
  /** Where the fp32 tolerance came from. */
  readonly toleranceSource?: string;
  readonly outputs: readonly OutputComparison[];
  readonly seconds: number;
}

export interface CrossCheckOptions {
  /** Cases to look fp32 twins up in (default: the whole catalogue). */
  readonly catalogue?: readonly ConformanceCase[];
  /** Called after each case (progress). */
  readonly onResult?: (result: CrossCheckResult) => void;
}

type Ort = typeof import('onnxruntime-node');
let ortModule: Promise<Ort> | undefined;

/** onnxruntime-node, loaded on first use (a devDependency: nothing else in the SDK needs it). */
export function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').then((m) => ((m as { default?: Ort }).default ?? m) as Ort);
  return ortModule;
}

// ------------------------------------------------------------------------------------------------
// The fp32 tolerance of a case.

/** Op class of each subject, for cases without an f32 twin in the catalogue (conformance/cases/*). */
const ERROR_CLASS: Readonly<Record<string, ErrorClass>> = {
  reshape: 'exact', transpose: 'exact', split: 'exact', concat: 'exact', slice: 'exact', gather: 'exact',
  'masked-fill': 'exact', 'glm-mask-fill': 'exact', 'all-reduce': 'exact', 'cache-write': 'exact',
  add: 'rounded', mul: 'rounded', scale: 'rounded', dequantize: 'rounded', cast: 'rounded',
  gelu: 'few-roundings', geglu: 'few-roundings', 'bias-geglu': 'few-roundings', 'deepnorm-residual': 'few-roundings',
  rope: 'few-roundings', 'qkv-bias-rope': 'few-roundings', 'rotary-table': 'few-roundings',
  matmul: 'reduction', linear: 'reduction', 'layer-norm': 'reduction', softmax: 'reduction', 'log-sum-exp': 'reduction',
  'top-k': 'exact',
  attention: 'attention',
  'glm-block': 'chain', 'glm-model': 'chain',
};

/** The longest reduction in a graph (matmul contraction, layer-norm width, softmax axis, attention keys). */
function longestReduction(graph: Graph): number {
  let k = 1;
  const static_ = (id: number, axis: number) => {
    const shape = graph.values[id]!.type.shape;
    const d = shape[axis < 0 ? shape.length + axis : axis];
    return typeof d === 'number' ? d : 1;
  };
  for (const n of graph.nodes) {
    if (n.op === 'matmul') k = Math.max(k, static_(n.inputs[0]!, -1));
    if (n.op === 'linear' || n.op === 'layer-norm' || n.op === 'log-sum-exp') k = Math.max(k, static_(n.inputs[0]!, -1));
    if (n.op === 'softmax') k = Math.max(k, static_(n.inputs[0]!, n.attrs['axis'] as number));
    if (n.op === 'attention') k = Math.max(k, static_(n.inputs[1]!, 2), static_(n.inputs[0]!, 3));
  }
  return k;
}

function twinId(c: GraphCase): string | null {
  if (c.dtype !== 'f16' && c.dtype !== 'bf16') return null;
  const parts = c.id.split('/');
  const at = parts.indexOf(c.dtype);
  if (at < 0) return null;
  parts[at] = 'f32';
  return parts.join('/');
}

function f32Tolerance(c: GraphCase, instance: GraphCaseInstance, byId: ReadonlyMap<string, ConformanceCase>): { tolerance: Tolerance; source: string } {
  if (c.dtype !== 'f16' && c.dtype !== 'bf16') return { tolerance: instance.tolerance, source: `the case's own (${c.dtype})` };
  // Blocks and models are judged as a chain (no reduction length); building their twin would only
  // regenerate a model's worth of random weights to read back toleranceFor('chain', 'f32').
  const id = c.level === 'op' ? twinId(c) : null;
  const twin = id ? byId.get(id) : undefined;
  if (twin && twin.kind === 'graph') return { tolerance: twin.build().tolerance, source: `its f32 twin ${twin.id}` };
  const errorClass = ERROR_CLASS[c.subject];
  if (!errorClass) throw new Error(`no op class known for subject "${c.subject}" of ${c.id}`);
  const k = longestReduction(instance.graph);
  return { tolerance: toleranceFor(errorClass, 'f32', k), source: `toleranceFor('${errorClass}', 'f32', ${k})` };
}

// ------------------------------------------------------------------------------------------------
// Running one case on each side.

function ortFeed(ort: Ort, t: HostTensor, encoding: 'plain' | 'i4-packed-u8'): OrtTensor {
  const dims = [...t.shape];
  if (encoding === 'i4-packed-u8') return new ort.Tensor('uint8', t.data as Uint8Array, [dims[0]!, dims[1]! / 2]);
  switch (t.dtype) {
    case 'f32':
      return new ort.Tensor('float32', t.data as Float32Array, dims);
    case 'i32':
      return new ort.Tensor('int32', t.data as Int32Array, dims);
    case 'i8':
      return new ort.Tensor('int8', t.data as Int8Array, dims);
    default:
      throw new Error(`no ORT feed for ${t.dtype}`);
  }
}

async function runOrt(ort: Ort, exported: OnnxExport, inputs: Readonly<Record<string, HostTensor>>): Promise<Record<string, Float64Array>> {
  // Optimizations off: ORT runs the exported ops as written (no fusion into its own Gelu/LayerNorm kernels);
  // one thread: reductions in a fixed order, and no oversubscription of a small CI machine.
  const session: OrtSession = await ort.InferenceSession.create(exported.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'disabled',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  });
  try {
    const feeds: Record<string, OrtTensor> = {};
    for (const b of exported.inputs) {
      const t = inputs[b.irName];
      if (!t) throw new Error(`no tensor for input "${b.irName}"`);
      feeds[b.onnxName] = ortFeed(ort, t, b.encoding);
    }
    const results = await session.run(feeds);
    const out: Record<string, Float64Array> = {};
    for (const b of exported.outputs) {
      const r = results[b.onnxName];
      if (!r) throw new Error(`ORT returned no output "${b.onnxName}"`);
      out[b.irName] = Float64Array.from(r.data as ArrayLike<number>);
    }
    return out;
  } finally {
    await session.release();
  }
}

/** Run an exported model once on ORT's CPU provider: outputs by IR output name, as float64. */
export async function runOnOrt(exported: OnnxExport, inputs: Readonly<Record<string, HostTensor>>): Promise<Record<string, Float64Array>> {
  return runOrt(await loadOrt(), exported, inputs);
}

function opsOf(graph: Graph): string[] {
  return [...new Set(graph.nodes.map((n) => n.op))].sort();
}

async function checkOne(ort: Ort, cpuRef: Backend, c: ConformanceCase, byId: ReadonlyMap<string, ConformanceCase>): Promise<Omit<CrossCheckResult, 'seconds'>> {
  const base = { id: c.id, level: c.level, subject: c.subject, dtype: c.dtype, composites: c.composites };
  if (c.kind !== 'graph') {
    return { ...base, status: 'skipped', reason: 'a generation case (token sequences, not a graph)', ops: [], exportedOps: [], onnxOps: [], outputs: [] };
  }
  const instance = c.build();
  const graph = hasHalfTypes(instance.graph) ? toF32Graph(instance.graph) : instance.graph;
  const inputs = toF32Inputs(instance.inputs);
  const shapes = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, t.shape]));
  const asBuiltOps = opsOf(graph);
  let exported: OnnxExport;
  try {
    exported = exportGraph(graph, shapes);
  } catch (e) {
    if (e instanceof OnnxUnsupportedError) {
      return { ...base, status: 'skipped', reason: e.message, ops: asBuiltOps, exportedOps: [], onnxOps: [], outputs: [] };
    }
    throw e;
  }
  const exportedOps = opsOf(exported.lowered);
  const ops = [...new Set([...asBuiltOps, ...exportedOps])].sort();
  const common = { ...base, ops, exportedOps, onnxOps: [...exported.onnxOps].sort() };
  const { tolerance, source } = f32Tolerance(c, instance, byId);
  try {
    // 'as-built' cases run cpu-ref's composite kernels; 'decomposed' cases run its primitives on the same decomposition ORT gets.
    const referenceGraph = c.composites === 'decomposed' ? lowerComposites(graph) : graph;
    const expected = await runGraph(cpuRef, referenceGraph, inputs);
    const got = await runOrt(ort, exported, inputs);
    const outputs: OutputComparison[] = graph.outputs.map((o) => {
      const dtype = graph.values[o.value]!.type.dtype;
      const cmp = compareOutput(o.name, dtype, got[o.name]!, toFloat64(expected[o.name]!), tolerance);
      return {
        name: o.name, dtype, nmse: cmp.nmse, worstEps: cmp.worstEps,
        tolerance: { nmse: tolerance.nmse, worstEps: tolerance.worstEps },
        ...(cmp.failure ? { failure: cmp.failure } : {}),
        ...(cmp.degenerate ? { degenerate: cmp.degenerate } : {}),
      };
    });
    const failed = outputs.find((o) => o.failure);
    return { ...common, status: failed ? 'disagree' : 'agree', ...(failed ? { reason: failed.failure } : {}), tolerance, toleranceSource: source, outputs };
  } catch (e) {
    return { ...common, status: 'error', reason: e instanceof Error ? e.message : String(e), tolerance, toleranceSource: source, outputs: [] };
  }
}

/** Cross-check each case (graph cases; generation cases are recorded as skipped). */
export async function crossCheck(cases: readonly ConformanceCase[], options: CrossCheckOptions = {}): Promise<CrossCheckResult[]> {
  const ort = await loadOrt();
  const cpuRef = await cpuRefPlugin.open();
  const byId = new Map((options.catalogue ?? allCases()).map((c) => [c.id, c] as const));
  const results: CrossCheckResult[] = [];
  try {
    for (const c of cases) {
      const started = performance.now();
      const r = { ...(await checkOne(ort, cpuRef, c, byId)), seconds: (performance.now() - started) / 1000 };
      results.push(r);
      options.onResult?.(r);
    }
  } finally {
    await cpuRef.close();
  }
  return results;
}

// ------------------------------------------------------------------------------------------------
// Summaries.

export interface OpTally {
  /** Cases that exercised the op and were compared (agreed or not). */
  compared: number;
  agreed: number;
  skipped: number;
  /** Distinct skip reasons. */
  readonly skipReasons: Set<string>;
}

/** Per IR op: how many compared cases exercised it, how many agreed, how many were skipped and why. */
export function tallyByOp(results: readonly CrossCheckResult[]): Map<string, OpTally> {
  const tally = new Map<string, OpTally>();
  const get = (op: string) => {
    let t = tally.get(op);
    if (!t) tally.set(op, (t = { compared: 0, agreed: 0, skipped: 0, skipReasons: new Set() }));
    return t;
  };
  for (const r of results) {
    const ops = r.ops.length > 0 ? r.ops : [r.subject];
    for (const op of ops) {
      const t = get(op);
      if (r.status === 'skipped') {
        t.skipped++;
        if (r.reason) t.skipReasons.add(r.reason);
      } else {
        t.compared++;
        if (r.status === 'agree') t.agreed++;
      }
    }
  }
  return tally;
}

/** IR ops exported to ONNX and run by ORT in at least one case that was compared. */
export function exportedOpsCovered(results: readonly CrossCheckResult[]): Set<string> {
  return new Set(results.filter((r) => r.status === 'agree' || r.status === 'disagree').flatMap((r) => r.exportedOps));
}

/** Composites whose decomposition ORT ran, checked against cpu-ref (composite kernel or decomposition). */
export function compositesCovered(results: readonly CrossCheckResult[]): Set<string> {
  return new Set(
    results.filter((r) => r.status === 'agree' || r.status === 'disagree').flatMap((r) => r.ops.filter((op) => getOp(op).kind === 'composite')),
  );
}

/** Largest error/bound ratios over a result's outputs (0 when both are 0). */
function margins(r: CrossCheckResult): { worst: number; nmse: number } {
  const ratio = (v: number, max: number) => (v === 0 ? 0 : max === 0 ? Infinity : v / max);
  let worst = 0;
  let nmse = 0;
  for (const o of r.outputs) {
    worst = Math.max(worst, ratio(o.worstEps, o.tolerance.worstEps));
    nmse = Math.max(nmse, ratio(o.nmse, o.tolerance.nmse));
  }
  return { worst, nmse };
}

/** A text summary: totals, a line per subject (the op under test, with the largest error/bound ratios), a line per op exercised. */
export function formatSummary(results: readonly CrossCheckResult[]): string {
  const count = (s: CrossCheckStatus, rs: readonly CrossCheckResult[] = results) => rs.filter((r) => r.status === s).length;
  const lines = [
    `${results.length} cases: ${count('agree')} agree, ${count('disagree')} disagree, ${count('error')} error, ${count('skipped')} skipped; ` +
      `${results.reduce((s, r) => s + r.seconds, 0).toFixed(1)} s`,
    'by subject (the op under test): cases, agree, disagree+error, skipped, largest worst-element/bound, largest nmse/bound',
  ];
  const subjects = [...new Set(results.map((r) => r.subject))].sort();
  for (const subject of subjects) {
    const rs = results.filter((r) => r.subject === subject);
    const m = rs.reduce((acc, r) => {
      const x = margins(r);
      return { worst: Math.max(acc.worst, x.worst), nmse: Math.max(acc.nmse, x.nmse) };
    }, { worst: 0, nmse: 0 });
    lines.push(
      `  ${subject.padEnd(18)} ${String(rs.length).padStart(5)} ${String(count('agree', rs)).padStart(5)} ${String(count('disagree', rs) + count('error', rs)).padStart(4)} ` +
        `${String(count('skipped', rs)).padStart(4)}   ${m.worst.toFixed(3)}  ${m.nmse.toFixed(3)}`,
    );
  }
  lines.push('by op exercised (nodes of the graph as built, or of the decomposition exported to ORT): compared, agreed, skipped');
  const tally = tallyByOp(results);
  for (const op of [...tally.keys()].sort()) {
    const t = tally.get(op)!;
    lines.push(`  ${op.padEnd(18)} ${String(t.compared).padStart(5)} ${String(t.agreed).padStart(5)} ${String(t.skipped).padStart(4)}${t.skipReasons.size ? `  (${[...t.skipReasons].join('; ')})` : ''}`);
  }
  for (const r of results.filter((x) => x.status === 'disagree' || x.status === 'error')) lines.push(`  ${r.status.toUpperCase()} ${r.id}: ${r.reason}`);
  return lines.join('\n');
}
