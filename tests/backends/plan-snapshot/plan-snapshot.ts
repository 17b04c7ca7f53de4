/**
 * The launch records the SIMT planner makes for a fixed set of graphs, as text, so that a change of
 * the planner's structure can be shown to change no launch: for every graph and every SIMT target
 * configuration, each node's claim (supports()), the decompositions it causes, then every record
 * (opcode, tag and every argument word, pointers as storage id, kind, arena offset or binding, and
 * byte offset) and the arena's size. plan-snapshot.test.ts compares a digest of each text with
 * plan-snapshot.json, which the planner before issue 18's backend-seam refactor wrote (commit f7b36b8).
 *
 * The graphs: the tiny model's prefill and decode graphs in each KV-cache form and float type (with
 * and without on-device top-k), its INT8 and INT4 forms, GLM-130B- and ChatGLM-6B-shaped blocks with
 * small symbolic dims, the beam reorder graph, conformance's block shapes, and every op-level
 * conformance case (as-built, decomposed and in place, as the conformance runner lowers them).
 */
import { createHash } from 'node:crypto';
import { vi } from 'vitest';
import { bindGraphShapes, getOp, unsupported, type Capability, type DimBindings, type Graph, type NodeView } from '../../../core/backend-api/plugin-api.js';
import { lowerForBackend, viewOf } from '../../../core/passes/decompose.js';
import { CHATGLM_6B, GLM_130B, TINY, type GlmConfig } from '../../../core/models/glm/config.js';
import { buildCacheReorderGraph, buildGlmBlockGraph, buildGlmModelGraph, GLM_INPUTS, GLM_OUTPUTS, type GlmGraphOptions } from '../../../core/models/glm/graphs.js';
import type { KvCacheForm } from '../../../core/models/glm/block.js';
import type { DType } from '../../../core/tensor/dtype.js';
import { hostTensor } from '../../../core/tensor/host-tensor.js';
import { GraphBuilder } from '../../../core/ir/builder.js';
import { allCases } from '../../../conformance/catalogue.js';
import { CaseData } from '../../../conformance/seeded.js';
import type { GraphCase } from '../../../conformance/case.js';
// ---- the planner under test: the only lines that follow the planner's own layout ----
import type { Plan } from '../../../backends/program/planner/plan-graph.js';
import { programSupports } from '../../../backends/program/program-backend.js';
import { planOptionsFor } from '../../../backends/simt/plan-options.js';
import { planSimtGraph, SIMT_TARGET } from '../../../backends/simt/simt-target.js';

/** A SIMT backend as configured on one kind of device (what planOptionsFor makes from its probe). */
export interface SimtConfiguration {
  readonly backend: 'cuda' | 'rocm-dcu';
  /** The kernels' wavefront width (cuda: 32; rocm-dcu: GLM_DCU_WAVE). */
  readonly wave: 32 | 64;
  readonly device: { readonly multiprocessors: number; readonly l2Bytes: number };
  readonly vendorBlas: boolean;
  /** The backend's default GEMV row limit. */
  readonly gemvRows: number;
}

export const CONFIGURATIONS: Readonly<Record<string, SimtConfiguration>> = {
  'cuda-h100': { backend: 'cuda', wave: 32, device: { multiprocessors: 132, l2Bytes: 50 * 2 ** 20 }, vendorBlas: true, gemvRows: 4 },
  'cuda-emulator': { backend: 'cuda', wave: 32, device: { multiprocessors: 4, l2Bytes: 0 }, vendorBlas: false, gemvRows: 4 },
  'rocm-dcu-wave64': { backend: 'rocm-dcu', wave: 64, device: { multiprocessors: 64, l2Bytes: 8 * 2 ** 20 }, vendorBlas: true, gemvRows: 16 },
  'rocm-dcu-wave32-nvidia': { backend: 'rocm-dcu', wave: 32, device: { multiprocessors: 132, l2Bytes: 50 * 2 ** 20 }, vendorBlas: false, gemvRows: 16 },
};

