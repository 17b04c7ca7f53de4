#!/usr/bin/env bash
# Packs what bench/cuda/quant-prefill-check.sh and tensor-parallel-device.sh need on the GPU machine into
# .device-carry/hc.tar.xz (about 3 MB): the compiled JS (tsc in place: `npm run build` would delete
# dist/ under everyone), the real cuda addon built for sm_90 alone into backends/cuda/build-hc/ (a
# folder of one's own, git-ignored like every build-*/), the INT4/INT8 GEMV benchmarks for sm_90 under
# .device-carry/hc/, and the runtime npm packages (no ONNX packages, no koffi C++ sources). Then:
#   run(command: "bash bench/cuda/quant-prefill-check.sh", kind: nvidia-h200,
#       carry: [".device-carry/node.xz", ".device-carry/env.sh", ".device-carry/hc.tar.xz"])
# A call carries 64 MiB with the tracked tree (~36 MiB) and Node (~23 MiB); this bundle fits beside them.
# BASE_ADDON=path/to/glm_cuda.node (an addon built before a change, for the script's `ab` step) packs it
# too, stripped, at backends/cuda/build-base/Release/glm_cuda.node (about 1.3 MB more).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
source bench/stage-node-modules.sh
npx tsc -p tsconfig.json
npx --no-install cmake-js compile -d backends/cuda/native -O backends/cuda/build-hc --CDCMAKE_CUDA_ARCHITECTURES=90-real
src=backends/cuda/native/src
simt=backends/simt/native
mkdir -p .device-carry/hc
node "$simt/gen-launch-codes.mjs" .device-carry/hc/generated
for b in gemv-int4 gemv-int8; do
  nvcc -O3 -std=c++17 --expt-relaxed-constexpr -gencode arch=compute_90,code=sm_90 \
    -I"$src" -I"$simt" -Ibackends/program/native -I.device-carry/hc/generated "bench/cuda/$b.cu" -o ".device-carry/hc/$b"
done
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
install -D backends/cuda/build-hc/Release/glm_cuda.node "$staging/backends/cuda/build-hc/Release/glm_cuda.node"
if [ -n "${BASE_ADDON:-}" ]; then
  install -D "$BASE_ADDON" "$staging/backends/cuda/build-base/Release/glm_cuda.node"
  strip --strip-unneeded "$staging/backends/cuda/build-base/Release/glm_cuda.node"
fi
mkdir -p "$staging/.device-carry/hc"
cp .device-carry/hc/gemv-int4 .device-carry/hc/gemv-int8 "$staging/.device-carry/hc/"
strip --strip-unneeded "$staging/backends/cuda/build-hc/Release/glm_cuda.node" "$staging/.device-carry/hc/"gemv-int*
stage_node_modules "$staging" 'onnxruntime*'
cp -r dist "$staging/dist"
tar cf - -C "$staging" dist backends node_modules .device-carry | xz -9 -T2 > .device-carry/hc.tar.xz
du -sh .device-carry/hc.tar.xz
