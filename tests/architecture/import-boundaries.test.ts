import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importEdges, violation, type ImportEdge } from './import-rules.js';

const root = join(import.meta.dirname, '..', '..');
const LAYERS = ['core', 'cli', 'backends', 'conformance', 'sdk'];

function violations(edges: readonly ImportEdge[]): string[] {
  return edges.flatMap((e) => {
    const why = violation(e);
    return why ? [`${e.from} -> ${e.to}: ${why}`] : [];
  });
}

describe('import boundaries (arrows point down)', () => {
  const edges = importEdges(root, LAYERS);

  it('reads a real tree', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges.some((e) => e.from.startsWith('core/') && e.to.startsWith('core/'))).toBe(true);
  });

  it('every import of the tree keeps to the rules', () => {
    expect(violations(edges)).toEqual([]);
  });

  it('every relative import names a file that exists', () => {
    const missing = edges.filter((e) => !existsSync(join(root, e.to)) && !existsSync(join(root, e.to.replace(/\.ts$/, '.js'))));
    expect(missing).toEqual([]);
  });

  // Mutations: each forbidden arrow, added to the real edges, must be reported.
  const forbidden: ImportEdge[] = [
    { from: 'core/session/session.ts', to: 'backends/cpu-ref/index.ts' },
    { from: 'core/passes/decompose.ts', to: 'conformance/runner.ts' },
    { from: 'core/ir/graph.ts', to: 'cli/main.ts' },
    { from: 'backends/cuda/index.ts', to: 'backends/rocm-dcu/native-addon.ts' },
    { from: 'backends/program/executable.ts', to: 'backends/simt/launch-codes.ts' },
    { from: 'backends/program/planner.ts', to: 'backends/cuda/index.ts' },
    { from: 'backends/cpu-ref/index.ts', to: 'backends/simt/launch-codes.ts' },
    { from: 'conformance/runner.ts', to: 'backends/cuda/index.ts' },
    { from: 'backends/registry.ts', to: 'backends/cuda/native-addon.ts' },
    { from: 'core/session/session.ts', to: 'sdk/session.ts' },
    { from: 'conformance/runner.ts', to: 'sdk/index.ts' },
    { from: 'backends/cpu-ref/index.ts', to: 'sdk/index.ts' },
    { from: 'sdk/session.ts', to: 'backends/cpu-ref/index.ts' },
    { from: 'sdk/index.ts', to: 'cli/main.ts' },
  ];
  for (const edge of forbidden) {
    it(`fails on ${edge.from} -> ${edge.to}`, () => {
      expect(violations([edge])).toHaveLength(1);
    });
  }
});