/** The environment variables that would change the planner's choices: cleared while planning. */
export const PLANNER_VARIABLES = [
  'GLM_CUDA_REFUSE', 'GLM_CUDA_GEMV_ROWS', 'GLM_CUDA_ATTENTION_MATERIALIZE', 'GLM_CUDA_ATTENTION_CHUNK_BYTES',
  'GLM_DCU_REFUSE', 'GLM_DCU_GEMV_ROWS', 'GLM_DCU_ATTENTION_MATERIALIZE', 'GLM_DCU_ATTENTION_CHUNK_BYTES',
];

type Align = (role: 'input' | 'output', name: string) => number;

/** The planner of one configuration: its supports() and a plan function. */
interface SimtPlanner {
  supports(view: NodeView): Capability;
  plan(graph: Graph, dims: DimBindings, align: Align, donations: ReadonlyMap<string, string>): Plan;
}

function plannerFor(c: SimtConfiguration): SimtPlanner {
  const prefix = c.backend === 'cuda' ? 'GLM_CUDA' : 'GLM_DCU';
  const supports = programSupports(c.backend, SIMT_TARGET, `${prefix}_REFUSE`);
  const options = planOptionsFor(c.backend, prefix, c.device, c.vendorBlas, c.gemvRows);
  return { supports, plan: (graph, dims, align, donations) => planSimtGraph(graph, dims, align, options, donations) };
}
// ---- end of the planner under test ----

/** One graph to plan, with the call it is planned for. */
export interface SnapshotGraph {
  readonly id: string;
  readonly graph: Graph;
  readonly dims: DimBindings;
  /** Output name → the input it is bound to (in place). */
  readonly donations: ReadonlyMap<string, string>;
  /** Refuse every composite (conformance's 'decomposed' mode). */
  readonly decomposeComposites?: boolean;
  /** Alignment of bound tensors: 256 (as allocated) unless the graph tests narrower ones. */
  readonly align?: Align;
}

const FLOATS: readonly DType[] = ['f32', 'f16', 'bf16'];
const FORMS: readonly KvCacheForm[] = ['functional', 'in-place-start', 'in-place-extend'];

/** Dims of a call: `seq` new tokens after `past` cached ones, in the form's own symbols. */
function callDims(form: KvCacheForm, batch: number, seq: number, past: number): DimBindings {
  return form === 'functional' ? { batch, seq, past, cache_batch: batch } : { batch, seq, capacity: past + seq + 3 };
}

/** In-place forms: every layer's present tensor is its past tensor (the session donates the cache). */
function cacheDonations(form: KvCacheForm, layers: readonly number[]): Map<string, string> {
  if (form === 'functional') return new Map();
  return new Map(layers.flatMap((l) => [[GLM_OUTPUTS.presentKey(l), GLM_INPUTS.pastKey(l)], [GLM_OUTPUTS.presentValue(l), GLM_INPUTS.pastValue(l)]] as const));
}

function modelGraphs(): SnapshotGraph[] {
  const out: SnapshotGraph[] = [];
  const layers = Array.from({ length: TINY.numLayers }, (_, l) => l);
  const variants: { label: string; options: Omit<GlmGraphOptions, 'dtype' | 'cache'>; dtypes: readonly DType[] }[] = [
    { label: 'logits-last', options: { logits: 'last' }, dtypes: FLOATS },
    { label: 'logits-all', options: { logits: 'all' }, dtypes: ['f32', 'f16'] },
    { label: 'top40', options: { logits: 'last', topK: 40 }, dtypes: FLOATS },
    { label: 'top40-t0.7', options: { logits: 'last', topK: 40, topTemperature: 0.7 }, dtypes: ['f32', 'f16'] },
    { label: 'int8', options: { logits: 'last', quantization: 'int8' }, dtypes: ['f16', 'f32'] },
    { label: 'int4', options: { logits: 'last', quantization: 'int4' }, dtypes: ['f16', 'bf16'] },
  ];
  const calls = [
    { label: 'prefill-2x7', batch: 2, seq: 7, past: 0 },
    { label: 'prefill-1x20', batch: 1, seq: 20, past: 0 },
    { label: 'decode-4x1-past9', batch: 4, seq: 1, past: 9 },
    { label: 'decode-16x1-past33', batch: 16, seq: 1, past: 33 },
  ];
  for (const v of variants) {
    for (const dtype of v.dtypes) {
      for (const form of FORMS) {
        const graph = buildGlmModelGraph(TINY, { ...v.options, dtype, cache: form });
        for (const call of calls) {
          const past = form === 'in-place-start' ? 0 : call.past;
          out.push({ id: `model/tiny/${v.label}/${dtype}/${form}/${call.label}`, graph, dims: callDims(form, call.batch, call.seq, past), donations: cacheDonations(form, layers) });
        }
      }
    }
  }
  for (const dtype of FLOATS) {
    const graph = buildCacheReorderGraph(TINY, dtype);
    out.push({ id: `cache-reorder/tiny/${dtype}`, graph, dims: { batch: 3, cache_batch: 3, capacity: 12 }, donations: new Map() });
  }
  return out;
}

