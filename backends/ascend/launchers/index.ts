/**
 * The registration list: every launcher of the Ascend device, one op family a line, read top to
 * bottom. A code registered twice, an aclnn code whose op the ABI table lacks, or a code nobody
 * launches is an error when this module loads.
 */
import { hasOp } from '../acl/op-params.js';
import { ACLNN_CODES, HOST_STEPS } from '../launch-codes.js';
import { ACTIVATIONS } from './activations.js';
import { ALL_REDUCE } from './collective.js';
import { FLASH_ATTENTION_GLM, FUSED_ATTENTION } from './attention.js';
import { ELEMENTWISE } from './elementwise.js';
import { GLM_MASK } from './glm-mask.js';
import { CACHE_WRITE_AT } from './kv-cache.js';
import type { Launcher } from './launcher.js';
import { MOVEMENT } from './movement.js';
import { NORMALISATION } from './normalisation.js';
import { PRODUCTS } from './products.js';
import { REDUCTIONS } from './reductions.js';
import { ROTARY_EMBEDDING, ROTARY_TABLE } from './rotary.js';

export const LAUNCHERS: readonly Launcher[] = [
  PRODUCTS,
  ELEMENTWISE,
  ACTIVATIONS,
  NORMALISATION,
  REDUCTIONS,
  MOVEMENT,
  ROTARY_EMBEDDING,
  ROTARY_TABLE,
  FUSED_ATTENTION,
  FLASH_ATTENTION_GLM,
  GLM_MASK,
  CACHE_WRITE_AT,
  ALL_REDUCE,
];

function registry(): Map<number, Launcher> {
  const byCode = new Map<number, Launcher>();
  for (const launcher of LAUNCHERS) {
    for (const code of launcher.codes) {
      if (byCode.has(code)) throw new Error(`ascend launchers: code ${code} registered twice`);
      byCode.set(code, launcher);
    }
  }
  for (const [op, code] of Object.entries(ACLNN_CODES)) {
    if (!hasOp(op)) throw new Error(`ascend launchers: ${op} is not an op of the ABI table`);
    if (!byCode.has(code)) throw new Error(`ascend launchers: no launcher for ${op}`);
  }
  for (const [step, code] of Object.entries(HOST_STEPS)) if (!byCode.has(code)) throw new Error(`ascend launchers: no launcher for the host step ${step}`);
  return byCode;
}

const BY_CODE = registry();

export function launcherFor(code: number): Launcher {
  const launcher = BY_CODE.get(code);
  if (!launcher) throw new Error(`ascend: no launcher for code ${code}`);
  return launcher;
}
