// cuBLASLt, reached at run time with dlopen("libcublasLt.so.13"): the build machine has no cuBLAS,
// so nothing here comes from its header. The few types, enum values and signatures used are our own
// declarations, written from NVIDIA's public cuBLAS documentation ("cuBLASLt API Reference":
// cublasLtCreate, cublasLtMatmulDescCreate/SetAttribute, cublasLtMatrixLayoutCreate/SetAttribute,
// cublasLtMatmulPreferenceCreate/SetAttribute, cublasLtMatmulAlgoGetHeuristic, cublasLtMatmul) and
// the documented numeric values of cudaDataType_t, cublasComputeType_t and the attribute enums.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace glm {
namespace lt {

using Status = int;  // cublasStatus_t; 0 = CUBLAS_STATUS_SUCCESS
using Handle = void*;
using MatmulDesc = void*;
using MatrixLayout = void*;
using Preference = void*;

// cudaDataType_t (library_types.h)
constexpr int R_32F = 0;
constexpr int R_16F = 2;
constexpr int R_16BF = 14;
// cublasComputeType_t
constexpr int COMPUTE_32F = 68;  // plain fp32 accumulation, no TF32
// cublasOperation_t
constexpr int32_t OP_N = 0;
constexpr int32_t OP_T = 1;
// cublasLtMatmulDescAttributes_t
constexpr int DESC_TRANSA = 3;        // int32_t
constexpr int DESC_TRANSB = 4;        // int32_t
constexpr int DESC_EPILOGUE = 7;      // uint32_t
constexpr int DESC_BIAS_POINTER = 8;  // const void*
// cublasLtEpilogue_t
constexpr uint32_t EPILOGUE_DEFAULT = 1;
constexpr uint32_t EPILOGUE_BIAS = 4;
// cublasLtMatrixLayoutAttribute_t
constexpr int LAYOUT_BATCH_COUNT = 5;           // int32_t
constexpr int LAYOUT_STRIDED_BATCH_OFFSET = 6;  // int64_t
// cublasLtMatmulPreferenceAttributes_t
constexpr int PREF_MAX_WORKSPACE_BYTES = 1;  // uint64_t
constexpr int PREF_MIN_ALIGNMENT_A_BYTES = 5;  // uint32_t (default 256)
constexpr int PREF_MIN_ALIGNMENT_B_BYTES = 6;
constexpr int PREF_MIN_ALIGNMENT_C_BYTES = 7;
constexpr int PREF_MIN_ALIGNMENT_D_BYTES = 8;

struct MatmulAlgo {
  uint64_t data[8];
};
struct HeuristicResult {
  MatmulAlgo algo;
  size_t workspaceSize;
  Status state;
  float wavesCount;
  int reserved[4];
};

struct Api {
  Status (*create)(Handle*);
  Status (*destroy)(Handle);
  size_t (*getVersion)();
  Status (*matmulDescCreate)(MatmulDesc*, int computeType, int scaleType);
  Status (*matmulDescDestroy)(MatmulDesc);
  Status (*matmulDescSetAttribute)(MatmulDesc, int attr, const void* buf, size_t size);
  Status (*matrixLayoutCreate)(MatrixLayout*, int type, uint64_t rows, uint64_t cols, int64_t ld);
  Status (*matrixLayoutDestroy)(MatrixLayout);
  Status (*matrixLayoutSetAttribute)(MatrixLayout, int attr, const void* buf, size_t size);
  Status (*preferenceCreate)(Preference*);
  Status (*preferenceDestroy)(Preference);
  Status (*preferenceSetAttribute)(Preference, int attr, const void* buf, size_t size);
  Status (*algoGetHeuristic)(Handle, MatmulDesc, MatrixLayout a, MatrixLayout b, MatrixLayout c, MatrixLayout d, Preference,
                             int requested, HeuristicResult* results, int* returned);
  Status (*matmul)(Handle, MatmulDesc, const void* alpha, const void* a, MatrixLayout, const void* b, MatrixLayout,
                   const void* beta, const void* c, MatrixLayout, void* d, MatrixLayout, const MatmulAlgo* algo,
                   void* workspace, size_t workspaceBytes, void* stream);
};

// Loads the library once. On failure returns null and says where it looked and what failed.
const Api* load(std::string* why, std::string* loaded_from);

}  // namespace lt
}  // namespace glm
