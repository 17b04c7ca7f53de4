/**
 * The cuda backend's kernels without a GPU: the addon built for the CPU emulator
 * (`npm run build:cuda-emu`; CI builds it) runs the same CUDA C++ kernels, each CUDA thread a
 * coroutine; the tensor-core instructions (ldmatrix, mma.sync, cp.async) are emulated warp-wide.
 * Checked against cpu-ref on conformance cases chosen to cover every kernel and path (split-K decode
 * attention, the flash and the materialised prefill attention, GEMV, SIMT and small-M tensor-core
 * GEMMs, quantized weights, strided copies, placements into the KV cache), plus the planner's
 * placements and errors.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';

process.env['GLM_CUDA_EMULATE'] = '1';
afterAll(() => {
  delete process.env['GLM_CUDA_EMULATE'];
});
const { addonPath } = await import('../../backends/cuda/native-addon.js');
const { nativeGate } = await import('../support/native.js');
// The planner tests above the device need no addon; the four that open the device and every kernel test do.
const skip = nativeGate('cuda emulator', existsSync(addonPath()) ? undefined : `no ${addonPath()} (build it with npm run build:cuda-emu, which needs nvcc)`);

const { plugin } = await import('../../backends/cuda/index.js');
const { plugin: cpuRef } = await import('../../backends/cpu-ref/index.js');
const { allCases, selectCases } = await import('../../conformance/catalogue.js');
const { runCase } = await import('../../conformance/runner.js');
const { NO_EXPECTED_FAILURES } = await import('../../conformance/expected-failures.js');
const { GraphBuilder } = await import('../../core/ir/builder.js');
const { runGraph } = await import('../../core/execute/run-graph.js');
const { hostTensor } = await import('../../core/tensor/host-tensor.js');
const { buildGlmBlockGraph } = await import('../../core/models/glm/graphs.js');
const { TINY, deepnormAlpha } = await import('../../core/models/glm/config.js');
const { planSimtGraph } = await import('../../backends/simt/simt-target.js');
const { OP } = await import('../../backends/simt/launch-codes.js');
const { packArena } = await import('../../backends/program/arena.js');

const CASES = [
  'op/matmul/f16/65x127x129-tb', 'op/matmul/bf16/batch-4x1x6x16-by-3x16x8', 'op/matmul/f32/long-k-2x8193x3-tb',
  'op/linear/f16/2x12288x2-i4-bias', 'op/linear/bf16/7x34x9-i8', 'op/linear/f32/2x128x65-float-bias',
  'op/layer-norm/f32/3x12288-mean8', 'op/layer-norm/f16/3x12288-mean8', 'op/layer-norm/bf16/1x4096-mean0', 'op/layer-norm/f32/3x4096-mean8', 'op/softmax/f16/3x32768-std30', 'op/softmax/bf16/2x9x4-axis1',
  'op/attention/f16/glm-decode-cache1025', 'op/attention/bf16/glm-prefill-65-d128', 'op/attention/f32/glm-chunk-16-of-2048',
  'op/attention/f16/glm-prefill-65-d128', 'op/attention/f16/glm-prefill-33-ctx-full-bidirectional',
  'op/attention/f16/explicit-row-all-masked-2x2x3x7x32-mask1x1x3x7', 'op/rope/f16/2d-2x3x5x8-frozen-mask', 'op/rope/f32/1d-1x2x3x128-long',
  'op/qkv-bias-rope/f16/1d-1x1x4x3x128-bias-long', 'op/qkv-bias-rope/bf16/2d-1x3x2x3x128-bias-arange', 'op/qkv-bias-rope/f32/2d-1x7x2x3x16-no-bias-long',
  'op/qkv-bias-rope/f16/2d-2x5x3x3x8-bias-frozen-mask', 'op/bias-geglu/f16/3x130', 'op/bias-geglu/bf16/1x1x8192',
  'op/geglu/f16/2x5x256', 'op/deepnorm-residual/bf16/2x5x129-alpha11.832', 'op/cast/i32/from-f16-edges', 'op/cast/f16/from-i32-edges',
  'op/gather/i8/5x3x4x2-by-3x1x2-axis0', 'op/concat/f16/1x4x0x8+1x4x1x8-axis2', 'op/transpose/bf16/2x5x4x24-perm0213',
  'op/top-k/f16/2x4097-k64', 'op/top-k/bf16/1x266240-k64', 'op/top-k/bf16/3x37-nan-inf-zeros-k37', 'op/top-k/f32/2x6143-ties-k33', 'op/log-sum-exp/f16/5x3000-inf-nan-rows', 'op/log-sum-exp/bf16/2x3x64',
  'block/tiny/f16/none/layer1-decode-cache5', 'block/glm130b-2heads/bf16/none/layer69-prefill-7', 'block/tiny/f16/int4/layer0-chunk-3-cache6',
  'model/small-chatglm/f32/none/logits-prompt', 'generation/tiny/f16/greedy-mask-24',
];

describe.skipIf(skip)('cuda kernels on the CPU emulator', () => {
  it('pass the conformance cases that cover every kernel and path', async () => {
    const backend = await plugin.open();
    expect(backend.execution).toBe('emulator');
    const reference = await cpuRef.open();
    const cases = selectCases(allCases(), { caseIds: CASES });
    expect(cases.length).toBe(CASES.length);
    for (const c of cases) {
      const r = await runCase(c, reference, backend, { backendSpec: 'cuda', expected: NO_EXPECTED_FAILURES, perfRuns: 0 });
      expect(['pass', 'mistrusted'], `${c.id}: ${r.detail}`).toContain(r.status);
    }
    await backend.close();
  }, 300_000);

  it('the small-M tensor-core product (emulated ldmatrix, mma.sync and cp.async) matches cpu-ref on ragged shapes', async () => {
    // Every product of 1–16 rows to it (none to the GEMV): 1 and 7 rows, k 9–129 (past a tile, or
    // not a multiple of 8: those stay on the SIMT GEMM), 1–256 features, weights [N, K] or not.
    process.env['GLM_CUDA_GEMV_ROWS'] = '0';
    const backend = (await plugin.open()) as import('../../backends/cuda/index.js').CudaBackend;
    delete process.env['GLM_CUDA_GEMV_ROWS'];
    const reference = await cpuRef.open();
    const cases = selectCases(allCases(), { filter: 'op/matmul/f16/7x,op/matmul/bf16/1x,op/linear/f16/,op/linear/bf16/' });
    expect(cases.length).toBeGreaterThan(100);
    const before = backend.native.stats().smallM;
    for (const c of cases) {
      const r = await runCase(c, reference, backend, { backendSpec: 'cuda', expected: NO_EXPECTED_FAILURES, perfRuns: 0 });
      expect(['pass', 'mistrusted'], `${c.id}: ${r.detail}`).toContain(r.status);
    }
    expect(backend.native.stats().smallM - before).toBeGreaterThan(50);
    await backend.close();
    await reference.close();
  }, 300_000);

  it('a cache offset out of range in a decode step is an input error naming the qkv-bias-rope that writes the cache', async () => {
    const { graphWeights, caseBindings } = await import('../../bench/gpu-layer.js');
    const { compileFor } = await import('../../core/execute/compile.js');
    const { uploadTensor, freeTensor } = await import('../../core/backend-api/device-tensors.js');
    const backend = (await plugin.open()) as import('../../backends/cuda/index.js').CudaBackend;
    const { memory, native } = backend;
    const graph = buildGlmBlockGraph(TINY, 0, { dtype: 'f16', cache: 'in-place-extend' });
    const weights = graphWeights(memory, native, graph);
    // A cache of 5 positions (past 4 + this token), bound in place: qkv-bias-rope writes it.
    const step = await caseBindings(memory, native, TINY, { name: 'step', batch: 1, seq: 1, past: 4, context: 2, quantization: 'none' }, weights);
    const { executable } = await compileFor(backend, graph);
    await expect(executable.run({ inputs: step.inputs, outputs: step.outputs })).resolves.toBeUndefined();
    const beyond = await uploadTensor(memory, hostTensor('i32', [1], Int32Array.from([5])));
    await expect(executable.run({ inputs: { ...step.inputs, cache_offset: beyond }, outputs: step.outputs })).rejects.toThrow(
      /node "layers.0.qkv_bias_rope" \(qkv-bias-rope\): cache offset out of range/,
    );
    executable.dispose();
    for (const t of [...step.owned, ...weights.values(), beyond]) freeTensor(memory, t);
    await backend.close();
  });

  it('an index outside its table is an input error naming the node', async () => {
    const b = new GraphBuilder('bad-gather');
    const table = b.input('table', 'f32', [4, 8]);
    const ids = b.input('ids', 'i32', [2]);
    b.output('out', b.op1('gather', [table, ids], { axis: 0 }, 'embedding'));
    const backend = await plugin.open();
    const inputs = { table: hostTensor('f32', [4, 8], new Float32Array(32).fill(1)), ids: hostTensor('i32', [2], Int32Array.from([1, 4])) };
    await expect(runGraph(backend, b.build(), inputs)).rejects.toThrow(/node "embedding" \(gather\): an index or cache offset is out of range/);
    await backend.close();
  });
});

describe('cuda planner', () => {
  const options = { backend: 'cuda', vendorBlas: true, multiprocessors: 132, gemvMaxRows: 4, attentionMaterializeFrom: 32, attentionChunkBytes: 2 ** 25, attentionBlocksPerMultiprocessor: 4 };

  it('writes the new keys straight into the KV cache and the attention output straight into the token layout', () => {
    const graph = buildGlmBlockGraph(TINY, 0, { dtype: 'f16' });
    const plan = planSimtGraph(graph, { batch: 2, seq: 1, past: 5, cache_batch: 2 }, () => 256, options);
    const ops = plan.records.map((r) => graph.nodes[r.tag]?.op ?? 'output');
    // Copies only for the reordered past keys/values; qkv-bias-rope writes the new keys and values and
    // attention its output in place.
    const copies = plan.records.filter((r) => r.op === OP.copy).map((r) => graph.nodes[r.tag]!.name);
    expect(copies.sort()).toEqual(['layers.0.reorder_past_key', 'layers.0.reorder_past_value']);
    expect(ops.filter((op) => op === 'transpose' || op === 'split' || op === 'reshape')).toEqual([]);
    expect(plan.records.filter((r) => r.op === OP.gemm).length).toBe(4);
  });

  it('splits a decode attention\'s keys for about attentionBlocksPerMultiprocessor blocks a multiprocessor', () => {
    const graph = buildGlmBlockGraph(TINY, 0, { dtype: 'f16' });
    // The attention record's words (lowerings/attention.ts): batch 22, heads 23, queries 24, keys 25, splits 36, keys a split 37.
    const splitsWith = (blocks: number) => {
      const plan = planSimtGraph(graph, { batch: 1, seq: 1, past: 1023, cache_batch: 1 }, () => 256, { ...options, multiprocessors: 4, attentionBlocksPerMultiprocessor: blocks });
      const record = plan.records.find((r) => r.op === OP.attention)!;
      const [heads, keys, splits, perSplit] = [record.args[23], record.args[25], record.args[36], record.args[37]] as number[];
      expect(splits! * perSplit!).toBeGreaterThanOrEqual(keys!);
      expect((splits! - 1) * perSplit!).toBeLessThan(keys!);
      return { rows: heads!, splits: splits! };
    };
    const [four, eight] = [splitsWith(4), splitsWith(8)];
    expect(four.rows * four.splits).toBeGreaterThanOrEqual(4 * 4);
    expect(eight.splits).toBeGreaterThan(four.splits);
    expect(eight.rows * eight.splits).toBeGreaterThanOrEqual(8 * 4);
  });

  // The gemm record's words (backends/simt/lowerings/matmul.ts emitGemm): c at 13, alpha 17, addend 20, beta 21.
  const GEMM_C = 13, GEMM_ADDEND = 20, GEMM_BETA = 21;
  const storageOf = (word: unknown) => (word as { storage: { id: number } } | null)?.storage.id;

  it('folds each DeepNorm residual into the product before it (the gemm adds beta·residual)', () => {
    const graph = buildGlmBlockGraph(TINY, 0, { dtype: 'f16' });
    const plan = planSimtGraph(graph, { batch: 2, seq: 3, past: 0, cache_batch: 2 }, () => 256, options);
    expect(plan.records.filter((r) => r.op === OP.deepnorm)).toEqual([]);
    const gemms = plan.records.filter((r) => r.op === OP.gemm);
    const names = gemms.map((r) => graph.nodes[r.tag]!.name);
    expect(names).toEqual(['layers.0.qkv', 'layers.0.dense', 'layers.0.up', 'layers.0.down']);
    const fused = gemms.filter((r) => r.args[GEMM_ADDEND] !== null);
    expect(fused.map((r) => graph.nodes[r.tag]!.name)).toEqual(['layers.0.dense', 'layers.0.down']);
    for (const r of fused) expect(r.args[GEMM_BETA]).toBe(deepnormAlpha(TINY));
    // The attention residual adds the input LayerNorm's output; the MLP's the post-attention one's,
    // and the down product writes the block's output in place.
    const producerOf = (name: string) => plan.records.find((r) => graph.nodes[r.tag]!.name === name)!;
    expect(storageOf(fused[0]!.args[GEMM_ADDEND])).toBe(storageOf(producerOf('layers.0.input_layernorm').args[1]));
    expect(storageOf(fused[1]!.args[GEMM_ADDEND])).toBe(storageOf(producerOf('layers.0.post_attention_layernorm').args[1]));
    expect(plan.records.filter((r) => r.op === OP.copy && graph.nodes[r.tag]!.name.endsWith('residual'))).toEqual([]);
    expect(storageOf(fused[1]!.args[GEMM_C])).not.toBe(storageOf(fused[0]!.args[GEMM_C]));
  });

  it('keeps the residual separate when the product has another reader or the output is a donated input', () => {
    const b = new GraphBuilder('residuals');
    const x = b.input('x', 'f16', [2, 16]);
    const w = b.param('w', 'f16', [16, 16]);
    const product = b.op1('linear', [x, w, null, null], {}, 'product');
    b.output('y', b.op1('deepnorm-residual', [x, product], { alpha: 2 }, 'residual'));
    b.output('product', product);
    const shared = planSimtGraph(b.build(), {}, () => 256, options);
    expect(shared.records.filter((r) => r.op === OP.deepnorm).length).toBe(1);
    expect(shared.records.find((r) => r.op === OP.gemm)!.args[GEMM_ADDEND]).toBeNull();

    const d = new GraphBuilder('donated');
    const h = d.input('h', 'f16', [2, 16]);
    const a = d.op1('scale', [h], { factor: 0.5 }, 'a');
    d.output('h_out', d.op1('deepnorm-residual', [a, d.op1('linear', [a, d.param('w', 'f16', [16, 16]), null, null], {}, 'product')], { alpha: 2 }, 'residual'));
    const donated = planSimtGraph(d.build(), {}, () => 256, options, new Map([['h_out', 'h']]));
    expect(donated.records.filter((r) => r.op === OP.deepnorm).length).toBe(1);
    const undonated = planSimtGraph(d.build(), {}, () => 256, options);
    expect(undonated.records.filter((r) => r.op === OP.deepnorm).length).toBe(0);
  });

  // The qkv-bias-rope record's words (backends/simt/lowerings/attention.ts): q, k, v at 1–3; the keys' cache at 25,
  // the values' at 30, the offset at 35.
  const QKV_K = 2, QKV_V = 3, QKV_CACHE_K = 25, QKV_CACHE_V = 30, QKV_OFFSET = 35;

  it('lets qkv-bias-rope write the keys and values into a donated cache itself (no cache-write records)', () => {
    const donated = new Map([['present_key.0', 'past_key.0'], ['present_value.0', 'past_value.0']]);
    const dims = { batch: 2, seq: 1, capacity: 8 };
    const plans = (cache: 'in-place-extend' | 'in-place-start', donations: Map<string, string>) => {
      const graph = buildGlmBlockGraph(TINY, 0, { dtype: 'f16', cache });
      const plan = planSimtGraph(graph, { ...dims, seq: cache === 'in-place-start' ? 3 : 1 }, () => 256, options, donations);
      const qkv = plan.records.find((r) => r.op === OP.qkvBiasRope)!;
      const inputStorage = (name: string) =>
        plan.records.flatMap((r) => r.args).find((w) => (w as { storage?: { binding?: { name: string } } } | null)?.storage?.binding?.name === name);
      return { plan, qkv, inputStorage };
    };
    // A decode step: the new keys and values go only to the cache (attention reads the cache).
    const extend = plans('in-place-extend', donated);
    expect(extend.plan.records.filter((r) => r.op === OP.cacheWrite)).toEqual([]);
    expect(storageOf(extend.qkv.args[QKV_CACHE_K])).toBe(storageOf(extend.inputStorage('past_key.0')));
    expect(storageOf(extend.qkv.args[QKV_CACHE_V])).toBe(storageOf(extend.inputStorage('past_value.0')));
    expect(extend.qkv.args[QKV_OFFSET]).not.toBeNull();
    expect([extend.qkv.args[QKV_K], extend.qkv.args[QKV_V]]).toEqual([null, null]);
    // A prompt: attention reads this call's keys and values, so they go to the cache and to their outputs.
    const start = plans('in-place-start', donated);
    expect(start.plan.records.filter((r) => r.op === OP.cacheWrite)).toEqual([]);
    expect(start.qkv.args[QKV_K]).not.toBeNull();
    expect(start.qkv.args[QKV_CACHE_K]).not.toBeNull();
    // Not donated: the cache is copied to the output by the cache-write records, as before.
    const copied = plans('in-place-extend', new Map());
    expect(copied.plan.records.filter((r) => r.op === OP.cacheWrite).length).toBe(2);
    expect([copied.qkv.args[QKV_CACHE_K], copied.qkv.args[QKV_CACHE_V], copied.qkv.args[QKV_OFFSET]]).toEqual([null, null, null]);
  });

  it('packs arena slots whose lifetimes overlap into disjoint bytes and reuses the rest', () => {
    const slot = (id: number, bytes: number, first: number, last: number) => ({ id, bytes, kind: 'arena' as const, align: 256, first, last, offset: 0 });
    const slots = [slot(0, 1000, 0, 2), slot(1, 500, 1, 3), slot(2, 1000, 3, 4), slot(3, 300, 4, 5)];
    const size = packArena(slots);
    const overlaps = (a: (typeof slots)[0], b: (typeof slots)[0]) =>
      a.first <= b.last && b.first <= a.last && a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
    for (const a of slots) for (const b of slots) if (a !== b) expect(overlaps(a, b)).toBe(false);
    expect(size).toBeLessThan(1024 + 512 + 1024 + 512);
  });

  it.skipIf(skip)('a decode step is one native step call with one wait, and the in-place session matches cpu-ref', async () => {
    const { ModelSession } = await import('../../core/session/session.js');
    const { randomWeights } = await import('../../core/models/glm/weights.js');
    const backend = (await plugin.open()) as import('../../backends/cuda/index.js').CudaBackend;
    const weights = randomWeights(TINY, 'f32', 5);
    const gpu = await ModelSession.open(backend, TINY, weights, { dtype: 'f32', cacheCapacity: 12 });
    const ref = await ModelSession.open(await cpuRef.open(), TINY, weights, { dtype: 'f32', cacheCapacity: 12 });
    const prompt = { tokens: [3, 4, 5, 256, 260], positions: [0, 1, 2, 3, 3], contextLength: 4 };
    const a = await gpu.prefillTop([prompt], 2);
    const [b] = await ref.prefill([prompt]);
    let token = a.rows[0]!.ids[0]!;
    const best = (row: Float32Array) => Array.from(row.subarray(0, TINY.vocabSize)).reduce((at, v, i, all) => (v > all[at]! ? i : at), 0);
    expect(token).toBe(best(b!));
    for (let step = 0; step < 3; step++) {
      const decode = { tokens: [token], positions: [3], parents: [0] };
      const before = backend.native.stepStats().syncs;
      const got = await gpu.decodeTop(decode, 2);
      expect(backend.native.stepStats().syncs - before).toBe(1);
      const [want] = await ref.decode(decode);
      token = got.rows[0]!.ids[0]!;
      expect(token).toBe(best(want!));
      expect(got.rows[0]!.logits[0]!).toBeCloseTo(want![token]!, 4);
    }
    // At a temperature ≠ 1 the step also gives the log-sum-exp of the logits over it (top-p sampling
    // from candidates): the same step on cpu-ref gives the value to compare with.
    const decode = { tokens: [token], positions: [3], parents: [0] };
    const hot = await gpu.decodeTop(decode, 2, 0.8);
    const want = (await ref.decodeTop(decode, 2, 0.8)).rows[0]!.scaledLogSumExp!;
    expect(hot.rows[0]!.scaledLogSumExp).toBeCloseTo(want, 4);
    await gpu.close();
    await ref.close();
    await backend.close();
  }, 300_000);

  it.skipIf(skip)('refuses an output bound to an input it is not computed in place from', async () => {
    const backend = await plugin.open();
    const b = new GraphBuilder('alias');
    const x = b.input('x', 'f32', [4]);
    b.output('y', b.op1('scale', [x], { factor: 2 }, 'double'));
    const { executable } = await (await import('../../core/execute/compile.js')).compileFor(backend, b.build());
    const t = { buffer: backend.memory.allocate(16), byteOffset: 0, dtype: 'f32' as const, shape: [4] };
    await expect(executable.run({ inputs: { x: t }, outputs: { y: t } })).rejects.toThrow(
      'output "y" is bound to memory of input "x", but it is not computed in place from that input alone',
    );
    backend.memory.free(t.buffer);
    await backend.close();
  });

  it.skipIf(skip)('a run with the same tensors reuses its program; other tensors or a freed one are seen', async () => {
    const backend = await plugin.open();
    const b = new GraphBuilder('double');
    const x = b.input('x', 'f32', [4]);
    b.output('y', b.op1('scale', [x], { factor: 2 }, 'double'));
    const { executable } = await (await import('../../core/execute/compile.js')).compileFor(backend, b.build());
    const { memory } = backend;
    const tensor = async (values: number[]) => {
      const t = { buffer: memory.allocate(16), byteOffset: 0, dtype: 'f32' as const, shape: [4] };
      await memory.write(t.buffer, 0, new Uint8Array(Float32Array.from(values).buffer));
      return t;
    };
    const read = async (t: { buffer: import('../../core/backend-api/plugin-contract.js').DeviceBuffer }) =>
      Array.from(new Float32Array((await memory.read(t.buffer, 0, 16)).slice().buffer));
    const [x1, x2, y1, y2] = await Promise.all([tensor([1, 2, 3, 4]), tensor([5, 6, 7, 8]), tensor([0, 0, 0, 0]), tensor([0, 0, 0, 0])]);
    await executable.run({ inputs: { x: x1 }, outputs: { y: y1 } });
    await memory.write(x1.buffer, 0, new Uint8Array(Float32Array.from([-1, -2, -3, -4]).buffer));
    await executable.run({ inputs: { x: x1 }, outputs: { y: y1 } }); // same tensors: the kept program
    expect(await read(y1)).toEqual([-2, -4, -6, -8]);
    await executable.run({ inputs: { x: x2 }, outputs: { y: y2 } }); // other tensors: their own addresses
    expect(await read(y2)).toEqual([10, 12, 14, 16]);
    expect(await read(y1)).toEqual([-2, -4, -6, -8]);
    memory.free(x2.buffer);
    await expect(executable.run({ inputs: { x: x2 }, outputs: { y: y2 } })).rejects.toThrow('buffer used after free');
    for (const t of [x1, y1, y2]) memory.free(t.buffer);
    await backend.close();
  });

  it.skipIf(skip)('beam search reorders the in-place cache on the device exactly as on cpu-ref', async () => {
    const { ModelSession } = await import('../../core/session/session.js');
    const { randomWeights } = await import('../../core/models/glm/weights.js');
    const { BeamSearchStrategy } = await import('../../core/generate/beam-search-strategy.js');
    const { generateSpan } = await import('../../core/generate/generate-span.js');
    const backend = await plugin.open();
    const weights = randomWeights(TINY, 'f32', 9);
    const row = { tokens: [7, 8, 9, 256, 260], positions: [0, 1, 2, 3, 3], contextLength: 4 };
    const rule = { contextLength: 4, maskIndex: 3, continues: false, rotary: '1d' as const };
    const spans = async (session: Awaited<ReturnType<typeof ModelSession.open>>) =>
      generateSpan(session, row, rule, new BeamSearchStrategy({ numBeams: 3, endTokens: [] }), { outSeqLength: 10 });
    const gpu = await ModelSession.open(backend, TINY, weights, { dtype: 'f32', cacheCapacity: 10 });
    const ref = await ModelSession.open(await cpuRef.open(), TINY, weights, { dtype: 'f32', cacheCapacity: 10 });
    const got = await spans(gpu);
    const want = await spans(ref);
    expect(got.spans).toEqual(want.spans);
    expect(got.spans.length).toBe(3);
    got.scores.forEach((s, i) => expect(s).toBeCloseTo(want.scores[i]!, 4));
    await gpu.close();
    await ref.close();
    await backend.close();
  }, 300_000);
});
