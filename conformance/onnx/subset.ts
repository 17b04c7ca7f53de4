import type { ConformanceCase, GraphCase } from '../case.js';
export const CROSS_CHECK_SUBSET: readonly string[] = [];
export function crossCheckSubset(cases: readonly ConformanceCase[]): GraphCase[] {
  const byId = new Map(cases.map((c) => [c.id, c] as const));
  return CROSS_CHECK_SUBSET.map((id) => byId.get(id) as GraphCase);
}
