#!/usr/bin/env bash
# Builds, as part of `npm install` (the prepare script), the backends that need only the host compiler:
# the Ascend emulator (CANN's C ABI on the CPU) and the Sunway athread emulator with its addon, so that
# `glm run --backend ascend` and `--backend sunway` work on a fresh clone. A part that cannot be built
# here (no cmake or g++) is reported with its reason and the command that retries it; the install goes
# on, and `glm backends` then says the backend is not built. CI builds each part itself and fails on
# any error (.ci/run).
set -uo pipefail
cd "$(dirname "$0")/.."
build() {
  local name="$1" script="$2" log
  log="$(mktemp)"
  if npm run --silent "$script" >"$log" 2>&1; then
    echo "glm-sdk: built the $name (npm run $script)"
  else
    echo "glm-sdk: the $name was not built: $(grep -v '^\s*$' "$log" | tail -1)" >&2
    echo "glm-sdk: retry with: npm run $script (full log: $log)" >&2
    return 0
  fi
  rm -f "$log"
}
build "Ascend emulator" build:ascend-emu
build "Sunway emulator and addon" build:sunway
