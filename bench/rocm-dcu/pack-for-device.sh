#!/usr/bin/env bash
# Packs what a rocm-dcu run on the lent NVIDIA machine needs beside the working tree (which has no
# Node.js, no node_modules and no build outputs): the compiled JS, the HIP→CUDA addons in both
# wavefront widths, the DCU addon (so `glm backends` there shows its real reason: no libamdhip64.so.5),
# the cuda addon (its numbers are measured in the same call) and the runtime npm packages, into
# .device-carry/bundle-dcu.tar.xz. On the machine:
#   source .device-carry/env.sh && tar xJf .device-carry/bundle-dcu.tar.xz && GLM_DCU_TARGET=nvidia node ...
# Run ../shared/tools/device-node.sh once first (it creates .device-carry/ with Node itself), and
# npm run build:cuda && npm run build:dcu.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
npm run build >/dev/null
addons=(backends/rocm-dcu/build-nv-w32/Release/glm_dcu_nv_wave32.node backends/rocm-dcu/build-nv-w64/Release/glm_dcu_nv_wave64.node
        backends/rocm-dcu/build-hip/glm_dcu.node backends/cuda/build/Release/glm_cuda.node)
for a in "${addons[@]}"; do test -f "$a" || { echo "missing $a: npm run build:cuda && npm run build:dcu" >&2; exit 1; }; done
staging=$(mktemp -d)
mkdir -p "$staging/node_modules"
for p in $(npm ls --omit=dev --parseable --all 2>/dev/null | sed 1d | sed "s#$PWD/node_modules/##" | grep -v '^@types/\|^undici-types$'); do
  mkdir -p "$staging/node_modules/$(dirname "$p")"
  cp -r "node_modules/$p" "$staging/node_modules/$p"
done
tar cJf .device-carry/bundle-dcu.tar.xz dist "${addons[@]}" -C "$staging" node_modules
rm -rf "$staging"
du -sh .device-carry .device-carry/*
