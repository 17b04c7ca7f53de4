/** An Ascend lowering and the step it sees: the program runtime's, with the Ascend family's plan options. */
import type { Lowering } from '../../program/plan-target.js';
import type { StepContext } from '../../program/lowering-context.js';
import type { AscendPlanOptions } from '../plan-options.js';

export type AscendLowering = Lowering<AscendPlanOptions>;
export type AscendStep = StepContext<AscendPlanOptions>;
