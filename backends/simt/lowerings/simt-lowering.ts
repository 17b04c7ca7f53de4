/** A SIMT lowering and the step it sees: the program runtime's, with the SIMT family's plan options. */
import type { Lowering } from '../../program/plan-target.js';
import type { StepContext } from '../../program/lowering-context.js';
import type { SimtPlanOptions } from '../plan-options.js';

export type SimtLowering = Lowering<SimtPlanOptions>;
export type SimtStep = StepContext<SimtPlanOptions>;
