#!/usr/bin/env bash
# Builds the rocm-dcu addons (npm run build:dcu). Parts, all by default, or those named in
# GLM_DCU_BUILD (e.g. GLM_DCU_BUILD="hip emu"):
#   hip  every HIP source compiled by hipcc for each arch of GLM_DCU_ARCHS (default gfx906), then
#        linked into build-hip/glm_dcu.node against libamdhip64.so.5: the addon for a DCU. hipBLAS is
#        used when hipblas.h and libhipblas are found under $ROCM_PATH, /opt/dtk, /opt/rocm or /usr.
#        HIPCC picks the compiler (DTK's for gfx928 and newer: HIPCC=/opt/dtk/bin/hipcc).
#   nv   the same HIP sources through src/hip_to_cuda.h with nvcc, for NVIDIA GPUs, in two wavefront
#        widths: build-nv-w32 (a warp) and build-nv-w64 (a logical wavefront of two warps).
#   emu  the CPU-emulated addons for GPU-less tests: wave32 on 32-lane hardware, wave64 on 64-lane
#        hardware (the DCU's execution), wave64 on 32-lane hardware (the NVIDIA wave64 variant's).
# The SIMT family's shared sources (backends/simt/native) and the program runtime (backends/program/native)
# are compiled into every part; the launch codes are generated from the built TypeScript first (npm run
# build). A compile error anywhere fails the script.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
backend="$root/backends/rocm-dcu"
simt="$root/backends/simt/native"
program="$root/backends/program/native"
parts="${GLM_DCU_BUILD:-hip nv emu}"
cd "$root"

want() { [[ " $parts " == *" $1 "* ]]; }

if want hip; then
  archs="${GLM_DCU_ARCHS:-gfx906}"
  hipcc="${HIPCC:-hipcc}"
  command -v "$hipcc" >/dev/null || { echo "build:dcu hip: $hipcc not found (apt-get install hipcc libamdhip64-dev, or DTK's hipcc)" >&2; exit 1; }
  export HIP_PLATFORM=amd  # hipcc would otherwise pick the NVIDIA platform where nvcc is installed
  out="$backend/build-hip"
  rm -rf "$out" && mkdir -p "$out/obj"
  node "$simt/gen-launch-codes.mjs" "$out/generated"
  node_inc="$(node -p "require('node-api-headers').include_dir" 2>/dev/null || echo /usr/include/node)"
  napi_inc="$(node -p "require('node-addon-api').include_dir")"
  offload=()
  for a in ${archs//,/ }; do offload+=("--offload-arch=$a"); done
  flags=(-std=c++17 -O3 -fPIC "${offload[@]}" -DGLM_WAVE=64 "-DGLM_DCU_ARCHS=\"${archs// /,}\""
         -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED
         -I "$backend/native/src" -I "$simt" -I "$program" -I "$out/generated" -I "$node_inc" -I "$root/$napi_inc" -Wno-unused-command-line-argument)
  libs=()
  for prefix in ${ROCM_PATH:-} /opt/dtk /opt/rocm /usr; do
    [ -n "$prefix" ] || continue
    if { [ -f "$prefix/include/hipblas/hipblas.h" ] || [ -f "$prefix/include/hipblas.h" ]; } && ls "$prefix"/lib*/libhipblas.so* >/dev/null 2>&1; then
      flags+=(-DGLM_DCU_HIPBLAS=1 -I "$prefix/include")
      libs+=(-L "$(dirname "$(ls "$prefix"/lib*/libhipblas.so* | head -1)")" -lhipblas)
      echo "build:dcu hip: hipBLAS found under $prefix"
      break
    fi
  done
  # Everything but the emulator's parts (emu/, host_memory.cpp) and the NVIDIA probe.
  sources=("$simt"/kernels/*.cu "$backend"/native/src/kernels/*.hip "$backend"/native/src/*.cpp "$simt"/device.cpp "$simt"/collectives/*.cpp "$simt"/launchers/*.cpp "$program"/program.cpp)
  for src in "${sources[@]}"; do
    rel="${src#"$root"/backends/}"
    obj="$out/obj/${rel//\//_}.o"
    echo "build:dcu hip: $hipcc ${offload[*]} -c ${src#"$root"/}"
    "$hipcc" "${flags[@]}" -x hip -c "$src" -o "$obj"
  done
  "$hipcc" "${offload[@]}" -shared -o "$out/glm_dcu.node" "$out"/obj/*.o "${libs[@]}"
  echo "build:dcu hip: $out/glm_dcu.node (code objects: $archs)"
fi

cmake_js() { npx --no-install cmake-js compile -d backends/rocm-dcu/native "$@"; }

if want nv; then
  for w in 32 64; do
    cmake_js -O "backends/rocm-dcu/build-nv-w$w" --CDGLM_WAVE=$w
  done
fi

if want emu; then
  cmake_js -O backends/rocm-dcu/build-emu-w32-hw32 --CDGLM_DCU_EMULATE=ON --CDGLM_WAVE=32 --CDGLM_EMU_WARP=32
  cmake_js -O backends/rocm-dcu/build-emu-w64-hw64 --CDGLM_DCU_EMULATE=ON --CDGLM_WAVE=64 --CDGLM_EMU_WARP=64
  cmake_js -O backends/rocm-dcu/build-emu-w64-hw32 --CDGLM_DCU_EMULATE=ON --CDGLM_WAVE=64 --CDGLM_EMU_WARP=32
fi
