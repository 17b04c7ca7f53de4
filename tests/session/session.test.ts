import { describe, expect, it } from 'vitest';
import { plugin as cpuRef } from '../../backends/cpu-ref/index.js';
import { TINY, CHATGLM_6B, headDim, type GlmConfig } from '../../core/models/glm/config.js';
import { buildGlmModelGraph, GLM_INPUTS } from '../../core/models/glm/graphs.js';
import { prepareWeights, quantizeWeights, randomWeights } from '../../core/models/glm/weights.js';
import { runGraph } from '../../core/execute/run-graph.js';
import { ModelSession } from '../../core/session/session.js';
import type { Backend, BackendMemory } from '../../core/backend-api/plugin-contract.js';
import { GlmError } from '../../core/errors.js';
import { hostTensor, toFloat64, type HostTensor } from '../../core/tensor/host-tensor.js';
import type { DType } from '../../core/tensor/dtype.js';

const i32 = (shape: number[], values: number[]) => hostTensor('i32', shape, Int32Array.from(values));

/** Logits of every position for whole sequences in one call (no cache reuse). */
async function fullForward(config: GlmConfig, weights: Map<string, HostTensor>, tokens: number[][], positions: number[][], ctx: number[], blockPositions?: number[][]) {
  const backend = await cpuRef.open();
  const graph = buildGlmModelGraph(config, { dtype: 'f32', logits: 'all' });
  const batch = tokens.length;
  const seq = tokens[0]!.length;
  const inputs: Record<string, HostTensor> = Object.fromEntries(weights);
  inputs[GLM_INPUTS.inputIds] = i32([batch, seq], tokens.flat());
  inputs[GLM_INPUTS.positions] = i32([batch, seq], positions.flat());
  if (blockPositions) inputs[GLM_INPUTS.blockPositions] = i32([batch, seq], blockPositions.flat());
  inputs[GLM_INPUTS.contextLengths] = i32([batch], ctx);
  inputs[GLM_INPUTS.cacheIndex] = i32([batch], tokens.map((_, i) => i));
  for (let l = 0; l < config.numLayers; l++) {
    inputs[GLM_INPUTS.pastKey(l)] = hostTensor('f32', [batch, config.numHeads, 0, headDim(config)]);
    inputs[GLM_INPUTS.pastValue(l)] = hostTensor('f32', [batch, config.numHeads, 0, headDim(config)]);
  }
  const out = await runGraph(backend, graph, inputs);
  return toFloat64(out['logits']!);
}

function row(all: Float64Array, config: GlmConfig, seq: number, b: number, s: number): number[] {
  const v = config.paddedVocabSize;
  return Array.from(all.subarray((b * seq + s) * v, (b * seq + s + 1) * v));
}

const SMALL_2D: GlmConfig = { ...CHATGLM_6B, name: 'small-2d', numLayers: 2, hiddenSize: 32, numHeads: 2, ffnHiddenSize: 48, vocabSize: 264, paddedVocabSize: 272, maxSequenceLength: 64 };

