/**
 * Which Sunway chip the backend runs for: GLM_SUNWAY_CHIP (SW26010-Pro by default). What differs for
 * planning is only what the CPEs can compute in (SW26010 has no half precision); core groups, LDM and
 * tiles are the runner's business at run time (../shared/spec/sunway.md §1).
 */
import { GlmError } from '../../core/backend-api/plugin-api.js';

export const CHIPS = ['SW26010-Pro', 'SW26010'] as const;
export type ChipName = (typeof CHIPS)[number];

export interface ChipFacts {
  readonly name: ChipName;
  readonly coreGroups: number;
  readonly cpesPerGroup: number;
  /** CRTS_MAX_LDM_SIZE: the LDM of one CPE. */
  readonly ldmBytes: number;
  /** fp16 arithmetic on the CPEs (float16v32 SIMD and _Float16 scalars): Pro only. */
  readonly halfPrecision: boolean;
}

export const CHIP_FACTS: Readonly<Record<ChipName, ChipFacts>> = {
  'SW26010-Pro': { name: 'SW26010-Pro', coreGroups: 6, cpesPerGroup: 64, ldmBytes: 256 << 10, halfPrecision: true },
  'SW26010': { name: 'SW26010', coreGroups: 4, cpesPerGroup: 64, ldmBytes: 64 << 10, halfPrecision: false },
};

export const CHIP_VARIABLE = 'GLM_SUNWAY_CHIP';

/** The chip GLM_SUNWAY_CHIP names (case-insensitive; "pro" and "sw26010pro" too), or a usage error naming the choices. */
export function chipFromEnvironment(env: NodeJS.ProcessEnv = process.env): ChipName {
  const raw = (env[CHIP_VARIABLE] ?? '').trim();
  if (raw === '') return 'SW26010-Pro';
  const key = raw.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (key === 'sw26010pro' || key === 'pro') return 'SW26010-Pro';
  if (key === 'sw26010') return 'SW26010';
  throw new GlmError('usage', `${CHIP_VARIABLE}=${raw} is not a chip this backend knows (${CHIPS.join(', ')})`);
}
