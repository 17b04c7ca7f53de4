/**
 * The check every tensor-parallel case makes: the graph sharded for N ranks, run on the backend's N
 * ranks, against the unsharded graph on the cpu-ref oracle — every output within the tolerance policy,
 * and the greedy token of every logits row identical (in f32 always; in half types wherever the top two
 * logits are further apart than the dtype could blur).
 */
import { GlmError } from '../../../core/errors.js';
import type { Graph } from '../../../core/ir/graph.js';
import type { DType } from '../../../core/tensor/dtype.js';
import { DTYPE_INFO } from '../../../core/tensor/dtype.js';
import { toFloat64, type HostTensor } from '../../../core/tensor/host-tensor.js';
import type { GlmConfig } from '../../../core/models/glm/config.js';
import type { Backend } from '../../../core/backend-api/plugin-contract.js';
import { runGraph } from '../../../core/execute/run-graph.js';
import { openRanksOf, runShardedGraph } from '../../../core/execute/run-sharded.js';
import { shardGlmGraph } from '../../../core/passes/shard-graph.js';
import { glmShardRule, type ShardRule } from '../../../core/passes/shard-layout.js';
import { plugin as cpuRef } from '../../../backends/cpu-ref/index.js';
import type { GenerationOutcome } from '../../case.js';
import { compareOutput } from '../../compare.js';
import type { Tolerance } from '../../tolerance.js';

export interface ShardedCheck {
  readonly config: GlmConfig;
  readonly worldSize: number;
  readonly dtype: DType;
  readonly graph: Graph;
  readonly inputs: Readonly<Record<string, HostTensor>>;
  readonly tolerance: Tolerance;
  /** The layout; tests pass a broken one (mutation check). */
  readonly rule?: ShardRule;
}

/** Greedy tokens of each row of [.., V] logits over the real vocabulary, with the closest top-two gap. */
export function greedyRows(logits: HostTensor, vocabSize: number): { tokens: number[]; smallestTopGap: number; largestLogit: number } {
  const width = logits.shape[logits.shape.length - 1]!;
  const v = toFloat64(logits);
  const tokens: number[] = [];
  let smallestTopGap = Infinity;
  let largestLogit = 0;
  for (let row = 0; row < v.length / width; row++) {
    let best = 0;
    let second = -Infinity;
    const at = (i: number) => v[row * width + i]!;
    for (let i = 1; i < vocabSize; i++) if (at(i) > at(best)) best = i;
    for (let i = 0; i < vocabSize; i++) if (i !== best) second = Math.max(second, at(i));
    tokens.push(best);
    smallestTopGap = Math.min(smallestTopGap, at(best) - second);
    largestLogit = Math.max(largestLogit, Math.abs(at(best)));
  }
  return { tokens, smallestTopGap, largestLogit };
}

/** Throws (a failure with its reason) unless the sharded run matches the unsharded oracle. */
export async function checkSharded(backend: Backend, check: ShardedCheck): Promise<GenerationOutcome> {
  const { config: c, worldSize, graph, inputs, dtype } = check;
  const sharded = shardGlmGraph(graph, c, worldSize, check.rule ?? glmShardRule);
  const ranks = await openRanksOf(backend, worldSize);
  let got: Record<string, HostTensor>;
  try {
    got = await runShardedGraph(ranks, sharded, c, inputs);
  } finally {
    for (const r of ranks) await r.close();
  }
  const oracle = await cpuRef.open();
  const want = await runGraph(oracle, graph, inputs);
  await oracle.close();
  const problems: string[] = [];
  for (const out of graph.outputs) {
    const cmp = compareOutput(out.name, want[out.name]!.dtype, toFloat64(got[out.name]!), toFloat64(want[out.name]!), check.tolerance);
    if (cmp.failure) problems.push(`${cmp.failure} (nmse ${cmp.nmse.toExponential(2)}, worst ${cmp.worstEps.toFixed(1)} eps)`);
  }
  if (!want['logits']) {
    if (problems.length > 0) throw new GlmError('backend', `TP ${worldSize} differs from the unsharded graph: ${problems.join('; ')}`);
    return { tokens: [], smallestTopGap: Infinity, largestLogit: 0 };
  }
  const mine = greedyRows(got['logits']!, c.vocabSize);
  const theirs = greedyRows(want['logits']!, c.vocabSize);
  const blur = dtype === 'f32' ? 0 : 8 * DTYPE_INFO[dtype].epsilon * Math.max(1, theirs.largestLogit);
  const differing = theirs.tokens.findIndex((t, i) => t !== mine.tokens[i]);
  if (differing >= 0 && theirs.smallestTopGap >= blur) {
    problems.push(`greedy token of row ${differing} is ${mine.tokens[differing]} sharded, ${theirs.tokens[differing]} unsharded`);
  }
  if (problems.length > 0) throw new GlmError('backend', `TP ${worldSize} differs from the unsharded graph: ${problems.join('; ')}`);
  return mine;
}
