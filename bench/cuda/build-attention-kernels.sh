#!/usr/bin/env bash
# Builds bench/cuda/attention-kernels.cu, gemv-int4.cu, gemv-int8.cu and gemm-small-m.cu into .device-carry/ (static CUDA runtime,
# sm_80 and sm_90 code), to be carried to the GPU machine. Prints ptxas' register/spill report of the
# flash kernels, which decides how many blocks fit on a multiprocessor.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
mkdir -p .device-carry
src=backends/cuda/native/src
simt=backends/simt/native
# The cuda addon's include paths: its dialect, the SIMT family's kernels, the program runtime, and the
# launch codes generated from the built TypeScript (npm run build first).
node "$simt/gen-launch-codes.mjs" .device-carry/generated
includes=(-I"$src" -I"$simt" -Ibackends/program/native -I.device-carry/generated)
nvcc -O3 -std=c++17 --expt-relaxed-constexpr -DGLM_TENSOR_CORE_ATTENTION=1 \
  -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 -Xptxas=-v \
  "${includes[@]}" bench/cuda/attention-kernels.cu "$src/kernels/attention.cu" -o .device-carry/attention-kernels 2>&1 \
  | grep -A2 "flash_attention_kernelI6__half" | grep -E "registers|spill" | sed 's/^ *//' || true
ls -l .device-carry/attention-kernels
nvcc -O3 -std=c++17 --expt-relaxed-constexpr \
  -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
  "${includes[@]}" bench/cuda/gemv-int4.cu -o .device-carry/gemv-int4
ls -l .device-carry/gemv-int4
nvcc -O3 -std=c++17 --expt-relaxed-constexpr \
  -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
  "${includes[@]}" bench/cuda/gemv-int8.cu -o .device-carry/gemv-int8
ls -l .device-carry/gemv-int8
nvcc -O3 -std=c++17 --expt-relaxed-constexpr \
  -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
  "${includes[@]}" bench/cuda/gemm-small-m.cu "$src/gemm_dispatch.cpp" "$src/cublaslt.cpp" "$simt/device.cpp" "$simt/nvidia_probe.cpp" -ldl \
  -o .device-carry/gemm-small-m
ls -l .device-carry/gemm-small-m
