/**
 * rotary-table: cos and sin of the rotary angles, gathered by position from tables the host computes
 * once in float64 (launchers/rotary.ts: aclnn binds no sin or cos, and a table is what fused RoPE
 * kernels read anyway).
 */
import { countOf } from '../../program/locations.js';
import { emitHostStep, view } from './aclnn-record.js';
import type { AscendLowering } from './ascend-lowering.js';

export const rotaryTable: AscendLowering = (ctx) => {
  const positions = ctx.input(0)!;
  const cos = ctx.output(0);
  const sin = ctx.output(1);
  const dim = ctx.node.attrs['dim'] as number;
  const base = (ctx.node.attrs['base'] as number | undefined) ?? 10000;
  if (countOf(cos.shape) === 0) return;
  emitHostStep(ctx, 'rotaryTable', [view(positions), view(cos), view(sin), dim, base]);
};
