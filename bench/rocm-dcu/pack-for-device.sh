#!/usr/bin/env bash
# Packs what a rocm-dcu run on the lent NVIDIA machine needs beside the working tree (which has no
# Node.js, no node_modules and no build outputs) into .device-carry/bundle-dcu.tar.xz: the compiled
# JS, the HIP→CUDA addon in each width of PACK_WAVES (default "32"; "32 64" for both), the cuda addon
# (its numbers are measured in the same call) and the runtime npm packages. On the machine:
#   source .device-carry/env.sh && tar xJf .device-carry/bundle-dcu.tar.xz && GLM_DCU_TARGET=nvidia node ...
# with carry [".device-carry/node.xz", ".device-carry/env.sh", ".device-carry/bundle-dcu.tar.xz"].
# A device call carries at most 64 MiB with the tracked tree (~36 MiB in 2026-12) and Node (~23 MiB),
# so the addons are built again here for sm_90 alone (the lent H100/H200), into
# backends/rocm-dcu/build-device/, and stripped: ~2 MB each compressed, where the sm_80 + sm_90 + PTX
# builds took ~4 MB each. The ONNX cross-check's packages (protobufjs, long) and koffi's sources are
# left out: no benchmark loads them.
# Run ../shared/tools/device-node.sh once first (it creates .device-carry/ with Node itself).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
source bench/stage-node-modules.sh
npx tsc -p tsconfig.json
out=backends/rocm-dcu/build-device
waves="${PACK_WAVES:-32}"
for w in $waves; do
  npx --no-install cmake-js compile -d backends/rocm-dcu/native -O "$out/dcu-w$w" --CDGLM_WAVE="$w" --CDCMAKE_CUDA_ARCHITECTURES=90-real
done
npx --no-install cmake-js compile -d backends/cuda/native -O "$out/cuda" --CDCMAKE_CUDA_ARCHITECTURES=90-real
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
# The layout the loaders look for: backends/<backend>/build…/Release/<addon>.node.
for w in $waves; do
  install -D "$out/dcu-w$w/Release/glm_dcu_nv_wave$w.node" "$staging/backends/rocm-dcu/build-nv-w$w/Release/glm_dcu_nv_wave$w.node"
done
install -D "$out/cuda/Release/glm_cuda.node" "$staging/backends/cuda/build/Release/glm_cuda.node"
find "$staging/backends" -name '*.node' -exec strip --strip-unneeded {} +
stage_node_modules "$staging" protobufjs long
cp -r dist "$staging/dist"
tar cf - -C "$staging" dist backends node_modules | xz -9 -T2 > .device-carry/bundle-dcu.tar.xz
du -sh .device-carry/node.xz .device-carry/bundle-dcu.tar.xz
