/**
 * The GLM family's PyTorch references (tests/fixtures/family/, written by
 * tools/torch-fixtures/make_family_fixtures.py with torch and transformers) on a backend: each
 * fixture converted by `glm convert --from hf --dtype f32` (the public entry), loaded, its prompt run
 * once (all positions' logits) and compared with the torch float64 logits — max abs error, max abs
 * error over max |ref|, ‖Δ‖/‖ref‖, and the conformance verdict for an f32 model chain — and again
 * through the generation session users run (prefill of the first tokens, then one decode step per
 * token over the in-place KV cache of the KV heads), against torch's logits at those positions.
 * tests/family/ use the same functions on cpu-ref and the emulators; on the GPU machine this runs as
 *   node dist/bench/cuda/family-logits-check.js [--backend cuda] [--out FILE]
 * and prints one JSON line per fixture (where the result came from included: hardware or emulator).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareOutput } from '../../conformance/compare.js';
import { toleranceFor } from '../../conformance/tolerance.js';
import type { Backend } from '../../core/backend-api/plugin-contract.js';
import { runGraph } from '../../core/execute/run-graph.js';
import { headDim, kvHeads } from '../../core/models/glm/config.js';
import { buildGlmModelGraph, GLM_INPUTS, GLM_OUTPUTS } from '../../core/models/glm/graphs.js';
import type { LoadedModel } from '../../core/models/glm/load-model.js';
import { loadModelFolder } from '../../core/models/glm/load-model.js';
import { packageRoot } from '../../core/package-root.js';
import { openGlmSession } from '../../core/session/open-session.js';
import { hostTensor, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';

export const FAMILY_FIXTURES = ['glm4-hf', 'glm4-0414', 'chatglm2', 'glm4-chatglm'] as const;
export type FamilyFixture = (typeof FAMILY_FIXTURES)[number];

export function fixtureFolder(name: FamilyFixture): string {
  return join(packageRoot(), 'tests', 'fixtures', 'family', name);
}

/** The prompt and the torch float64 logits of one fixture ([batch, seq, padded vocab], flattened). */
export interface FamilyReference {
  readonly inputIds: number[][];
  readonly positionIds: number[][];
  readonly shape: number[];
  readonly logits: Float64Array;
}

export function readReference(name: FamilyFixture): FamilyReference {
  const folder = fixtureFolder(name);
  const inputs = JSON.parse(readFileSync(join(folder, 'inputs.json'), 'utf8')) as { input_ids: number[][]; position_ids: number[][]; attention: string };
  if (inputs.attention !== 'causal') throw new Error(`${folder}/inputs.json: attention "${inputs.attention}" (only causal prompts are fixtures)`);
  const out = JSON.parse(readFileSync(join(folder, 'logits.json'), 'utf8')) as { shape: number[]; logits: number[] };
  return { inputIds: inputs.input_ids, positionIds: inputs.position_ids, shape: out.shape, logits: Float64Array.from(out.logits) };
}

/**
 * What each fixture declares beyond its files: glm4-chatglm carries rope_ratio 4 and (like every
 * fixture here) no modeling_chatglm.py, so the meaning its generator used — THUDM's glm-4-9b code,
 * which scales the base — is declared as a user without that file would.
 */
const CONVERT_DECLARATIONS: Partial<Record<FamilyFixture, string[]>> = { 'glm4-chatglm': ['--rope-ratio-applies-to', 'base'] };