/** Any alignment from 256 down to 2 bytes, fixed per name: the copies' widening meets every case. */
const narrowAlign: Align = (role, name) => {
  let h = role.length;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return [256, 64, 16, 8, 4, 2][h % 6]!;
};

/** GLM-130B's and ChatGLM-6B's real widths (12,288 / 4,096 hidden, 96 / 32 heads) with a few tokens. */
function largeBlockGraphs(): SnapshotGraph[] {
  const out: SnapshotGraph[] = [];
  const blocks: { c: GlmConfig; layer: number; dtypes: readonly DType[]; quantizations: readonly ('none' | 'int8' | 'int4')[] }[] = [
    { c: GLM_130B, layer: 69, dtypes: ['f16', 'bf16'], quantizations: ['none', 'int8', 'int4'] },
    { c: GLM_130B, layer: 0, dtypes: ['f32'], quantizations: ['none'] },
    { c: CHATGLM_6B, layer: 3, dtypes: ['f16'], quantizations: ['none', 'int4'] },
  ];
  const calls = [
    { label: 'prefill-1x5', batch: 1, seq: 5, past: 0 },
    { label: 'prefill-1x40', batch: 1, seq: 40, past: 0 },
    { label: 'decode-2x1-past7', batch: 2, seq: 1, past: 7 },
    { label: 'decode-16x1-past2048', batch: 16, seq: 1, past: 2048 },
  ];
  for (const b of blocks) {
    for (const dtype of b.dtypes) {
      for (const quantization of b.quantizations) {
        for (const form of FORMS) {
          const graph = buildGlmBlockGraph(b.c, b.layer, { dtype, quantization, cache: form });
          for (const call of calls) {
            const past = form === 'in-place-start' ? 0 : call.past;
            const id = `block/${b.c.name}/layer${b.layer}/${dtype}/${quantization}/${form}/${call.label}`;
            const base = { graph, dims: callDims(form, call.batch, call.seq, past), donations: cacheDonations(form, [b.layer]) };
            out.push({ id, ...base });
            if (call.label === 'prefill-1x5') out.push({ id: `${id}/narrow-alignment`, ...base, align: narrowAlign });
          }
        }
      }
    }
  }
  return out;
}

