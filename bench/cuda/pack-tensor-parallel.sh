#!/usr/bin/env bash
# Packs what bench/cuda/tensor-parallel-device.sh needs beside the working tree into
# .device-carry/tp-bundle.tar.xz: the compiled JS as it is (dist/, built by `npx tsc -p tsconfig.json`;
# never rebuilt from scratch here, others' tests read it), the cuda addon (npm run build:cuda) and the
# runtime npm packages. Run ../shared/tools/device-node.sh once first (Node itself).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
source bench/stage-node-modules.sh
test -f backends/cuda/build/Release/glm_cuda.node || { echo "build the addon first: npm run build:cuda" >&2; exit 1; }
staging=$(mktemp -d)
stage_node_modules "$staging" 'onnxruntime*'
tar cJf .device-carry/tp-bundle.tar.xz dist backends/cuda/build/Release/glm_cuda.node -C "$staging" node_modules
rm -rf "$staging"
du -sh .device-carry/tp-bundle.tar.xz .device-carry/node.xz
