/** Every conformance case, in a stable order, and selection by pattern. */
import type { ConformanceCase } from './case.js';
import { attentionCases } from './cases/attention.js';
import { dataMovementCases } from './cases/data-movement.js';
import { elementwiseCases } from './cases/elementwise.js';
import { faultCases } from './cases/fault/fault-cases.js';
import { glmFamilyOpCases } from './cases/glm-family-ops.js';
import { kvCacheCases } from './cases/kv-cache.js';
import { blockCases, generationCases, modelCases } from './cases/glm-cases.js';
import { linearAlgebraCases } from './cases/linear-algebra.js';
import { samplingCases } from './cases/sampling.js';
import { tensorParallelGraphCases } from './cases/tensor-parallel/graph-cases.js';
import { tensorParallelGenerationCases } from './cases/tensor-parallel/generation-cases.js';

export function allCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [
    ...linearAlgebraCases(),
    ...elementwiseCases(),
    ...dataMovementCases(),
    ...attentionCases(),
    ...glmFamilyOpCases(),
    ...samplingCases(),
    ...kvCacheCases(),
    ...blockCases(),
    ...modelCases(),
    ...generationCases(),
    ...faultCases(),
    ...tensorParallelGraphCases(),
    ...tensorParallelGenerationCases(),
  ];
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) throw new Error(`duplicate conformance case id ${c.id}`);
    seen.add(c.id);
  }
  return cases;
}

/** `*` matches any run of characters; a pattern without `*` matches as a substring. */
export function matchesPattern(id: string, pattern: string): boolean {
  if (!pattern.includes('*')) return id.includes(pattern);
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(id);
}

export interface Selection {
  /** Comma-separated patterns; a case is kept if any matches. */
  readonly filter?: string;
  /** Exact ids (the repro lines use this). */
  readonly caseIds?: readonly string[];
}

/** Does the selection take this id (whether or not the suite has such a case)? */
export function matchesSelection(id: string, selection: Selection): boolean {
  const patterns = selection.filter?.split(',').map((p) => p.trim()).filter(Boolean) ?? [];
  if (selection.caseIds && selection.caseIds.length > 0 && !selection.caseIds.includes(id)) return false;
  return patterns.length === 0 || patterns.some((p) => matchesPattern(id, p));
}

export function selectCases(cases: readonly ConformanceCase[], selection: Selection): ConformanceCase[] {
  return cases.filter((c) => matchesSelection(c.id, selection));
}
