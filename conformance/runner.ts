/**
 * Runs cases on a target backend against cpu-ref and gives each a status:
 *   pass | fail | unsupported (the backend's own reason) | expected-failure (listed, with a reason)
 *   | unexpected-pass (listed as failing but passed: the list needs updating) | mistrusted (the
 *   reference output is too degenerate to judge a kernel by).
 * Every non-passing case carries one command line that reruns it alone.
 */
import { isGlmError } from '../core/errors.js';
import { getOp, OP_CATALOGUE } from '../core/ir/ops/catalogue.js';
import type { Graph } from '../core/ir/graph.js';
import { lowerForBackend } from '../core/passes/decompose.js';
import { validateGraph } from '../core/passes/validate.js';
import { unsupported } from '../core/backend-api/capability.js';
import type { Backend } from '../core/backend-api/plugin-contract.js';
import { runGraph } from '../core/execute/run-graph.js';
import { elementCount, toFloat64, type HostTensor } from '../core/tensor/host-tensor.js';
import { byteLengthOf, DTYPE_INFO } from '../core/tensor/dtype.js';
import type { ConformanceCase, GenerationCase, GraphCase } from './case.js';
import { compareOutput } from './compare.js';
import type { ExpectedFailures } from './expected-failures.js';
import { runGuarded, unwrittenElements } from './guarded-run.js';
import { fingerprintOf, type CaseFingerprint } from './suite-identity.js';

export type CaseStatus = 'pass' | 'fail' | 'unsupported' | 'expected-failure' | 'unexpected-pass' | 'mistrusted';

export interface CaseResult {
  readonly id: string;
  readonly level: ConformanceCase['level'];
  readonly subject: string;
  readonly dtype: string;
  readonly composites: ConformanceCase['composites'];
  readonly status: CaseStatus;
  /** Why it is not a plain pass (failure, backend reason, listed reason, degeneracy). */
  readonly detail?: string;
  readonly nmse?: number;
  readonly worstEps?: number;
  readonly tolerance?: { nmse: number; worstEps: number };
  /** Rerun this case alone. */
  readonly repro?: string;
  /**
   * For an op case whose subject is a composite: whether the backend ran it with a kernel of its own
   * ('native') or through its decomposition (forced by the case, or because the backend refused it).
   */
  readonly ran?: 'native' | 'decomposed';
  readonly perf?: { medianMs: number; /** Interquartile range of the timed runs: the run's own noise. */ spreadMs?: number; bytes: number; flops: number; gbPerSecond: number; tflopPerSecond: number; rooflineFraction?: number };
  readonly seconds: number;
}

export interface RunnerOptions {
  /** The name or path given to --backend, for repro lines. */
  readonly backendSpec: string;
  readonly expected: ExpectedFailures;
  /** Timed repetitions per case after the checked run; 0 = no perf mode. */
  readonly perfRuns: number;
  /** Filled with each graph case's fingerprint from the instance the run built (for the suite identity). */
  readonly fingerprints?: Map<string, CaseFingerprint>;
}

function repro(spec: string, id: string): string {
  return `glm conformance --backend ${spec} --case '${id}'`;
}

/** Lowering for the case's composite mode: 'decomposed' refuses every composite on the backend's behalf. */
function lowered(c: GraphCase, graph: Graph, backend: Backend) {
  return lowerForBackend(graph, (view) =>
    c.composites === 'decomposed' && getOp(view.node.op).decompose ? unsupported('decomposition forced by the case') : backend.supports(view),
  );
}

function isComposite(subject: string): boolean {
  return OP_CATALOGUE.get(subject)?.decompose !== undefined;
}

/** How an op case's composite subject ran: its own node kept ('native') or decomposed; nothing for the rest. */
function ranOf(c: GraphCase, decomposed: readonly { op: string }[]): Pick<CaseResult, 'ran'> {
  if (c.level !== 'op' || !isComposite(c.subject)) return {};
  return { ran: decomposed.some((d) => d.op === c.subject) ? 'decomposed' : 'native' };
}

async function runGraphCase(c: GraphCase, reference: Backend, target: Backend, options: RunnerOptions): Promise<Omit<CaseResult, 'seconds' | 'id' | 'level' | 'subject' | 'dtype' | 'composites'>> {
  const instance = c.build();
  options.fingerprints?.set(c.id, fingerprintOf(c, instance));
  validateGraph(instance.graph);
  const plan = lowered(c, instance.graph, target);
  if (plan.unrunnable.length > 0) {
    const reasons = [...new Set(plan.unrunnable.map((u) => `${u.op}: ${u.reason}`))];
    return { status: 'unsupported', detail: reasons.join('; ') };
  }
  const ran = ranOf(c, plan.decomposed);
  const expectedOutputs = await runGraph(reference, instance.graph, instance.inputs);
  let executable;
  try {
    executable = await target.compile({ graph: plan.graph, decomposed: plan.decomposed });
  } catch (e) {
    return { status: 'fail', detail: `compile failed: ${(e as Error).message}` };
  }
  let result;
  try {
    result = await runGuarded(target, { graph: plan.graph, decomposed: plan.decomposed }, executable, instance.inputs, options.perfRuns, c.inPlace);
  } catch (e) {
    return { status: 'fail', detail: `run failed: ${(e as Error).message}` };
  } finally {
    executable.dispose();
  }
  const tolerance = { nmse: instance.tolerance.nmse, worstEps: instance.tolerance.worstEps };
  const problems: string[] = [...result.violations];
  const degenerate: string[] = [];
  let nmse = 0;
  let worstEps = 0;
  for (const out of instance.graph.outputs) {
    const got = result.outputs[out.name]!;
    const want = expectedOutputs[out.name]!;
    const refValues = toFloat64(want);
    const poison = result.poison[out.name];
    const unwritten = poison === undefined ? [] : unwrittenElements(got, want, poison).filter((i) => !Number.isNaN(refValues[i]!));
    if (unwritten.length > 0) problems.push(`output "${out.name}" element(s) ${unwritten.join(', ')} never written`);
    const cmp = compareOutput(out.name, want.dtype, toFloat64(got), refValues, instance.tolerance);
    nmse = Math.max(nmse, cmp.nmse);
    worstEps = Math.max(worstEps, cmp.worstEps);
    if (cmp.failure && unwritten.length === 0) problems.push(cmp.failure);
    if (cmp.degenerate) degenerate.push(`${out.name}: ${cmp.degenerate}`);
  }
  const perf = result.timings.length > 0 ? perfOf(result.timings, instance.inputs, result.outputs, instance.flops, target.roofline) : undefined;
  const metrics = { nmse, worstEps, tolerance, ...ran, ...(perf ? { perf } : {}) };
  if (problems.length > 0) return { status: 'fail', detail: problems.join('; '), ...metrics };
  if (degenerate.length > 0) return { status: 'mistrusted', detail: degenerate.join('; '), ...metrics };
  return { status: 'pass', ...metrics };
}

