// Generates the Sunway family's launch vocabulary for the runner from the TypeScript table that defines
// it (backends/sunway/launch-codes.ts, built to dist/ by `npm run build`), into the directory given:
//   glm_launch_codes.h  enum Op (OP_COPY = 1, ...) and kOpCodes; the limits the TypeScript side plans
//                       with (the launchers check them against the kernels' own)
//   glm_dtype_codes.h   enum DType and kDTypeCodes (device-neutral: backends/program/native/codegen.mjs)
// Usage: node backends/sunway/runner/gen-launch-codes.mjs <out-dir>. Run by the runner's CMakeLists.txt;
// `glm export` writes the same headers into the exported tree, so a Sunway node needs no Node.js.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { checkTable, constantName, enumWithNames, repoRoot, writeDTypeCodes, writeHeader } from '../../program/native/codegen.mjs';

// Where `npm run build` puts backends/sunway/launch-codes.ts.
const TABLE = 'dist/backends/sunway/launch-codes.js';

function limit(module, name) {
  const value = module[name];
  if (!Number.isInteger(value)) throw new Error(`launch-codes: ${name} is not exported as an integer`);
  return `constexpr int64_t ${name} = ${value};`;
}

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: node gen-launch-codes.mjs <out-dir>');
const file = join(repoRoot, TABLE);
if (!existsSync(file)) throw new Error(`the launch codes: ${TABLE} does not exist; run npm run build (tsc) before the native build`);
const launch = await import(pathToFileURL(file).href);
const ops = checkTable(launch.OP, `${TABLE} OP`);
writeHeader(join(outDir, 'glm_launch_codes.h'), [TABLE], [
  '#include <cstdint>',
  '',
  '#include "named_code.h"',
  '',
  'namespace glm {',
  '',
  "// A launch record's first word.",
  ...enumWithNames('enum Op : int', ops, (name) => `OP_${constantName(name)}`, 'kOpCodes'),
  '',
  '// The limits the TypeScript side plans with.',
  'namespace planned {',
  limit(launch, 'MAX_RANK'),
  limit(launch, 'MAX_TOP_K'),
  limit(launch, 'MAX_HEAD_DIM'),
  '}  // namespace planned',
  '',
  '}  // namespace glm',
]);
writeDTypeCodes(outDir, launch.DTYPE_CODES, TABLE);
