#!/usr/bin/env bash
# On the lent GPU machine: tensor parallelism through NCCL with the ranks the machine has. Needs
# .device-carry/node.xz + env.sh (../shared/tools/device-node.sh) and .device-carry/tp-bundle.tar.xz
# (dist, the cuda addon and the runtime npm packages: bench/cuda/pack-tensor-parallel.sh). NCCL and the
# CUDA runtime come with PyTorch's wheels on that machine (found under site-packages), else ldconfig.
# Writes $OUT/tensor-parallel-device.json and $OUT/nccl-all-reduce.json; the main lines go to stdout.
set -uo pipefail
source .device-carry/env.sh >/dev/null && tar xJf .device-carry/tp-bundle.tar.xz
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
node dist/bench/cuda/nccl-all-reduce.js; echo "nccl-all-reduce rc=$?"
printf 'The capital of France is [MASK].\n' | node bin/glm.js run --backend cuda --tensor-parallel 2 2>&1 | tail -1; echo "glm run --tensor-parallel 2 rc=${PIPESTATUS[1]}"
