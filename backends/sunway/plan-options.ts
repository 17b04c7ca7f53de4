/** The Sunway family's planner choices. Tiling is not one of them: launchers choose it at run time from the chip's LDM. */
import type { PlanOptions } from '../program/lowering-context.js';
import type { ChipName } from './chip.js';

export interface SunwayPlanOptions extends PlanOptions {
  /** The chip the backend was opened for (claims differ: SW26010 has no half-precision arithmetic). */
  readonly chip: ChipName;
}
