#!/usr/bin/env bash
# Builds the Ascend emulator's libraries into backends/ascend/emulator/build/lib64/.
# Needs the built ABI table (dist/backends/ascend/acl/abi.js): run `npm run build` first
# (`npm run build:ascend-emu` runs this script; CI's `npm ci` builds dist/ before it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" >/dev/null
cmake --build "$here/build" --parallel "$(nproc 2>/dev/null || echo 2)"
echo "ascend emulator: $here/build/lib64 (SoC from GLM_ASCEND_EMU_SOC, default Ascend910A)"
