/**
 * What "device-neutral" means for backends/program, as a check over source text: no op name as a
 * string (the planner asks the family's PlanTarget), no warp or wavefront, no vendor or runtime name.
 * Comments may point at a family as an example ("backends/simt/…"), but not name a vendor.
 */
import { OP_NAMES } from '../../core/ir/ops/op-names.js';

const OP_NAME_SET: ReadonlySet<string> = new Set(OP_NAMES);
const QUOTED = /(['"`])([a-z][a-z0-9-]*)\1/g;
const WARP_OR_WAVE = /warp|wave(front)?/i;
const VENDOR = /\b(cuda|cu[a-z]*blas(lt)?|hip[a-z]*|nvidia|nvcc|amd|rocm|dtk|dcu|ascend|cann|acl[a-z]*|athread|sunway|sw26010)\b/i;

/** Every problem of one file's text, as "line N: why". */
export function neutralityProblems(text: string): string[] {
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(QUOTED)) {
      if (OP_NAME_SET.has(m[2]!)) problems.push(`line ${i + 1}: names the op "${m[2]}"`);
    }
    const wave = WARP_OR_WAVE.exec(line);
    if (wave) problems.push(`line ${i + 1}: names "${wave[0]}"`);
    const vendor = VENDOR.exec(line);
    if (vendor) problems.push(`line ${i + 1}: names the vendor or runtime "${vendor[0]}"`);
  });
  return problems;
}