/** Median time, bytes moved (inputs read + outputs written), and the rates; vs the roofline when the backend knows it. */
function perfOf(timings: number[], inputs: Readonly<Record<string, HostTensor>>, outputs: Record<string, HostTensor>, flops: number, roofline: Backend['roofline']) {
  const sorted = [...timings].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)]!;
  const spreadMs = sorted[Math.floor(0.75 * (sorted.length - 1))]! - sorted[Math.floor(0.25 * (sorted.length - 1))]!;
  let bytes = 0;
  for (const t of [...Object.values(inputs), ...Object.values(outputs)]) bytes += byteLengthOf(t.dtype, elementCount(t.shape));
  const seconds = medianMs / 1000;
  // The time a roofline device needs at least: whichever of memory traffic and arithmetic is slower.
  const floor = roofline ? Math.max(bytes / roofline.bytesPerSecond, flops / roofline.flopsPerSecond) : undefined;
  return {
    medianMs, spreadMs, bytes, flops, gbPerSecond: bytes / seconds / 1e9, tflopPerSecond: flops / seconds / 1e12,
    ...(floor !== undefined ? { rooflineFraction: floor / seconds } : {}),
  };
}

async function runGenerationCase(c: GenerationCase, reference: Backend, target: Backend): Promise<Omit<CaseResult, 'seconds' | 'id' | 'level' | 'subject' | 'dtype' | 'composites'>> {
  // The target first: a backend that cannot run the model is unsupported, and the reference's time is saved.
  let got;
  try {
    got = await c.run(target);
  } catch (e) {
    if (isGlmError(e) && e.code === 'unsupported') return { status: 'unsupported', detail: e.message };
    return { status: 'fail', detail: `run failed: ${(e as Error).message}` };
  }
  const want = await c.run(reference);
  const firstDifference = want.tokens.findIndex((t, i) => got.tokens[i] !== t);
  // Greedy choices closer than a few output ulps could legitimately flip: then the comparison is not trustworthy.
  const ambiguity = 8 * DTYPE_INFO[c.dtype as keyof typeof DTYPE_INFO].epsilon * Math.max(1, want.largestLogit);
  if (want.smallestTopGap < ambiguity) {
    return { status: 'mistrusted', detail: `a greedy step had its top two logits ${want.smallestTopGap.toExponential(2)} apart (< ${ambiguity.toExponential(2)})` };
  }
  if (firstDifference >= 0 || got.tokens.length !== want.tokens.length) {
    return { status: 'fail', detail: `tokens differ from step ${firstDifference}: got [${got.tokens.join(' ')}], expected [${want.tokens.join(' ')}]` };
  }
  return { status: 'pass' };
}

export async function runCase(c: ConformanceCase, reference: Backend, target: Backend, options: RunnerOptions): Promise<CaseResult> {
  const started = performance.now();
  let outcome;
  try {
    outcome =
      c.kind === 'graph' ? await runGraphCase(c, reference, target, options)
      : c.kind === 'generation' ? await runGenerationCase(c, reference, target)
      : await c.run(target); // a fault case judges the backend alone
  } catch (e) {
    outcome = { status: 'fail' as const, detail: `case failed: ${(e as Error).message}` };
  }
  const listed = options.expected.reasonFor(c.id);
  if (listed !== undefined) {
    if (outcome.status === 'fail') outcome = { ...outcome, status: 'expected-failure' as const, detail: `${listed} (${outcome.detail})` };
    else if (outcome.status === 'pass') outcome = { ...outcome, status: 'unexpected-pass' as const, detail: `listed as failing: ${listed}` };
  }
  const needsRepro = outcome.status !== 'pass' && outcome.status !== 'unsupported';
  return {
    id: c.id, level: c.level, subject: c.subject, dtype: c.dtype, composites: c.composites,
    ...outcome,
    ...(needsRepro ? { repro: repro(options.backendSpec, c.id) } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Statuses that make `glm conformance` exit non-zero. */
export function isFailing(status: CaseStatus): boolean {
  return status === 'fail' || status === 'unexpected-pass';
}
