/** A Sunway lowering and the step it sees: the program runtime's, with the Sunway family's plan options. */
import type { Lowering } from '../../program/plan-target.js';
import type { StepContext } from '../../program/lowering-context.js';
import type { SunwayPlanOptions } from '../plan-options.js';

export type SunwayLowering = Lowering<SunwayPlanOptions>;
export type SunwayStep = StepContext<SunwayPlanOptions>;