/** `glm convert --from hf --dtype f32` of a fixture into `output` (which must not exist); the CLI's exit status and stderr. */
export function convertFixture(name: FamilyFixture, output: string): { status: number | null; stderr: string } {
  const bin = join(packageRoot(), 'bin', 'glm.js');
  const args = ['convert', '--from', 'hf', '--input', fixtureFolder(name), '--output', output, '--dtype', 'f32', ...(CONVERT_DECLARATIONS[name] ?? [])];
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

const i32 = (rows: number[][]) => hostTensor('i32', [rows.length, rows[0]!.length], Int32Array.from(rows.flat()));

/**
 * Every position's logits of the reference prompt: the functional cache form with an empty past, and
 * context length 0, which makes the GLM mask the causal mask these models use.
 */
export async function familyLogits(model: LoadedModel, backend: Backend, ref: FamilyReference): Promise<Float64Array> {
  const c = model.config;
  const batch = ref.inputIds.length;
  const host: Record<string, HostTensor> = {
    ...Object.fromEntries(model.weights),
    [GLM_INPUTS.inputIds]: i32(ref.inputIds),
    [GLM_INPUTS.positions]: i32(ref.positionIds),
    [GLM_INPUTS.contextLengths]: hostTensor('i32', [batch], new Int32Array(batch)),
    [GLM_INPUTS.cacheIndex]: hostTensor('i32', [batch], Int32Array.from({ length: batch }, (_, i) => i)),
  };
  for (let layer = 0; layer < c.numLayers; layer++) {
    host[GLM_INPUTS.pastKey(layer)] = hostTensor('f32', [batch, kvHeads(c), 0, headDim(c)]);
    host[GLM_INPUTS.pastValue(layer)] = hostTensor('f32', [batch, kvHeads(c), 0, headDim(c)]);
  }
  const graph = buildGlmModelGraph(c, { dtype: 'f32', logits: 'all' });
  const out = await runGraph(backend, graph, host);
  return toFloat64(out[GLM_OUTPUTS.logits]!);
}

/** Tokens the session prefills before it decodes the rest of the prompt one at a time. */
export const SESSION_PREFILL = 4;

/**
 * The session's logits for positions SESSION_PREFILL − 1 … seq − 1 of every row (prefill's last
 * position, then one decode step per remaining token), and torch's logits at the same positions.
 */
export async function familySessionLogits(model: LoadedModel, backend: Backend, ref: FamilyReference): Promise<{ ours: Float64Array; ref: Float64Array }> {
  const [batch, seq, vocab] = ref.shape as [number, number, number];
  const session = await openGlmSession(backend, model.config, model.weights, { dtype: 'f32', cacheCapacity: seq });
  const steps: Float32Array[][] = [];
  try {
    const rows = ref.inputIds.map((ids, b) => ({ tokens: ids.slice(0, SESSION_PREFILL), positions: ref.positionIds[b]!.slice(0, SESSION_PREFILL), contextLength: 0 }));
    steps.push(await session.prefill(rows));
    for (let t = SESSION_PREFILL; t < seq; t++) {
      steps.push(await session.decode({ tokens: ref.inputIds.map((ids) => ids[t]!), positions: ref.positionIds.map((p) => p[t]!), parents: ref.inputIds.map((_, b) => b) }));
    }
  } finally {
    await session.close();
  }
  const ours = new Float64Array(steps.length * batch * vocab);
  const want = new Float64Array(ours.length);
  steps.forEach((rows, s) => {
    rows.forEach((logits, b) => {
      const at = (s * batch + b) * vocab;
      ours.set(logits.subarray(0, vocab), at);
      const position = SESSION_PREFILL - 1 + s;
      want.set(ref.logits.subarray((b * seq + position) * vocab, (b * seq + position + 1) * vocab), at);
    });
  });
  return { ours, ref: want };
}

export interface LogitErrors {
  readonly maxAbs: number;
  /** max |Δ| / max |ref|. */
  readonly maxRel: number;
  /** ‖Δ‖ / ‖ref‖. */
  readonly relNorm: number;
  /** The conformance suite's verdict for an f32 model chain (conformance/tolerance.ts), undefined when it passes. */
  readonly failure: string | undefined;
}

export function logitErrors(ours: Float64Array, ref: Float64Array): LogitErrors {
  if (ours.length !== ref.length) return { maxAbs: Infinity, maxRel: Infinity, relNorm: Infinity, failure: `${ours.length} logits, expected ${ref.length}` };
  let maxAbs = 0;
  let maxRef = 0;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i]! - ref[i]!);
    if (!(d <= maxAbs)) maxAbs = d; // NaN sticks
    maxRef = Math.max(maxRef, Math.abs(ref[i]!));
    diff += d * d;
    norm += ref[i]! * ref[i]!;
  }
  const verdict = compareOutput('logits', 'f32', ours, ref, toleranceFor('chain', 'f32'));
  return { maxAbs, maxRel: maxAbs / maxRef, relNorm: Math.sqrt(diff / norm), failure: verdict.failure };
}

/** Convert, load and run one fixture on an open backend: the whole prompt at once, and through the session. */
export async function checkFixture(name: FamilyFixture, backend: Backend, scratch: string): Promise<{ prompt: LogitErrors; session: LogitErrors }> {
  const out = join(scratch, name);
  const converted = convertFixture(name, out);
  if (converted.status !== 0) throw new Error(`glm convert ${name} exited ${converted.status}: ${converted.stderr.trim()}`);
  const model = await loadModelFolder(out, 'f32');
  const ref = readReference(name);
  const session = await familySessionLogits(model, backend, ref);
  return { prompt: logitErrors(await familyLogits(model, backend, ref), ref.logits), session: logitErrors(session.ours, session.ref) };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { backend: { type: 'string', default: 'cuda' }, out: { type: 'string' } } });
  const { openBackend } = await import('../../backends/registry.js');
  const { backend, probe } = await openBackend(values.backend!);
  const scratch = mkdtempSync(join(tmpdir(), 'glm-family-'));
  const rows: Record<string, unknown>[] = [];
  let failed = 0;
  try {
    for (const name of FAMILY_FIXTURES) {
      const e = await checkFixture(name, backend, scratch);
      const verdict = (x: LogitErrors) => ({ ...x, verdict: x.failure ?? 'pass' });
      const row = { fixture: name, backend: values.backend, execution: backend.execution, device: backend.device, probe: probe.device ?? null, prompt: verdict(e.prompt), session: verdict(e.session) };
      if (e.prompt.failure || e.session.failure) failed++;
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    await backend.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  if (values.out) writeFileSync(values.out, JSON.stringify(rows, null, 1) + '\n');
  return failed === 0 ? 0 : 1;
}

if (process.argv[1]?.endsWith('family-logits-check.js')) process.exitCode = await main();