/** conformance/cases/glm-cases.ts's block cases: the same configurations, layers and shapes. */
function conformanceBlockGraphs(): SnapshotGraph[] {
  const smallChatglm: GlmConfig = { ...CHATGLM_6B, name: 'small-chatglm', numLayers: 2, hiddenSize: 64, numHeads: 4, ffnHiddenSize: 96, vocabSize: 264, paddedVocabSize: 272, maxSequenceLength: 256 };
  const glm130bHeads: GlmConfig = { ...GLM_130B, name: 'glm130b-2heads', hiddenSize: 256, numHeads: 2, ffnHiddenSize: 683, vocabSize: 264, paddedVocabSize: 272 };
  const shapes = [
    { label: 'prefill-7', batch: 1, seq: 7, past: 0 },
    { label: 'prefill-2x9-bidirectional', batch: 2, seq: 9, past: 0 },
    { label: 'decode-cache5', batch: 2, seq: 1, past: 5 },
    { label: 'chunk-3-cache6', batch: 1, seq: 3, past: 6 },
  ];
  const out: SnapshotGraph[] = [];
  const add = (c: GlmConfig, layer: number, dtype: DType, quantization: 'none' | 'int8' | 'int4', s: (typeof shapes)[number]) => {
    const graph = buildGlmBlockGraph(c, layer, { dtype, quantization });
    out.push({ id: `conformance-block/${c.name}/${dtype}/${quantization}/layer${layer}-${s.label}`, graph, dims: callDims('functional', s.batch, s.seq, s.past), donations: new Map() });
  };
  for (const dtype of FLOATS) {
    for (const s of shapes) {
      add(TINY, 1, dtype, 'none', s);
      add(smallChatglm, 0, dtype, 'none', s);
    }
    add(glm130bHeads, 69, dtype, 'none', shapes[0]!);
    add(glm130bHeads, 69, dtype, 'none', shapes[2]!);
  }
  for (const quantization of ['int8', 'int4'] as const) for (const s of shapes) add(TINY, 0, 'f16', quantization, s);
  return out;
}

