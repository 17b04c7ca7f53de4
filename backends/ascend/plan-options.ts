/** The Ascend family's planner choices: the SoC generation, and the few knobs its lowerings read. */
import type { PlanOptions } from '../program/lowering-context.js';
import type { SocGeneration } from './soc.js';

export interface AscendPlanOptions extends PlanOptions {
  readonly socName: string;
  readonly generation: SocGeneration;
  /**
   * The aclnn op that computes the erf GELU: GeluV2 with approximate 0. GLM_ASCEND_ERF_GELU=Gelu
   * swaps in aclnnGelu (the tanh form) on purpose — a test-only mutation that conformance must catch.
   */
  readonly erfGelu: 'GeluV2' | 'Gelu';
  /** The 910's exact fp32 products (Mul + ReduceSum) take chunks of at most this many product terms. */
  readonly exactProductChunk: number;
  /** Set on the ranks of openRanks(N): the size of the rank's HCCL communicator (its all-reduces span it). */
  readonly collectiveRanks?: number;
}

export function ascendPlanOptions(backend: string, socName: string, generation: SocGeneration): AscendPlanOptions {
  return {
    backend,
    socName,
    generation,
    erfGelu: process.env['GLM_ASCEND_ERF_GELU'] === 'Gelu' ? 'Gelu' : 'GeluV2',
    exactProductChunk: 1 << 22,
  };
}
