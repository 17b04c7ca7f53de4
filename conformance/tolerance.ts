/**
 * The tolerance policy, in one place (explained in docs/conformance.md). Two numbers judge an
 * output against the float64 reference:
 *   nmse     = ‖out − ref‖² / ‖ref‖²                       (the whole tensor)
 *   worstEps = max_i |out_i − ref_i| / (ε · max(|ref_i|, rms(ref)))   (the worst element, in units of
 *              the output dtype's epsilon ε; the rms floor keeps elements that cancel to ~0 from
 *              dominating — their absolute error is what accumulation error really is)
 * NaN fails unless the reference is NaN there; ±Inf must agree exactly.
 */
import { DTYPE_INFO, type DType } from '../core/tensor/dtype.js';

export interface Tolerance {
  readonly nmse: number;
  readonly worstEps: number;
  /** ε of the output dtype the bounds are expressed in. */
  readonly epsilon: number;
  /** One line: where the numbers come from. */
  readonly rationale: string;
}

/** How an op's result relates to exact arithmetic, which decides its tolerance. */
export type ErrorClass =
  | 'exact' // data movement: bits are copied, nothing is computed
  | 'rounded' // one arithmetic operation per element, then one rounding
  | 'few-roundings' // fp32 library functions (exp, erf, tanh, sin, cos) or a few rounded intermediates
  | 'reduction' // sums of K terms accumulated in fp32 (matmul, linear, layer-norm, softmax)
  | 'attention' // two reductions around a softmax; the release's path rounds scores to the storage dtype
  | 'chain'; // a GLM block or model: many of the above in sequence

const FP32_UNIT = 2 ** -24; // unit roundoff of the fp32 accumulators backends must use

/**
 * Accumulating K random-signed terms in fp32 makes a relative error that grows like √K·u (a random
 * walk of roundings); the tail over many elements is kept under 8√K·u. Expressed in output ε.
 */
function accumulationEps(k: number, eps: number): number {
  return (8 * Math.sqrt(k) * FP32_UNIT) / eps;
}

export function toleranceFor(errorClass: ErrorClass, dtype: DType, reductionLength = 1): Tolerance {
  const info = DTYPE_INFO[dtype];
  const eps = info.epsilon;
  if (!info.isFloat || errorClass === 'exact') return { nmse: 0, worstEps: 0, epsilon: eps, rationale: 'bits are copied or integers computed: exact' };
  return { ...bounds(errorClass, dtype, eps, reductionLength), epsilon: eps };
}

function bounds(errorClass: Exclude<ErrorClass, 'exact'>, dtype: DType, eps: number, reductionLength: number): Omit<Tolerance, 'epsilon'> {
  const half = dtype !== 'f32';
  switch (errorClass) {
    case 'rounded':
      // The reference rounds once (≤ ε/2); a backend computing in fp32 and rounding again may land one step away.
      return { nmse: eps * eps, worstEps: 1, rationale: 'one rounding, possibly after an fp32 intermediate: ≤ 1 ε' };
    case 'few-roundings':
      // fp32 exp/erf/tanh/sin/cos are accurate to a few fp32 ulp: invisible in half types beyond the
      // output rounding and one intermediate rounding (decompositions round e.g. cos/sin tables to the dtype).
      return half
        ? { nmse: (2 * eps) ** 2, worstEps: 4, rationale: 'output rounding + one rounded intermediate: ≤ 4 ε' }
        : { nmse: (8 * eps) ** 2, worstEps: 32, rationale: 'fp32 intrinsics (a few ulp) + rounded intermediates: ≤ 32 ε' };
    case 'reduction': {
      const acc = accumulationEps(reductionLength, eps);
      return {
        nmse: eps * eps + (acc * eps) ** 2 / 4,
        worstEps: 2 + acc,
        rationale: `fp32 accumulation over K=${reductionLength}: 2 ε + 8·√K·2⁻²⁴`,
      };
    }
    case 'attention': {
      // The release rounds q/(√d·c) and the scores to the storage dtype: a score of magnitude ~10 moves
      // by ~10 ε, which moves the probabilities relatively by as much; then P·V accumulates over K keys.
      const acc = accumulationEps(reductionLength, eps);
      return { nmse: (8 * eps) ** 2 + (acc * eps) ** 2, worstEps: (half ? 32 : 64) + acc, rationale: `rounded scores (~10 ε) + accumulation over K=${reductionLength}` };
    }
    case 'chain':
      // Errors of ~10 ops per layer add up and LayerNorm renormalises them; judged on the whole tensor.
      return { nmse: (half ? 32 * eps : 256 * eps) ** 2, worstEps: half ? 512 : 8192, rationale: 'a chain of ops per layer: nmse ≤ (32 ε)² in half types' };
  }
}