/** Small graphs for each placement, fusion and refusal rule of the planner, taken and not taken. */
function plannerRuleGraphs(): SnapshotGraph[] {
  const out: SnapshotGraph[] = [];
  const add = (id: string, b: GraphBuilder, donations: [string, string][] = []) => out.push({ id: `rule/${id}`, graph: b.build(), dims: {}, donations: new Map(donations) });

  // Gathers placed into a concat (1-D indices), or not (2-D indices); a part concatenated twice.
  for (const indexShape of [[3], [1, 3]]) {
    const b = new GraphBuilder('gather-concat');
    const table = b.input('table', 'f16', [10, 8]);
    const rows = b.op1('gather', [table, b.input('ids', 'i32', indexShape)], { axis: 0 }, 'rows');
    const other = b.op1('scale', [b.input('x', 'f16', [...indexShape, 8])], { factor: 2 }, 'other');
    b.output('y', b.op1('concat', [other, rows], { axis: -1 }, 'joined'));
    add(`gather-into-concat/${indexShape.length}d-indices`, b);
  }
  {
    const b = new GraphBuilder('concat-twice');
    const rows = b.op1('gather', [b.input('table', 'f32', [10, 8]), b.input('ids', 'i32', [3])], { axis: 0 }, 'rows');
    b.output('y', b.op1('concat', [rows, rows], { axis: 0 }, 'twice'));
    add('gather-twice-into-concat', b);
  }
  // rope into a materialised transpose (read by a contiguous-only op), and into a view-only one.
  for (const reader of ['layer-norm', 'add'] as const) {
    const b = new GraphBuilder('rope-transpose');
    const x = b.input('x', 'f16', [2, 4, 5, 16]);
    const positions = b.input('positions', 'i32', [2, 5]);
    const t = b.op1('transpose', [b.op1('rope', [x, positions], {}, 'rope')], { perm: [0, 2, 1, 3] }, 'merge');
    const y = reader === 'add' ? b.op1('add', [t, t], {}, 'read') : b.op1('layer-norm', [t, b.input('w', 'f16', [16]), b.input('bias', 'f16', [16])], {}, 'read');
    b.output('y', y);
    add(`rope-into-transpose/read-by-${reader}`, b);
  }
  // A rope output that is also a graph output is not placed.
  {
    const b = new GraphBuilder('rope-output');
    const r = b.op1('rope', [b.input('x', 'f32', [1, 2, 3, 8]), b.input('positions', 'i32', [1, 3])], {}, 'rope');
    b.output('r', r);
    b.output('y', b.op1('concat', [r, r], { axis: 2 }, 'joined'));
    add('rope-output-not-placed', b);
  }
  // The residual epilogue: fused; not fused when the product is also read, or the home is a donated input.
  {
    const b = new GraphBuilder('residual');
    const x = b.input('x', 'f16', [2, 16]);
    b.output('y', b.op1('deepnorm-residual', [x, b.op1('linear', [x, b.param('w', 'f16', [16, 16]), null, null], {}, 'product')], { alpha: 2 }, 'residual'));
    add('residual-fused', b);
  }
  {
    const b = new GraphBuilder('residual-shared');
    const x = b.input('x', 'f16', [2, 16]);
    const product = b.op1('linear', [x, b.param('w', 'f16', [16, 16]), null, null], {}, 'product');
    b.output('y', b.op1('deepnorm-residual', [x, product], { alpha: 2 }, 'residual'));
    b.output('product', product);
    add('residual-product-shared', b);
  }
  for (const donated of [false, true]) {
    const b = new GraphBuilder('residual-donated');
    const a = b.op1('scale', [b.input('h', 'f16', [2, 16])], { factor: 0.5 }, 'a');
    b.output('h_out', b.op1('deepnorm-residual', [a, b.op1('linear', [a, b.param('w', 'f16', [16, 16]), null, null], {}, 'product')], { alpha: 2 }, 'residual'));
    add(`residual-home-${donated ? 'donated' : 'own'}`, b, donated ? [['h_out', 'h']] : []);
  }
  {
    const b = new GraphBuilder('residual-later');
    const x = b.input('x', 'f32', [2, 16]);
    const product = b.op1('linear', [x, b.param('w', 'f32', [16, 16]), null, null], {}, 'product');
    const late = b.op1('scale', [x], { factor: 3 }, 'late');
    b.output('y', b.op1('deepnorm-residual', [late, product], { alpha: 2 }, 'residual'));
    add('residual-made-after-product', b);
  }
  // The in-place cache-write by qkv-bias-rope: both caches donated, one, none, and two offsets.
  for (const donate of [['key', 'value'], ['key'], []]) {
    for (const offsets of [1, 2]) {
      const b = new GraphBuilder('qkv-cache');
      const [q, k, v] = b.op('qkv-bias-rope', [b.input('qkv', 'f16', [1, 3, 96]), b.input('bias', 'f16', [96]), b.input('positions', 'i32', [1, 3]), null], { heads: 4 }, 'qkv');
      const offset = b.input('offset', 'i32', [1]);
      const offset2 = offsets === 2 ? b.input('offset2', 'i32', [1]) : offset;
      b.output('q', q!);
      b.output('key_out', b.op1('cache-write', [b.input('key', 'f16', [1, 4, 9, 8]), k!, offset], {}, 'write_key'));
      b.output('value_out', b.op1('cache-write', [b.input('value', 'f16', [1, 4, 9, 8]), v!, offset2], {}, 'write_value'));
      add(`qkv-cache-write/donated-${donate.join('+') || 'none'}/${offsets}-offsets`, b, donate.map((p) => [`${p}_out`, p] as [string, string]));
    }
  }
  // Refusals with their reasons: head dim, top-k's k, rank, several ranks.
  {
    const b = new GraphBuilder('wide-heads');
    const q = b.input('q', 'f32', [1, 1, 2, 320]);
    b.output('att', b.op1('attention', [q, q, q, b.input('lengths', 'i32', [1])], {}, 'wide_heads'));
    add('refused/head-dim-320', b);
  }
  {
    const b = new GraphBuilder('wide-top-k');
    const [values] = b.op('top-k', [b.input('logits', 'f32', [2, 600])], { k: 300 }, 'wide_top_k');
    b.output('top', values!);
    add('refused/top-k-300', b);
  }
  {
    const b = new GraphBuilder('rank-9');
    b.output('deep', b.op1('scale', [b.input('deep', 'f32', [1, 1, 1, 1, 1, 1, 1, 1, 2])], { factor: 2 }, 'rank9'));
    add('refused/rank-9', b);
  }
  {
    const b = new GraphBuilder('all-reduce');
    b.output('y', b.op1('all-reduce', [b.input('x', 'f32', [4])], { worldSize: 2 }, 'reduce'));
    add('refused/all-reduce-two-ranks', b);
  }
  return out;
}

/**
 * Every op-level conformance case's graph. Planning reads only shapes, so the cases' seeded inputs
 * are made as zeros (drawing them takes most of a minute for the largest cases).
 */
