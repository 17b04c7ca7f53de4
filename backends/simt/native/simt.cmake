# What the cuda and rocm-dcu CMakeLists share (include it before project(): it sets the CUDA
# toolchain's defaults): the SIMT family's sources (kernels, record launchers, device context, NVIDIA
# probe, CPU emulator), the program runtime (backends/program/native/program.cmake), the launch codes
# generated from the TypeScript table, and one addon target built either by nvcc for NVIDIA GPUs
# (sm_80/sm_90 + PTX, static cudart) or by the host compiler against the CPU emulator.
#   glm_simt_addon(<target> [EMULATE] [EMU_WARP <lanes>] KERNELS <backend kernels...>
#                  SOURCES <backend host sources...> [DEFINITIONS <defs...>] [CUDA_OPTIONS <nvcc options...>])
include(${CMAKE_CURRENT_LIST_DIR}/../../program/native/program.cmake)
set(GLM_SIMT_DIR ${CMAKE_CURRENT_LIST_DIR})

if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 80-real 90-real 90-virtual)
endif()
set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release)
endif()

set(GLM_SIMT_KERNELS
  ${GLM_SIMT_DIR}/kernels/cache_write.cu
  ${GLM_SIMT_DIR}/kernels/copy.cu
  ${GLM_SIMT_DIR}/kernels/elementwise.cu
  ${GLM_SIMT_DIR}/kernels/interleaved_rope.cu
  ${GLM_SIMT_DIR}/kernels/log_sum_exp.cu
  ${GLM_SIMT_DIR}/kernels/norm.cu
  ${GLM_SIMT_DIR}/kernels/random.cu
  ${GLM_SIMT_DIR}/kernels/rms_norm.cu
  ${GLM_SIMT_DIR}/kernels/swiglu.cu
  ${GLM_SIMT_DIR}/kernels/top_k.cu)
set(GLM_SIMT_SOURCES
  ${GLM_SIMT_DIR}/collectives/emulated_group.cpp
  ${GLM_SIMT_DIR}/collectives/nccl_group.cpp
  ${GLM_SIMT_DIR}/device.cpp
  ${GLM_SIMT_DIR}/nvidia_probe.cpp
  ${GLM_SIMT_DIR}/launchers/all_reduce.cpp
  ${GLM_SIMT_DIR}/launchers/attention.cpp
  ${GLM_SIMT_DIR}/launchers/elementwise.cpp
  ${GLM_SIMT_DIR}/launchers/gemm.cpp
  ${GLM_SIMT_DIR}/launchers/glm_family.cpp
  ${GLM_SIMT_DIR}/launchers/movement.cpp
  ${GLM_SIMT_DIR}/launchers/registry.cpp
  ${GLM_SIMT_DIR}/launchers/rotary.cpp
  ${GLM_SIMT_DIR}/launchers/rows.cpp)

# glm_launch_codes.h and glm_dtype_codes.h in <generated_dir>, regenerated at every build from the
# built TypeScript (npm run build first); rewritten only when they change, so nothing else rebuilds.
function(glm_simt_launch_codes target generated_dir)
  add_custom_target(${target}_launch_codes
    COMMAND node ${GLM_SIMT_DIR}/gen-launch-codes.mjs ${generated_dir}
    BYPRODUCTS ${generated_dir}/glm_launch_codes.h ${generated_dir}/glm_dtype_codes.h
    WORKING_DIRECTORY ${GLM_SIMT_DIR}
    COMMENT "launch codes from the TypeScript table")
  add_dependencies(${target} ${target}_launch_codes)
endfunction()

function(glm_simt_addon target)
  cmake_parse_arguments(A "EMULATE" "EMU_WARP" "KERNELS;SOURCES;DEFINITIONS;CUDA_OPTIONS" ${ARGN})
  set(kernels ${GLM_SIMT_KERNELS} ${A_KERNELS})
  set(sources ${A_SOURCES} ${GLM_SIMT_SOURCES} ${GLM_PROGRAM_SOURCES})
  if(A_EMULATE)
    find_path(CUDA_HEADERS cuda_fp16.h PATHS $ENV{CUDA_HOME}/include /usr/local/cuda/include /usr/include)
    if(NOT CUDA_HEADERS)
      message(FATAL_ERROR "the emulator takes its half/bfloat16 and vector host types from CUDA's headers (cuda_fp16.h, vector_types.h)")
    endif()
    set_source_files_properties(${kernels} PROPERTIES LANGUAGE CXX COMPILE_OPTIONS "-xc++")
    add_library(${target} SHARED ${sources} ${kernels} ${GLM_SIMT_DIR}/emu/scheduler.cpp ${GLM_PROGRAM_HOST_MEMORY_SOURCES} ${GLM_PROGRAM_FAULT_SOURCES} ${CMAKE_JS_SRC})
    # Fault injection (GLM_FAULT, setFault) exists in emulated builds only: never on a real device.
    target_compile_definitions(${target} PRIVATE GLM_EMU_WARP=${A_EMU_WARP} GLM_FAULT_INJECTION=1)
    target_include_directories(${target} PRIVATE ${CUDA_HEADERS})
    target_compile_options(${target} PRIVATE -O1 -Wno-unused-function)
  else()
    find_package(CUDAToolkit REQUIRED)
    add_library(${target} SHARED ${sources} ${kernels} ${CMAKE_JS_SRC})
    target_link_libraries(${target} PRIVATE CUDA::cudart_static ${CMAKE_DL_LIBS})
    set(cuda_options ${A_CUDA_OPTIONS} --expt-relaxed-constexpr -lineinfo -Xptxas=-warn-spills)
    target_compile_options(${target} PRIVATE
      "$<$<COMPILE_LANGUAGE:CUDA>:${cuda_options}>"
      "$<$<COMPILE_LANGUAGE:CXX>:-O2;-Wall;-Wno-unused-function>")
  endif()
  set(generated ${CMAKE_CURRENT_BINARY_DIR}/generated)
  target_compile_definitions(${target} PRIVATE ${A_DEFINITIONS})
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src ${GLM_SIMT_DIR})
  glm_program_addon(${target} ${generated})
  glm_simt_launch_codes(${target} ${generated})
endfunction()
