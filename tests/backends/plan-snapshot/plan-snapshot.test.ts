/**
 * Proof that a change of the planner's structure changed no launch: every graph of plan-snapshot.ts,
 * planned for every SIMT configuration, gives the same claims, decompositions, launch records and
 * arena size as recorded in plan-snapshot.json. That file was written by the planner BEFORE issue
 * 18's backend-seam refactor (commit f7b36b8, when one shared GPU folder held the planner and the
 * SIMT policy, later split into backends/program and backends/simt), and must not be rewritten by a
 * change meant to keep behaviour.
 *
 * GLM_WRITE_PLAN_SNAPSHOT=1 rewrites plan-snapshot.json (only for a change that means to change
 * launches, said so in its commit). GLM_DUMP_PLAN_SNAPSHOT=<folder> writes every plan's full text,
 * one file per configuration, to diff two versions of the planner.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIGURATIONS, digestOf, planTexts, snapshotGraphs } from './plan-snapshot.js';

const SNAPSHOT = join(import.meta.dirname, 'plan-snapshot.json');

describe('SIMT plan snapshot', () => {
  it('plans every graph exactly as the snapshot records', () => {
    const texts = planTexts(snapshotGraphs());
    const configurations = Object.keys(CONFIGURATIONS);
    const ids = [...texts.get(configurations[0]!)!.keys()];
    // graph id → one digest per configuration, in CONFIGURATIONS' order.
    const plans = Object.fromEntries(ids.map((id) => [id, configurations.map((c) => digestOf(texts.get(c)!.get(id)!))]));
    const dump = process.env['GLM_DUMP_PLAN_SNAPSHOT'];
    if (dump) {
      mkdirSync(dump, { recursive: true });
      for (const [configuration, byId] of texts) {
        writeFileSync(join(dump, `${configuration}.txt`), [...byId].map(([id, text]) => `=== ${id}\n${text}\n`).join(''));
      }
    }
    if (process.env['GLM_WRITE_PLAN_SNAPSHOT'] === '1') {
      writeFileSync(SNAPSHOT, `{\n"configurations": ${JSON.stringify(configurations)},\n"plans": {\n${ids.map((id) => `${JSON.stringify(id)}: ${JSON.stringify(plans[id])}`).join(',\n')}\n}}\n`);
    }
    const recorded = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { configurations: string[]; plans: Record<string, string[]> };
    expect(configurations).toEqual(recorded.configurations);
    // The recorded graphs whose plan differs in some configuration, with both digests, so a failure
    // names them. Graphs the snapshot lacks (conformance cases added after it) are not compared.
    const differing = Object.keys(recorded.plans).flatMap((id) => {
      const now = plans[id]?.join(' | ');
      const then = recorded.plans[id]?.join(' | ');
      return now === then ? [] : [`${id}: recorded ${then ?? 'nothing'}, now ${now ?? 'nothing'}`];
    });
    expect(differing).toEqual([]);
  }, 120_000);
});