function conformanceOpGraphs(): SnapshotGraph[] {
  const spy = vi.spyOn(CaseData.prototype, 'tensor').mockImplementation((dtype, shape) => hostTensor(dtype, shape));
  try {
    const cases = allCases().filter((c): c is GraphCase => c.kind === 'graph' && c.level === 'op');
    return cases.map((c) => {
      const { graph, inputs } = c.build();
      const shapes = Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, t.shape]));
      return {
        id: c.id,
        graph,
        dims: bindGraphShapes(graph, shapes),
        donations: c.inPlace ? new Map([[c.inPlace.output, c.inPlace.input]]) : new Map(),
        decomposeComposites: c.composites === 'decomposed',
      };
    });
  } finally {
    spy.mockRestore();
  }
}

export function snapshotGraphs(): SnapshotGraph[] {
  return [...modelGraphs(), ...largeBlockGraphs(), ...conformanceBlockGraphs(), ...plannerRuleGraphs(), ...conformanceOpGraphs()];
}

/** A record's word: numbers as JavaScript prints them, pointers by storage. */
function wordText(word: unknown): string {
  if (word === null) return '-';
  if (typeof word === 'number') return String(word);
  const { storage, byteOffset } = word as { storage: { id: number; kind: string; offset: number; binding?: { role: string; name: string } }; byteOffset: number };
  const where = storage.kind === 'arena' ? `arena@${storage.offset}` : `${storage.binding!.role}:${storage.binding!.name}`;
  return `s${storage.id}(${where})+${byteOffset}`;
}

/** The full text of one graph planned for one configuration (the digest's input; printed on request). */
export function planText(planner: SimtPlanner, g: SnapshotGraph): string {
  const lines: string[] = [];
  const claims = (view: NodeView) =>
    g.decomposeComposites && getOp(view.node.op).decompose ? unsupported('decomposition forced by the case') : planner.supports(view);
  g.graph.nodes.forEach((node, i) => {
    const c = planner.supports(viewOf(g.graph, i));
    lines.push(`claim ${node.name} (${node.op}): ${c.supported ? 'yes' : `no: ${c.reason}`}`);
  });
  const lowered = lowerForBackend(g.graph, claims);
  for (const d of lowered.decomposed) lines.push(`decomposed ${d.node} (${d.op}): ${d.reason}`);
  for (const u of lowered.unrunnable) lines.push(`unrunnable ${u.node} (${u.op}): ${u.reason}`);
  if (lowered.unrunnable.length > 0) return lines.join('\n');
  try {
    const plan = planner.plan(lowered.graph, g.dims, g.align ?? (() => 256), g.donations);
    lines.push(`arena ${plan.arenaBytes} checksIndices ${plan.checksIndices} records ${plan.records.length}`);
    for (const r of plan.records) lines.push(`${r.op} ${r.tag} ${r.args.map(wordText).join(' ')}`);
  } catch (e) {
    lines.push(`error: ${(e as Error).message}`);
  }
  return lines.join('\n');
}

/**
 * What the snapshot keeps of a plan's text: its records and arena bytes ("r24 a7168"; "unrunnable"
 * or "error" when it has none) and the first 12 hex digits of its SHA-256.
 */
export function digestOf(text: string): string {
  const summary = /^arena (\d+) checksIndices \w+ records (\d+)$/m.exec(text);
  const head = summary ? `r${summary[2]} a${summary[1]}` : /^error: /m.test(text) ? 'error' : 'unrunnable';
  return `${head} #${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

/** configuration → graph id → plan text, for every configuration and graph. */
export function planTexts(graphs: readonly SnapshotGraph[]): Map<string, Map<string, string>> {
  const saved = PLANNER_VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const name of PLANNER_VARIABLES) delete process.env[name];
  try {
    const out = new Map<string, Map<string, string>>();
    for (const [name, configuration] of Object.entries(CONFIGURATIONS)) {
      const planner = plannerFor(configuration);
      out.set(name, new Map(graphs.map((g) => [g.id, planText(planner, g)])));
    }
    return out;
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
}
