// GEMM dispatch and the cuBLASLt plans. Row-major C = A·op(B) is column-major Cᵀ = op(B)ᵀ·Aᵀ, so
// cuBLASLt's "A" is our B (transposed when B is stored [n, k]) and its "B" is our A; its bias
// epilogue adds a vector along its rows, which are our n. Plans (descriptors, layouts and the
// heuristic's algorithm) are cached per shape, so a decode step does no heuristic search.
#include "gemm_dispatch.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <tuple>

#include "cublaslt.h"
#include "cuda_kernels.h"
#include "device_contexts.h"
#include "simt_device.h"

namespace glm {
namespace {

GemmStats stats;

// The small-M tensor-core product (kernels/gemm_small_m.cu) instead of cuBLASLt for up to 16 rows of
// half-precision weights (a decode batch past the GEMV's rows), on sm_80+ and on the CPU emulator;
// GLM_CUDA_SMALL_M_MMA=0 turns it off. Nsight Compute put it at 870 µs for the four batch-16 products
// of a GLM-130B layer against cuBLASLt's 903 (which adds three split-K reduction kernels;
// docs/bench/cuda-notes.md, version 8).
bool small_m_gemm_enabled() {
  static const bool enabled = tensor_cores_enabled("GLM_CUDA_SMALL_M_MMA");
  return enabled;
}

#ifndef GLM_CUDA_EMULATE
const lt::Api* api = nullptr;
std::string lt_error;
std::string lt_path;

int lt_type(int dtype) { return dtype == F32 ? lt::R_32F : dtype == F16 ? lt::R_16F : lt::R_16BF; }

using PlanKey = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int, int, int, int, int, uint32_t>;

struct Plan {
  lt::MatmulDesc desc = nullptr;
  lt::MatrixLayout a = nullptr, b = nullptr, c = nullptr;
  lt::MatmulAlgo algo{};
  size_t workspace = 0;
  bool usable = false;
  std::string failure;
};

// What belongs to one GPU (a context per device, device_contexts.h): the handle, made with the device
// current, its workspace (device memory allocated with the handle, whether or not cuBLASLt loads) and
// the plans whose algorithms its heuristic chose.
struct LtDevice {
  lt::Handle handle = nullptr;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
  bool initialised = false;
  std::map<PlanKey, Plan> plans;
};
LtDevice& lt_here() { return device::per_device<LtDevice>(); }

uint32_t alignment_of(const void* ptr, int64_t ld_bytes, int64_t stride_bytes, int64_t batch) {
  uint64_t bits = reinterpret_cast<uint64_t>(ptr) | static_cast<uint64_t>(ld_bytes);
  if (batch > 1) bits |= static_cast<uint64_t>(stride_bytes);
  uint32_t a = 256;
  while (a > 1 && (bits % a) != 0) a >>= 1;
  return a;
}

std::string status_text(const char* call, lt::Status s) { return std::string(call) + " returned cuBLAS status " + std::to_string(s); }

Plan make_plan(const GemmParams& p, bool with_bias, uint32_t align_a, uint32_t align_b, uint32_t align_c) {
  Plan plan;
  const size_t es_ab = dtype_bytes(p.type_ab);
  (void)es_ab;
  lt::Status s = api->matmulDescCreate(&plan.desc, lt::COMPUTE_32F, lt::R_32F);
  if (s != 0) { plan.failure = status_text("cublasLtMatmulDescCreate", s); return plan; }
  const int32_t trans_a = p.trans_b ? lt::OP_T : lt::OP_N;  // cuBLASLt's A is our B
  const int32_t trans_b = lt::OP_N;
  const uint32_t epilogue = with_bias ? lt::EPILOGUE_BIAS : lt::EPILOGUE_DEFAULT;
  api->matmulDescSetAttribute(plan.desc, lt::DESC_TRANSA, &trans_a, sizeof trans_a);
  api->matmulDescSetAttribute(plan.desc, lt::DESC_TRANSB, &trans_b, sizeof trans_b);
  s = api->matmulDescSetAttribute(plan.desc, lt::DESC_EPILOGUE, &epilogue, sizeof epilogue);
  if (s != 0) { plan.failure = status_text("cublasLtMatmulDescSetAttribute(EPILOGUE)", s); return plan; }
  // Our B: stored [n, k] (trans) = column-major k×n; or [k, n] = column-major n×k.
  const uint64_t a_rows = p.trans_b ? p.k : p.n, a_cols = p.trans_b ? p.n : p.k;
  s = api->matrixLayoutCreate(&plan.a, lt_type(p.type_b), a_rows, a_cols, p.ldb);
  if (s == 0) s = api->matrixLayoutCreate(&plan.b, lt_type(p.type_ab), p.k, p.m, p.lda);
  if (s == 0) s = api->matrixLayoutCreate(&plan.c, lt_type(p.type_c), p.n, p.m, p.ldc);
  if (s != 0) { plan.failure = status_text("cublasLtMatrixLayoutCreate", s); return plan; }
  if (p.batch > 1) {
    const int32_t count = static_cast<int32_t>(p.batch);
    const int64_t sa = p.stride_b, sb = p.stride_a, sc = p.stride_c;
    api->matrixLayoutSetAttribute(plan.a, lt::LAYOUT_BATCH_COUNT, &count, sizeof count);
    api->matrixLayoutSetAttribute(plan.b, lt::LAYOUT_BATCH_COUNT, &count, sizeof count);
    api->matrixLayoutSetAttribute(plan.c, lt::LAYOUT_BATCH_COUNT, &count, sizeof count);
    api->matrixLayoutSetAttribute(plan.a, lt::LAYOUT_STRIDED_BATCH_OFFSET, &sa, sizeof sa);
    api->matrixLayoutSetAttribute(plan.b, lt::LAYOUT_STRIDED_BATCH_OFFSET, &sb, sizeof sb);
    api->matrixLayoutSetAttribute(plan.c, lt::LAYOUT_STRIDED_BATCH_OFFSET, &sc, sizeof sc);
  }
  lt::Preference pref = nullptr;
  s = api->preferenceCreate(&pref);
  if (s != 0) { plan.failure = status_text("cublasLtMatmulPreferenceCreate", s); return plan; }
  const uint64_t ws = lt_here().workspace_bytes;
  api->preferenceSetAttribute(pref, lt::PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
  api->preferenceSetAttribute(pref, lt::PREF_MIN_ALIGNMENT_A_BYTES, &align_b, sizeof align_b);
  api->preferenceSetAttribute(pref, lt::PREF_MIN_ALIGNMENT_B_BYTES, &align_a, sizeof align_a);
  api->preferenceSetAttribute(pref, lt::PREF_MIN_ALIGNMENT_C_BYTES, &align_c, sizeof align_c);
  api->preferenceSetAttribute(pref, lt::PREF_MIN_ALIGNMENT_D_BYTES, &align_c, sizeof align_c);
  lt::HeuristicResult result[4];
  std::memset(result, 0, sizeof result);
  int returned = 0;
  s = api->algoGetHeuristic(lt_here().handle, plan.desc, plan.a, plan.b, plan.c, plan.c, pref, 4, result, &returned);
  api->preferenceDestroy(pref);
  if (s != 0 || returned == 0) {
    plan.failure = s != 0 ? status_text("cublasLtMatmulAlgoGetHeuristic", s) : "cublasLtMatmulAlgoGetHeuristic found no algorithm";
    return plan;
  }
  plan.algo = result[0].algo;
  plan.workspace = result[0].workspaceSize;
  plan.usable = true;
  return plan;
}

bool run_lt(const GemmParams& p, Stream s, std::string* why) {
  const int64_t es_ab = static_cast<int64_t>(dtype_bytes(p.type_ab));
  const int64_t es_c = static_cast<int64_t>(dtype_bytes(p.type_c));
  const uint32_t align_a = alignment_of(p.a, p.lda * es_ab, p.stride_a * es_ab, p.batch);
  const uint32_t align_b = alignment_of(p.b, p.ldb * es_ab, p.stride_b * es_ab, p.batch);
  const uint32_t align_c = alignment_of(p.c, p.ldc * es_c, p.stride_c * es_c, p.batch);
  if (align_a < 16 || align_b < 16 || align_c < 16 || (p.bias && alignment_of(p.bias, 0, 0, 1) < 16) ||
      (p.addend && alignment_of(p.addend, p.ldc * es_c, 0, 1) < 16)) {
    *why = "operands not 16-byte aligned";
    return false;
  }
  const bool with_bias = p.bias != nullptr;
  const PlanKey key{p.m, p.n, p.k, p.lda, p.ldb, p.ldc, p.batch, p.stride_a, p.stride_b, p.stride_c,
                    p.type_ab, p.type_c, p.trans_b, with_bias ? 1 : 0, 0, align_a * 1000003u + align_b * 1009u + align_c};
  LtDevice& d = lt_here();
  auto it = d.plans.find(key);
  if (it == d.plans.end()) it = d.plans.emplace(key, make_plan(p, with_bias, align_a, align_b, align_c)).first;
  Plan& plan = it->second;
  if (!plan.usable) {
    *why = plan.failure;
    return false;
  }
  if (with_bias) api->matmulDescSetAttribute(plan.desc, lt::DESC_BIAS_POINTER, &p.bias, sizeof p.bias);
  // The addend is cuBLASLt's C (same layout as D): D = alpha·op(A)·B + beta·C + bias.
  const float alpha = p.alpha, beta = p.addend ? static_cast<float>(p.beta) : 0.f;
  const void* c_in = p.addend ? p.addend : p.c;
  const lt::Status st = api->matmul(d.handle, plan.desc, &alpha, p.b, plan.a, p.a, plan.b, &beta, c_in, plan.c, p.c, plan.c, &plan.algo,
                                    d.workspace, plan.workspace, s);
  if (st != 0) {
    *why = status_text("cublasLtMatmul", st);
    return false;
  }
  return true;
}
#endif

}  // namespace

void gemm_init() {
#ifndef GLM_CUDA_EMULATE
  LtDevice& d = lt_here();
  if (d.initialised) return;
  const cudaError_t e = cudaMalloc(&d.workspace, 64ull << 20);
  if (e != cudaSuccess) throw DeviceError("allocating the cuBLASLt workspace failed (" + device::error_text(e) + ")");
  d.workspace_bytes = 64ull << 20;
  d.initialised = true;
  api = lt::load(&lt_error, &lt_path);
  if (api) {
    const lt::Status s = api->create(&d.handle);
    if (s != 0) {
      lt_error = "cublasLtCreate returned cuBLAS status " + std::to_string(s) + " (" + lt_path + ")";
      api = nullptr;
    }
  }
#endif
}

std::string gemm_library_status(std::string* where) {
#ifdef GLM_CUDA_EMULATE
  if (where) where->clear();
  return "cuBLASLt is not used by the CPU emulator";
#else
  std::string why;
  std::string path;
  const lt::Api* a = lt::load(&why, &path);
  if (where) *where = path;
  if (!a) return why;
  if (lt_here().initialised && !api) return lt_error;
  return "";
#endif
}

const GemmStats& gemm_stats() { return stats; }

// Every path here adds the addend in its epilogue (cuBLASLt as beta·C).
bool gemm(const GemmParams& p, GemmPath path, Stream s) {
  const bool quantized = p.type_b == I8 || p.type_b == I4;
  if (path == GemmPath::Gemv || (path == GemmPath::Auto && quantized && p.m <= 16 && p.batch == 1 && p.trans_b && p.type_c == p.type_ab)) {
    ++stats.gemv;
    launch_gemv(p, s);
    return true;
  }
  if (path == GemmPath::Auto && small_m_gemm_enabled() && small_m_gemm_fits(p)) {
    ++stats.small_m;
    launch_gemm_small_m(p, s);
    return true;
  }
#ifndef GLM_CUDA_EMULATE
  if (path != GemmPath::Portable && api && !quantized) {
    std::string why;
    if (run_lt(p, s, &why)) {
      ++stats.lt;
      return true;
    }
    ++stats.lt_fallbacks;
    stats.last_fallback = why;
  }
#endif
  ++stats.simt;
  launch_gemm_simt(p, s);
  return true;
}

}  // namespace glm
