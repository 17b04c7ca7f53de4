#!/usr/bin/env bash
# On the lent GPU machine: tensor parallelism through NCCL with the ranks the machine has. Needs
# .device-carry/node.xz + env.sh (../shared/tools/device-node.sh) and the bundle of
# bench/cuda/pack-quant-check.sh (.device-carry/hc.tar.xz, or $BUNDLE: dist, the sm_90 cuda addon at
# $GLM_CUDA_ADDON's path and the runtime npm packages) — one bundle for this script and
# quant-prefill-check.sh. NCCL and the CUDA runtime come with PyTorch's wheels on that machine (found
# under site-packages), else ldconfig.
# Writes $OUT/tensor-parallel-device.json (-base.json: the base addon's) and $OUT/nccl-all-reduce.json;
# the main lines go to stdout.
# Then, for the addon's device contexts (a context per rank since a70692a): the cuda conformance cases
# of blocks, models and fp16 linears, and the layer's decode b1 (fp16, INT4) to set beside
# docs/bench/cuda-glm-layer.md's ratios to the floor. An addon of before that change may be packed as
# well (pack-quant-check.sh's BASE_ADDON) and named by GLM_CUDA_ADDON_BASE for the same timing in the
# same call (the A/B: the TP check's fill times and steps, and the layer). TP_CHECK_ONLY=1 stops after
# the TP check (and its A/B).
set -uo pipefail
source .device-carry/env.sh >/dev/null && tar xJf "${BUNDLE:-.device-carry/hc.tar.xz}" || exit 3
export GLM_CUDA_ADDON="${GLM_CUDA_ADDON:-$PWD/backends/cuda/build-hc/Release/glm_cuda.node}"
site=$(python3 -c 'import site; print(site.getsitepackages()[0])' 2>/dev/null)
nccl=$(find "$site" -name 'libnccl.so.2' 2>/dev/null | head -1)
[ -n "$nccl" ] || nccl=$(ldconfig -p | awk '/libnccl.so.2/ {print $NF; exit}')
cudart=$(find "$site" -name 'libcudart.so.1*' 2>/dev/null | head -1)
echo "libnccl: ${nccl:-none}  libcudart: ${cudart:-none}"
export GLM_NCCL_LIBRARY="$nccl"
export LD_LIBRARY_PATH="$(dirname "$nccl"):$(dirname "${cudart:-/}"):${LD_LIBRARY_PATH:-}"
[ -n "$cudart" ] && ln -sf "$cudart" "$(dirname "$cudart")/libcudart.so" 2>/dev/null
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
node dist/bench/cuda/tensor-parallel-device.js; echo "tensor-parallel-device rc=$?"
if [ -n "${GLM_CUDA_ADDON_BASE:-}" ]; then
  GLM_CUDA_ADDON="$GLM_CUDA_ADDON_BASE" node dist/bench/cuda/tensor-parallel-device.js tensor-parallel-device-base.json | grep -A8 '"steps"'
  echo "tensor-parallel-device (base addon) rc=${PIPESTATUS[0]}"
fi
[ "${TP_CHECK_ONLY:-0}" = 1 ] && exit 0
node dist/bench/cuda/nccl-all-reduce.js; echo "nccl-all-reduce rc=$?"
printf 'The capital of France is [MASK].\n' | node bin/glm.js run --backend cuda --tensor-parallel 2 2>&1 | tail -1; echo "glm run --tensor-parallel 2 rc=${PIPESTATUS[1]}"
node bin/glm.js conformance --backend cuda --filter 'block/*,model/*,op/linear/f16/*' --report "$OUT/conformance-cuda.json" > "$OUT/conformance-cuda.txt" 2>&1
echo "conformance rc=$?"; tail -4 "$OUT/conformance-cuda.txt"
layer() { node dist/bench/cuda/glm-layer.js --cases decode-b1-cache2048,decode-int4-b1-cache2048 --variants default --reps 20 2>&1 | grep -E '^(ceilings|decode)' | sed "s/^/[$1] /"; }
layer current
if [ -n "${GLM_CUDA_ADDON_BASE:-}" ]; then GLM_CUDA_ADDON="$GLM_CUDA_ADDON_BASE" layer base; layer current; fi
