#!/usr/bin/env bash
# Builds the Sunway athread/CRTS emulator: backends/sunway/emulator/build/libathread_emu.so
# (`npm run build:sunway-emu`). `build.sh tests` also builds the test programs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
make -C "$here" -j2 --no-print-directory all "$@"
echo "sunway emulator: $here/build/libathread_emu.so (chip from GLM_SUNWAY_CHIP, default SW26010-Pro)"
