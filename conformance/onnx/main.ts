/**
 * Runs the ONNX cross-check from the command line (after `npm run build`):
 *   node dist/conformance/onnx/main.js                 the subset the test runs
 *   node dist/conformance/onnx/main.js --all           every case of the catalogue (generation cases are skipped)
 *   node dist/conformance/onnx/main.js 'op/gelu/*'     cases matching patterns (as `glm conformance --filter`)
 *   ... --json FILE                                    also write every result as JSON
 */
import { writeFileSync } from 'node:fs';
import { allCases, selectCases } from '../catalogue.js';
import { crossCheck, formatSummary } from './cross-check.js';
import { crossCheckSubset } from './subset.js';

async function main(argv: readonly string[]): Promise<number> {
  const args = [...argv];
  const jsonAt = args.indexOf('--json');
  const jsonPath = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
  const all = allCases();
  const cases = args.includes('--all')
    ? all
    : args.length > 0
      ? selectCases(all, { filter: args.join(',') })
      : crossCheckSubset(all);
  let done = 0;
  const results = await crossCheck(cases, {
    catalogue: all,
    onResult: (r) => {
      done++;
      if (r.status !== 'agree' || done % 100 === 0) process.stderr.write(`[${done}/${cases.length}] ${r.status} ${r.id}${r.reason ? `: ${r.reason}` : ''}\n`);
    },
  });
  if (jsonPath) writeFileSync(jsonPath, JSON.stringify(results, null, 1));
  console.log(formatSummary(results));
  return results.some((r) => r.status === 'disagree' || r.status === 'error') ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
