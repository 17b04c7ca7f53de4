#!/usr/bin/env bash
# Builds the rocm-dcu addons (npm run build:dcu). Parts, all by default, or those named in
# GLM_DCU_BUILD (e.g. GLM_DCU_BUILD="hip emu"; "blas" alone reports the vendor BLAS detection):
#   hip  every HIP source compiled by hipcc for each arch of GLM_DCU_ARCHS (default gfx906), then
#        linked into build-hip/glm_dcu.node against libamdhip64.so.5: the addon for a DCU. A vendor
#        BLAS takes the float GEMMs when the build finds one (find_vendor_blas below): hipBLAS, else
#        rocBLAS, each only with both its header and its shared library under one of $ROCM_PATH,
#        /opt/dtk, /opt/rocm, /usr. GLM_DCU_BLAS=none builds without (the portable tiled GEMM only);
#        GLM_DCU_BLAS=hipblas|rocblas requires that one (the build fails if it is not found).
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

# Where DTK and ROCm install (GLM_DCU_BLAS_PREFIXES replaces the list, for tests of this detection).
blas_prefixes="${GLM_DCU_BLAS_PREFIXES:-${ROCM_PATH:-} /opt/dtk /opt/rocm /usr}"

# The first prefix holding <name>'s header (include/<name>/<name>.h or include/<name>.h) and
# lib*/lib<name>.so*: prints "<prefix> <library dir>", or nothing.
find_library_under_prefixes() {
  local name="$1" prefix lib
  for prefix in $blas_prefixes; do
    { [ -f "$prefix/include/$name/$name.h" ] || [ -f "$prefix/include/$name.h" ]; } || continue
    lib="$(ls "$prefix"/lib*/lib"$name".so* 2>/dev/null | head -1)"
    [ -n "$lib" ] && { echo "$prefix $(dirname "$lib")"; return; }
  done
}

# Adds GLM_DCU_HIPBLAS or GLM_DCU_ROCBLAS, the include and the library to flags/libs (per GLM_DCU_BLAS).
find_vendor_blas() {
  local choice="${GLM_DCU_BLAS:-auto}" name found
  case "$choice" in
    none) echo "build:dcu hip: GLM_DCU_BLAS=none: the portable tiled GEMM only"; return ;;
    auto|hipblas|rocblas) ;;
    *) echo "build:dcu hip: GLM_DCU_BLAS must be auto, hipblas, rocblas or none, not '$choice'" >&2; exit 2 ;;
  esac
  for name in hipblas rocblas; do
    [ "$choice" = auto ] || [ "$choice" = "$name" ] || continue
    found="$(find_library_under_prefixes "$name")"
    if [ -n "$found" ]; then
      flags+=("-DGLM_DCU_${name^^}=1" -I "${found%% *}/include")
      libs+=(-L "${found#* }" "-l$name")
      echo "build:dcu hip: $name found under ${found%% *} (library in ${found#* })"
      return
    fi
    echo "build:dcu hip: no $name (include/$name.h and lib*/lib$name.so under none of: $blas_prefixes)"
  done
  [ "$choice" = auto ] || { echo "build:dcu hip: GLM_DCU_BLAS=$choice but $choice was not found" >&2; exit 1; }
  echo "build:dcu hip: no vendor BLAS: the portable tiled GEMM only"
}

# `blas` alone: which vendor BLAS the hip part would link, without compiling anything.
if want blas; then
  flags=() libs=()
  find_vendor_blas
  echo "build:dcu blas: flags ${flags[*]:-} libs ${libs[*]:-}"
fi

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
  find_vendor_blas
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
