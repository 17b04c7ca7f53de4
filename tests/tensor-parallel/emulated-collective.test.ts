/**
 * The emulators' all-reduce against cpu-ref's, bit for bit: four ranks of cuda-emu and four of cpu-ref
 * each run `y = all-reduce(x)` on the same per-rank data, in f32, f16 and bf16, with values picked to
 * expose rounding — ties to even, sums that overflow to infinity on the way, subnormals, a NaN.
 * cpu-ref sums in float64 and rounds once (core/tensor's own conversion, independent of the emulator's
 * C++ in collectives/float_bits.h), so equality means the emulator rounds once and to nearest even. The
 * data is checked to be sensitive: summing it in the dtype with a rounding per addition (as NCCL's ring
 * does) gives other values in every dtype, so a collective that rounded per step would fail here.
 */
import { describe, expect, it } from 'vitest';
import { emulatorEnv, gateOnBuild } from './rank-test-helpers.js';

emulatorEnv({ GLM_CUDA_EMULATE: '1' });
const { addonPath } = await import('../../backends/cuda/native-addon.js');
const { plugin: cuda } = await import('../../backends/cuda/index.js');
const { plugin: cpuRef } = await import('../../backends/cpu-ref/index.js');
const { GraphBuilder } = await import('../../core/ir/builder.js');
const { compileFor } = await import('../../core/execute/compile.js');
const { allocateTensor, downloadTensor, uploadTensor } = await import('../../core/backend-api/device-tensors.js');
const { hostTensor, toFloat64 } = await import('../../core/tensor/host-tensor.js');
const { float64ToFloat16Bits, float16BitsToFloat64, float64ToBfloat16Bits, bfloat16BitsToFloat64 } = await import('../../core/tensor/float16.js');
import type { Backend } from '../../core/backend-api/plugin-contract.js';
import type { DType } from '../../core/tensor/dtype.js';

const path = addonPath();
const skip = gateOnBuild('cuda emulator (emulated collective)', [path], 'npm run build:cuda-emu');

/** One row per element, one column per rank: sums on or near a rounding boundary of some dtype. */
const ROWS: readonly (readonly number[])[] = [
  [1, 2 ** -11, 2 ** -11, 0], // f16: 1 + 2^-10 once; 1 step by step (two ties to even)
  [1, 2 ** -9, 2 ** -9, 0], // bf16: the same with its 8-bit significand
  [1, 2 ** -24, 2 ** -24, 0], // f32: the same with its 24 bits
  [65504, 65504, -65504, 0], // f16: 65504 once; infinity step by step
  [3e38, 3e38, -3e38, 0], // f32 and bf16: the same near their largest finite value
  [Number.NaN, 1, 1, 1],
  [6e-8, 6e-8, 6e-8, 6e-8], // f16 subnormals
  [0.1, 0.2, 0.3, 0.4],
  [1000.5, 0.25, 0.125, 0.0625],
];
const RANKS = 4;
const column = (r: number) => ROWS.map((row) => row[r]!);

function rounded(dtype: DType, values: readonly number[]) {
  const t = hostTensor(dtype, [values.length]);
  const data = t.data as Float32Array | Uint16Array;
  values.forEach((v, i) => {
    data[i] = dtype === 'f32' ? v : dtype === 'f16' ? float64ToFloat16Bits(v) : float64ToBfloat16Bits(v);
  });
  return t;
}

/** `y = all-reduce(x)` over the ranks, each with its own column as x; rank 0's y as raw bits. */
async function allReduceBits(ranks: Backend[], dtype: DType): Promise<number[]> {
  const b = new GraphBuilder('all-reduce-bits');
  b.output('y', b.op1('all-reduce', [b.input('x', dtype, [ROWS.length])], { worldSize: RANKS }, 'sum'));
  const graph = b.build();
  const runs = await Promise.all(
    ranks.map(async (rank, r) => {
      const compiled = await compileFor(rank, graph);
      const x = await uploadTensor(rank.memory, rounded(dtype, column(r)));
      const y = allocateTensor(rank.memory, dtype, [ROWS.length]);
      return { rank, compiled, x, y };
    }),
  );
  await Promise.all(runs.map((r) => r.compiled.executable.run({ inputs: { x: r.x }, outputs: { y: r.y } })));
  const outs = await Promise.all(runs.map(async (r) => Array.from((await downloadTensor(r.rank.memory, r.y)).data as ArrayLike<number>)));
  for (const o of outs) expect(o).toEqual(outs[0]); // every rank gets the same sum
  return dtype === 'f32' ? Array.from(new Uint32Array(Float32Array.from(outs[0]!).buffer)) : outs[0]!;
}

describe.skipIf(skip)('the emulated all-reduce rounds like cpu-ref (float64 sum, one rounding)', () => {
  for (const dtype of ['f32', 'f16', 'bf16'] as const) {
    it(`${dtype}: four cuda-emu ranks give cpu-ref's bits`, async () => {
      const emulated = await (await cuda.open()).openRanks!(RANKS);
      const reference = await (await cpuRef.open()).openRanks!(RANKS);
      const got = await allReduceBits(emulated, dtype);
      const want = await allReduceBits(reference, dtype);
      expect(got).toEqual(want);
      for (const r of [...emulated, ...reference]) await r.close();
    });
  }

  it('the data would catch a rounding per step: summing the rounded inputs in the dtype, rank by rank, differs', () => {
    const round = { f32: Math.fround, f16: (v: number) => float16BitsToFloat64(float64ToFloat16Bits(v)), bf16: (v: number) => bfloat16BitsToFloat64(float64ToBfloat16Bits(v)) };
    for (const dtype of ['f32', 'f16', 'bf16'] as const) {
      const inputs = Array.from({ length: RANKS }, (_, r) => toFloat64(rounded(dtype, column(r))));
      const once = ROWS.map((_, i) => round[dtype](inputs.reduce((sum, x) => sum + x[i]!, 0)));
      const stepwise = ROWS.map((_, i) => inputs.reduce((sum, x) => round[dtype](sum + x[i]!), 0));
      expect(stepwise, dtype).not.toEqual(once);
    }
  });
});
