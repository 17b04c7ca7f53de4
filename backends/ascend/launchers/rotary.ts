/**
 * Rotary position embedding (A2/A3's fused op) and the rotary tables. aclnn binds no sin/cos here,
 * so cos and sin of θ = position · base^(−2i/dim) are tables the host computes once in float64 for
 * positions 0 … ROTARY_POSITIONS − 1 (GLM_ASCEND_ROTARY_POSITIONS, default 4096: GLM-130B's sequences
 * are 2,048 long), rounded to fp32, and a rotary-table record gathers its rows by position
 * (GatherV2, which range-checks the positions on the device).
 */
import { ACL_DTYPE, HOST_STEPS } from '../launch-codes.js';
import { aclnnLauncher } from './aclnn-launcher.js';
import { runOp, type Launcher } from './launcher.js';
import type { TensorArg } from './decoded-record.js';

export const ROTARY_EMBEDDING = aclnnLauncher(['RotaryPositionEmbedding']);

export function rotaryPositions(): number {
  const n = Number(process.env['GLM_ASCEND_ROTARY_POSITIONS'] ?? '');
  return Number.isInteger(n) && n > 0 ? n : 4096;
}

/** cos (or sin) of emb = concat(θ, θ) for each position, [positions, dim] fp32 in float64 arithmetic. */
export function rotaryTableBytes(fn: 'cos' | 'sin', positions: number, dim: number, base: number): Uint8Array {
  const half = dim / 2;
  const out = new Float32Array(positions * dim);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const theta = p * Math.pow(base, (-2 * i) / dim);
      const v = fn === 'cos' ? Math.cos(theta) : Math.sin(theta);
      out[p * dim + i] = v;
      out[p * dim + half + i] = v;
    }
  }
  return new Uint8Array(out.buffer);
}

/** A [positions, dim] fp32 table at `address`. */
function table(positions: number, dim: number, address: number): TensorArg {
  return { dtype: ACL_DTYPE.f32, shape: [positions, dim], strides: [dim, 1], offset: 0, storageElements: positions * dim, address };
}

export const ROTARY_TABLE: Launcher = {
  codes: [HOST_STEPS.rotaryTable],
  launch(env, record, state) {
    const [positions, cosOut, sinOut, dim, base] = record.args as [TensorArg, TensorArg, TensorArg, number, number];
    const count = positions.shape.reduce((a, b) => a * b, 1);
    const rows = rotaryPositions();
    const index: TensorArg = { ...positions, shape: [count], strides: [1] };
    (['cos', 'sin'] as const).forEach((fn, k) => {
      const address = env.constants.get(`rotary-${fn}:${dim}:${base}:${rows}`, () => rotaryTableBytes(fn, rows, dim, base));
      const out = k === 0 ? cosOut : sinOut;
      runOp(env, state, 'GatherV2', [table(rows, dim, address), 0, index, { ...out, shape: [count, dim], strides: [dim, 1] }], '', k);
    });
  },
};
