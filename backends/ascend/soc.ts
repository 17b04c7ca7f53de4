/**
 * The SoC generation the backend plans for, from aclrtGetSocName() by EXACT name (abi.ts SOC_NAMES):
 * "Ascend910B" is an original-910 variant, not A2, and A2's fifth name is "Ascend910B4-1". A name
 * the table does not list is refused with the name, never guessed from a prefix.
 */
import { GlmError } from '../../core/backend-api/plugin-api.js';
import { SOC_NAMES, socGeneration, type SocGeneration } from './acl/abi.js';

export type { SocGeneration };

export function generationOf(socName: string): SocGeneration {
  const generation = socGeneration(socName);
  if (generation) return generation;
  const known = Object.values(SOC_NAMES).flat().join(', ');
  throw new GlmError('backend', `ascend: SoC "${socName}" is not one this backend plans for (${known})`);
}

/** The generation in words, for the device line. */
export const GENERATION_NAMES: Readonly<Record<SocGeneration, string>> = {
  original910: 'original Ascend 910 (Atlas 800 training)',
  a2: 'Ascend 910B (Atlas A2)',
  a3: 'Ascend 910_93 (Atlas A3)',
};
