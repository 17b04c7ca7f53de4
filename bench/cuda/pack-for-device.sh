#!/usr/bin/env bash
# Packs what a run on the lent GPU machine needs beside the working tree (which has no Node.js,
# no node_modules and no build outputs): the compiled JS, the built addon and the runtime npm
# packages, into .device-carry/bundle.tar.xz. On the machine:
#   source .device-carry/env.sh && tar xJf .device-carry/bundle.tar.xz && node ...
# Run ../shared/tools/device-node.sh once first (it creates .device-carry/ with Node itself).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
source bench/stage-node-modules.sh
# tsc emits into dist/ in place (npm run build would delete dist/ first, under anyone else reading it).
npx tsc -p tsconfig.json
test -f backends/cuda/build/Release/glm_cuda.node || { echo "build the addon first: npm run build:cuda" >&2; exit 1; }
staging=$(mktemp -d)
stage_node_modules "$staging"
tar cJf .device-carry/bundle.tar.xz dist backends/cuda/build/Release/glm_cuda.node -C "$staging" node_modules
rm -rf "$staging"
du -sh .device-carry
# The run tool carries at most 64 MiB: the tracked tree plus whatever `carry` names.
tree_bytes=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s}')
carried_bytes=$(stat -c %s .device-carry/bundle.tar.xz .device-carry/node.xz | awk '{s += $1} END {print s}')
echo "tracked tree $((tree_bytes >> 20)) MiB + bundle and node $((carried_bytes >> 20)) MiB of the 64 MiB a run carries"
if [ $((tree_bytes + carried_bytes)) -gt $((64 << 20)) ]; then echo "too big to carry: slim the bundle" >&2; exit 1; fi