describe('ModelSession on cpu-ref', () => {
  it('prefill then decode gives exactly the logits of a whole-sequence forward (KV cache is exact)', async () => {
    const weights = randomWeights(TINY, 'f32', 7);
    const tokens = [10, 20, 30, 256, 40, 260, 50, 60];
    const positions = [0, 1, 2, 3, 4, 3, 3, 3]; // [MASK] at 3: positions from [sop] on stay at 3
    const ctx = 5;
    const all = await fullForward(TINY, weights, [tokens], [positions], [ctx]);

    const session = await ModelSession.open(await cpuRef.open(), TINY, weights, { dtype: 'f32' });
    const prefix = 6;
    const [first] = await session.prefill([{ tokens: tokens.slice(0, prefix), positions: positions.slice(0, prefix), contextLength: ctx }]);
    expect(Array.from(first!)).toEqual(row(all, TINY, tokens.length, 0, prefix - 1).map(Math.fround));
    for (let s = prefix; s < tokens.length; s++) {
      const [next] = await session.decode({ tokens: [tokens[s]!], positions: [positions[s]!], parents: [0] });
      expect(Array.from(next!)).toEqual(row(all, TINY, tokens.length, 0, s).map(Math.fround));
    }
    await session.close();
  });

  it('reorders and duplicates cache rows by parent (beam search) exactly', async () => {
    const weights = randomWeights(TINY, 'f32', 8);
    const a = [1, 2, 3, 257, 260];
    const b = [9, 8, 7, 257, 260];
    const pos = [0, 1, 2, 3, 4];
    const session = await ModelSession.open(await cpuRef.open(), TINY, weights, { dtype: 'f32' });
    await session.prefill([
      { tokens: a, positions: pos, contextLength: 4 },
      { tokens: b, positions: pos, contextLength: 4 },
    ]);
    // New rows: [b + 42, a + 43, b + 44]
    const out = await session.decode({ tokens: [42, 43, 44], positions: [5, 5, 5], parents: [1, 0, 1] });
    const expected = await fullForward(TINY, weights, [[...b, 42], [...a, 43], [...b, 44]], [[...pos, 5], [...pos, 5], [...pos, 5]], [4, 4, 4]);
    for (let r = 0; r < 3; r++) expect(Array.from(out[r]!)).toEqual(row(expected, TINY, 6, r, 5).map(Math.fround));
    await session.close();
  });

  it('runs the ChatGLM-style variant (2-D rope, tanh-GeLU MLP, untied head) with an exact cache', async () => {
    const weights = randomWeights(SMALL_2D, 'f32', 9);
    const tokens = [5, 6, 257, 260, 70];
    const positions = [0, 1, 2, 2, 2];
    const blocks = [0, 0, 0, 1, 2];
    const all = await fullForward(SMALL_2D, weights, [tokens], [positions], [3], [blocks]);
    expect(weights.has('lm_head.weight')).toBe(true);
    const session = await ModelSession.open(await cpuRef.open(), SMALL_2D, weights, { dtype: 'f32' });
    await session.prefill([{ tokens: tokens.slice(0, 4), positions: positions.slice(0, 4), blockPositions: blocks.slice(0, 4), contextLength: 3 }]);
    const [last] = await session.decode({ tokens: [70], positions: [2], blockPositions: [2], parents: [0] });
    expect(Array.from(last!)).toEqual(row(all, SMALL_2D, 5, 0, 4).map(Math.fround));
    await session.close();
  });

  it.each([
    ['f16', 'none', 2e-3],
    ['bf16', 'none', 2e-2],
    ['f16', 'int8', 5e-3],
    ['f16', 'int4', 0.2],
  ] as const)('%s storage with %s weights stays close to the f32 logits', async (dtype: DType, quantization, bound) => {
    const f32 = randomWeights(TINY, 'f32', 11);
    const tokens = [72, 101, 108, 108, 111, 257, 262, 260];
    const positions = tokens.map((_, i) => i);
    const reference = await ModelSession.open(await cpuRef.open(), TINY, f32, { dtype: 'f32' });
    const [want] = await reference.prefill([{ tokens, positions, contextLength: 7 }]);
    let weights = prepareWeights(TINY, f32, dtype, 'none', 'test');
    if (quantization !== 'none') weights = quantizeWeights(TINY, weights, quantization, dtype);
    const session = await ModelSession.open(await cpuRef.open(), TINY, weights, { dtype, quantization });
    const [got] = await session.prefill([{ tokens, positions, contextLength: 7 }]);
    let err = 0;
    let norm = 0;
    for (let i = 0; i < want!.length; i++) {
      err += (got![i]! - want![i]!) ** 2;
      norm += want![i]! ** 2;
    }
    expect(err / norm).toBeLessThan(bound);
    expect(err).toBeGreaterThan(0); // the lower precision really was used
  });

  it('rejects sequences longer than the model maximum and decode before prefill', async () => {
    const session = await ModelSession.open(await cpuRef.open(), { ...TINY, maxSequenceLength: 4 }, randomWeights(TINY, 'f32', 1), { dtype: 'f32' });
    await expect(session.decode({ tokens: [1], positions: [0], parents: [0] })).rejects.toThrow('decode called before prefill');
    await expect(session.prefill([{ tokens: [1, 2, 3, 4, 5], positions: [0, 1, 2, 3, 4], contextLength: 4 }])).rejects.toThrow(
      'sequence of 5 tokens exceeds the model\'s maximum of 4',
    );
  });

  it('top-k candidates and log-sum-exp match the full logits of the same steps (prefillTop/decodeTop)', async () => {
    const weights = randomWeights(TINY, 'f32', 21);
    const session = await ModelSession.open(await cpuRef.open(), TINY, weights, { dtype: 'f32', cacheCapacity: 16 });
    const reference = await ModelSession.open(await cpuRef.open(), TINY, weights, { dtype: 'f32', cacheCapacity: 16 });
    const prompt = { tokens: [5, 6, 7, 256, 260], positions: [0, 1, 2, 3, 3], contextLength: 4 };
    const check = (top: { ids: Int32Array; logits: Float32Array; logSumExp: number }, full: Float32Array, k: number) => {
      const real = Array.from(full.subarray(0, TINY.vocabSize));
      const order = real.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k);
      expect(Array.from(top.ids)).toEqual(order.map((o) => o[1]));
      expect(Array.from(top.logits)).toEqual(order.map((o) => o[0]));
      const max = Math.max(...real);
      const lse = max + Math.log(real.reduce((acc, v) => acc + Math.exp(v - max), 0));
      expect(top.logSumExp).toBeCloseTo(lse, 5);
    };
    const first = await session.prefillTop([prompt], 7);
    const [want] = await reference.prefill([prompt]);
    check(first.rows[0]!, want!, 7);
    expect(Array.from((await first.full())[0]!)).toEqual(Array.from(want!));
    for (const [step, token] of [[1, 42], [2, 43], [3, 44]] as const) {
      const decode = { tokens: [token], positions: [3], parents: [0] };
      const got = await session.decodeTop(decode, 3);
      const [full] = await reference.decode(decode);
      check(got.rows[0]!, full!, 3);
      if (step === 3) {
        await session.decodeTop(decode, 3); // a later call overwrites the step's logits
        await expect(got.full()).rejects.toThrow('overwritten by a later call');
      }
    }
    await session.close();
    await reference.close();
  });

  it('asked with a temperature, the candidates also carry the log-sum-exp of the logits over it', async () => {
    for (const dtype of ['f32', 'f16'] as const) {
      const weights = randomWeights(TINY, dtype, 22);
      const session = await ModelSession.open(await cpuRef.open(), TINY, weights, { dtype, cacheCapacity: 16 });
      const prompt = { tokens: [5, 6, 7, 256, 260], positions: [0, 1, 2, 3, 3], contextLength: 4 };
      // Independently: the same step's whole row, each logit times 1/T rounded to fp32, then in float64.
      const scaledLse = (full: Float32Array, temperature: number) => {
        const real = Array.from(full.subarray(0, TINY.vocabSize), (v) => Math.fround(v * (1 / temperature)));
        const max = Math.max(...real);
        return max + Math.log(real.reduce((acc, v) => acc + Math.exp(v - max), 0));
      };
      const first = await session.prefillTop([prompt], 5, 0.6);
      const row = first.rows[0]!;
      const [full] = await first.full();
      expect(row.scaledLogSumExp).toBeCloseTo(scaledLse(full!, 0.6), 5);
      expect(row.scaledLogSumExp).not.toBeCloseTo(row.logSumExp, 2); // a different number from the plain one
      const decode = { tokens: [42], positions: [3], parents: [0] };
      const hot = await session.decodeTop(decode, 5, 1.7);
      expect(hot.rows[0]!.scaledLogSumExp).toBeCloseTo(scaledLse((await hot.full())[0]!, 1.7), 5);
      const plain = await session.decodeTop({ tokens: [43], positions: [3], parents: [0] }, 5);
      expect(plain.rows[0]!.scaledLogSumExp).toBeUndefined(); // temperature 1: nothing more is computed
      await expect(session.decodeTop({ tokens: [44], positions: [3], parents: [0] }, 5, 0)).rejects.toThrow("the candidates' temperature must be a positive number");
      await session.close();
    }
  });

  describe('a beam reorder', () => {
    const FOUR_LAYERS: GlmConfig = { ...TINY, name: 'tiny-4-layers', numLayers: 4 };
    const CAPACITY = 16;
    const layerBytes = (rows: number) => 2 * rows * TINY.numHeads * CAPACITY * headDim(TINY) * 4; // f32 keys and values

    /** cpu-ref whose memory counts the bytes the session holds at once, and can be told to fail. */
    async function countingBackend() {
      const backend = await cpuRef.open();
      const real = backend.memory;
      const state = { live: 0, peak: 0, failAfter: Infinity };
      const memory: BackendMemory = {
        allocate(byteLength) {
          if (state.failAfter-- <= 0) throw new GlmError('resource', `out of memory (test): ${byteLength} bytes asked`);
          state.live += byteLength;
          state.peak = Math.max(state.peak, state.live);
          return real.allocate(byteLength);
        },
        free(buffer) {
          state.live -= buffer.byteLength;
          real.free(buffer);
        },
        write: (buffer, offset, bytes) => real.write(buffer, offset, bytes),
        read: (buffer, offset, length) => real.read(buffer, offset, length),
      };
      return { backend: new Proxy(backend, { get: (target, key) => (key === 'memory' ? memory : Reflect.get(target, key, target)) }), state };
    }

    async function prefilled(backend: Backend) {
      const session = await ModelSession.open(backend, FOUR_LAYERS, randomWeights(FOUR_LAYERS, 'f32', 13), { dtype: 'f32', cacheCapacity: CAPACITY });
      const row = (first: number) => ({ tokens: [first, first + 1, 257, 260], positions: [0, 1, 2, 3], contextLength: 3 });
      await session.prefill([row(10), row(20), row(30)]);
      return session;
    }

    it('holds one layer of the cache beside it, not a second cache', async () => {
      const { backend, state } = await countingBackend();
      const session = await prefilled(backend);
      const extraPeak = async (parents: number[]) => {
        const before = state.live;
        state.peak = before;
        await session.decode({ tokens: parents.map(() => 40), positions: parents.map(() => 4), parents });
        return state.peak - before;
      };
      const plain = await extraPeak([0, 1, 2]); // the identity: no reorder
      const reordered = await extraPeak([2, 0, 0]);
      // One layer's copy (and the 12-byte index) on top of what a step holds anyway; a whole second
      // cache would be four layers'.
      expect(reordered - plain).toBeGreaterThanOrEqual(layerBytes(3));
      expect(reordered - plain).toBeLessThan(layerBytes(3) + 64);
      await session.close();
    });

    it('that fails before any layer is copied leaves the session as it was', async () => {
      const { backend, state } = await countingBackend();
      const session = await prefilled(backend);
      state.failAfter = 1; // the index, then layer 0's key fails
      await expect(session.decode({ tokens: [40, 41, 42], positions: [4, 4, 4], parents: [2, 1, 0] })).rejects.toThrow(/^out of memory \(test\): \d+ bytes asked$/);
      state.failAfter = Infinity;
      // The same step as on an untouched session: the cache's rows are unchanged.
      const step = { tokens: [40, 41, 42], positions: [4, 4, 4], parents: [0, 1, 2] };
      const got = await session.decode(step);
      const untouched = await prefilled(await cpuRef.open());
      const want = await untouched.decode(step);
      for (let r = 0; r < 3; r++) expect(Array.from(got[r]!)).toEqual(Array.from(want[r]!));
      await session.close();
      await untouched.close();
    });

    it('that fails part-way drops the cache and says so; the next decode asks for a prefill', async () => {
      const { backend, state } = await countingBackend();
      const session = await prefilled(backend);
      const live = state.live;
      state.failAfter = 3; // the index, layer 0's key and value, then layer 1's key fails
      const failed = session.decode({ tokens: [40, 41], positions: [4, 4], parents: [1, 1] });
      await expect(failed).rejects.toThrow(/out of memory \(test\).*reordering layer 1 of the KV cache for beam search; the cache was dropped: prefill again/);
      await expect(failed).rejects.toMatchObject({ kind: 'resource' });
      state.failAfter = Infinity;
      expect(state.live).toBeLessThan(live - 3 * layerBytes(3)); // the cache and the copy were freed
      await expect(session.decode({ tokens: [40], positions: [4], parents: [0] })).rejects.toThrow('decode called before prefill');
      await session.close();
    });
  });

  it('a session with a smaller KV cache refuses sequences beyond it', async () => {
    const session = await ModelSession.open(await cpuRef.open(), TINY, randomWeights(TINY, 'f32', 1), { dtype: 'f32', cacheCapacity: 3 });
    await session.prefill([{ tokens: [1, 2, 3], positions: [0, 1, 2], contextLength: 2 }]);
    await expect(session.decode({ tokens: [4], positions: [3], parents: [0] })).rejects.toThrow("exceeds the session's KV-cache capacity of 3");
    await expect(ModelSession.open(await cpuRef.open(), TINY, randomWeights(TINY, 'f32', 1), { dtype: 'f32', cacheCapacity: 0 })).rejects.toThrow('cache capacity');
  });
});
