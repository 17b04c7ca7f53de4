/**
 * Run a sharded graph once on the N ranks of a backend (`Backend.openRanks`), host tensors in and out:
 * tensor-parallel conformance and tests. Every rank is compiled and given its inputs before any runs,
 * so a rank cannot wait in an all-reduce for one that never starts.
 */
import { GlmError } from '../errors.js';
import type { HostTensor } from '../tensor/host-tensor.js';
import type { GlmConfig } from '../models/glm/config.js';
import { gatherOutputs, rankInputs } from '../passes/shard-io.js';
import type { ShardedGraph } from '../passes/shard-graph.js';
import { compileFor, type Compiled } from './compile.js';
import { allocateTensor, downloadTensor, freeTensor, uploadTensor } from '../backend-api/device-tensors.js';
import { bindGraphShapes, outputShapes } from '../backend-api/graph-shapes.js';
import type { Backend, DeviceTensor } from '../backend-api/plugin-contract.js';

/** The backend's N ranks, or the reason it has none. */
export async function openRanksOf(backend: Backend, worldSize: number): Promise<Backend[]> {
  if (!backend.openRanks) {
    throw new GlmError('unsupported', `backend "${backend.name}" has no multi-rank support (no collective library bound), so it cannot run ${worldSize} tensor-parallel ranks`);
  }
  const ranks = await backend.openRanks(worldSize);
  if (ranks.length !== worldSize) throw new GlmError('backend', `backend "${backend.name}" opened ${ranks.length} ranks, ${worldSize} were asked for`);
  return ranks;
}

interface RankRun {
  readonly backend: Backend;
  readonly compiled: Compiled;
  readonly inputs: Record<string, DeviceTensor>;
  readonly outputs: Record<string, DeviceTensor>;
}

export async function runShardedGraph(ranks: readonly Backend[], sharded: ShardedGraph, c: GlmConfig, full: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
  const runs: RankRun[] = [];
  const owned: [Backend, DeviceTensor][] = [];
  try {
    for (const [rank, backend] of ranks.entries()) {
      const compiled = await compileFor(backend, sharded.graph);
      const host = rankInputs(sharded, c, full, rank);
      const run: RankRun = { backend, compiled, inputs: {}, outputs: {} };
      runs.push(run);
      for (const [name, t] of Object.entries(host)) owned.push([backend, (run.inputs[name] = await uploadTensor(backend.memory, t))]);
      const shapes = outputShapes(compiled.plan.graph, bindGraphShapes(compiled.plan.graph, Object.fromEntries(Object.entries(host).map(([k, t]) => [k, t.shape]))));
      for (const out of compiled.plan.graph.outputs) {
        const dtype = compiled.plan.graph.values[out.value]!.type.dtype;
        owned.push([backend, (run.outputs[out.name] = allocateTensor(backend.memory, dtype, shapes[out.name]!))]);
      }
    }
    await Promise.all(runs.map((r) => r.compiled.executable.run({ inputs: r.inputs, outputs: r.outputs })));
    const perRank: Record<string, HostTensor>[] = [];
    for (const r of runs) {
      const got: Record<string, HostTensor> = {};
      for (const [name, t] of Object.entries(r.outputs)) got[name] = await downloadTensor(r.backend.memory, t);
      perRank.push(got);
    }
    return gatherOutputs(sharded, perRank);
  } finally {
    for (const [backend, t] of owned) freeTensor(backend.memory, t);
    for (const r of runs) r.compiled.executable.dispose();
  }
}
