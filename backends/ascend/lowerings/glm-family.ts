/**
 * The pre-norm GLM family's ops (ChatGLM2/3, GLM-4) on the fused aclnn ops A2/A3 have for them (not
 * the original 910, whose opp package has neither; there they run as their decompositions):
 *  - rms-norm: RmsNorm(x, gamma = weight, epsilon) over the last dim; its rstdOut (fp32, one per row)
 *    goes to scratch.
 *  - swiglu: SwiGlu(x, dim −1): CANN's Swish(A) · B gates the FIRST half A, which is ChatGLM2's and
 *    GLM-4's convention (silu(x₁) · x₂), so no swap is needed — unlike GeGluV3, GLM-130B's GeGLU, which
 *    is told to activate the second half.
 */
import { countOf } from '../../program/locations.js';
import { emitOp, view } from './aclnn-record.js';
import type { AscendLowering } from './ascend-lowering.js';

export const rmsNorm: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  if (countOf(out.shape) === 0) return;
  const eps = (ctx.node.attrs['eps'] as number | undefined) ?? 1e-5;
  const rstd = ctx.temp('f32', out.shape.slice(0, -1));
  emitOp(ctx, 'RmsNorm', [view(ctx.input(0)!), view(ctx.input(1)!), eps, view(out), view(rstd)]);
};

export const swiglu: AscendLowering = (ctx) => {
  const out = ctx.output(0);
  if (countOf(out.shape) > 0) emitOp(ctx, 'SwiGlu', [view(ctx.input(0)!), -1, view(out)]);
};
