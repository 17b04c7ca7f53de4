// Generates the SIMT family's launch vocabulary for its native code from the TypeScript tables that
// define it (backends/simt/launch-codes.ts, built to dist/ by `npm run build`), into the directory given:
//   glm_launch_codes.h  enum Op (OP_COPY = 1, ...) and kOpCodes; enum class GemmPath and kGemmPathCodes;
//                       the limits the TypeScript side plans with (kernels.h checks them against its own)
//   glm_dtype_codes.h   enum DType and kDTypeCodes (device-neutral: backends/program/native/codegen.mjs)
// Usage: node backends/simt/native/gen-launch-codes.mjs <out-dir>. Run by simt.cmake and build.sh.
import { join } from 'node:path';

import { checkTable, constantName, enumWithNames, importBuilt, typeName, writeDTypeCodes, writeHeader } from '../../program/native/codegen.mjs';

// Where `npm run build` puts backends/simt/launch-codes.ts.
const TABLE = 'dist/backends/simt/launch-codes.js';

function limit(module, name) {
  const value = module[name];
  if (!Number.isInteger(value)) throw new Error(`launch-codes: ${name} is not exported as an integer`);
  return `constexpr int64_t ${name} = ${value};`;
}

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: node gen-launch-codes.mjs <out-dir>');
const launch = await importBuilt(TABLE, 'the launch codes');
const ops = checkTable(launch.module.OP, `${launch.path} OP`);
const paths = checkTable(launch.module.GEMM_PATH, `${launch.path} GEMM_PATH`);
const opConstant = (name) => `OP_${constantName(name)}`;
const pathConstant = (name) => `static_cast<int>(GemmPath::${typeName(name)})`;
writeHeader(join(outDir, 'glm_launch_codes.h'), [launch.path], [
  '#include <cstdint>',
  '',
  '#include "named_code.h"',
  '',
  'namespace glm {',
  '',
  '// A launch record\'s first word.',
  ...enumWithNames('enum Op : int', ops, opConstant, 'kOpCodes'),
  '',
  '// A gemm record\'s path word: which product runs it.',
  ...enumWithNames('enum class GemmPath : int', paths, typeName, 'kGemmPathCodes', pathConstant),
  '',
  '// The limits the TypeScript side plans with.',
  'namespace planned {',
  limit(launch.module, 'MAX_RANK'),
  limit(launch.module, 'TOP_K_CHUNK'),
  limit(launch.module, 'MAX_TOP_K'),
  '}  // namespace planned',
  '',
  '}  // namespace glm',
]);
writeDTypeCodes(outDir, launch.module.DTYPE_CODES, launch.path);
