// GLM attention on the DCU. Scores are q·k/√d in fp32; masked scores are −10000 (the release's
// value, so an all-masked row becomes uniform exactly as in the reference); softmax in fp32; P·V in
// fp32. The algorithm is the cuda backend's; the layout is the wavefront's:
//
// Fused path (decode, short chunks): one workgroup of 4 wavefronts per (query row, key split); each
// wavefront runs an online softmax over its keys with the head dim spread over its GLM_WAVE lanes
// (EPL = ⌈d / GLM_WAVE⌉ elements each: d ≤ 256 is at most 4 per lane on a wave64 DCU, 8 on a warp);
// the wavefronts, then (when the keys are split over several workgroups) a combine kernel, merge the
// partial (max, sum, acc). LDS: 4·(2 + d) floats, ≤ 4.1 KiB.
// Materialised path (long prefill): the attention launcher (backends/simt/native/launchers/attention.cpp)
// runs Q·Kᵀ and P·V as batched GEMMs (the portable tiled GEMM, or hipBLAS where the build found it)
// around attention_softmax_kernel below.
#include "../dcu_kernels.h"

namespace glm {
namespace {

constexpr int kWaves = 4;
constexpr float kMaskedScore = -10000.f;
constexpr int kMaxEpl = 256 / GLM_WAVE;  // head dims up to 256 (the planner refuses more)

// The valid keys: *p.length of a fixed-capacity cache (read here, so the launch is the same every
// decode step), else all K. Out of [Q, K] the first thread of a block raises the error flag and the
// caller does no work.
__device__ __forceinline__ int valid_keys(const AttentionParams& p) {
  return p.length ? *p.length : p.keys;
}
__device__ __forceinline__ bool length_ok(const AttentionParams& p, int valid) {
  if (valid >= p.queries && valid <= p.keys) return true;
  if (threadIdx.x == 0) atomicCAS(p.error_flag, 0, p.tag + 1);
  return false;
}

// Query i sits at position valid − Q + i; keys >= valid are never visible (callers skip them).
__device__ __forceinline__ bool may_attend(const AttentionParams& p, int b, int h, int i, int j, int context, int valid) {
  if (p.explicit_mask) {
    return p.mask[b * p.mask_strides[0] + h * p.mask_strides[1] + i * p.mask_strides[2] + j * p.mask_strides[3]] != 0;
  }
  return j < context || j <= valid - p.queries + i;
}

template <typename T, int N>
struct alignas(sizeof(T) * N) Pack {
  T v[N];
};

// A lane's EPL consecutive elements of a row, as one vector load when VEC (unit stride, aligned).
template <typename T, int EPL, bool VEC>
__device__ __forceinline__ void load_row(float (&out)[EPL], const T* row, int64_t stride, int lane, int dim) {
  if constexpr (VEC) {
    const int t0 = lane * EPL;
    if (t0 < dim) {
      const Pack<T, EPL> v = *reinterpret_cast<const Pack<T, EPL>*>(row + t0);
#pragma unroll
      for (int r = 0; r < EPL; ++r) out[r] = to_f32(v.v[r]);
    } else {
#pragma unroll
      for (int r = 0; r < EPL; ++r) out[r] = 0.f;
    }
  } else {
#pragma unroll
    for (int r = 0; r < EPL; ++r) {
      const int t = lane * EPL + r;
      out[r] = t < dim ? to_f32(row[t * stride]) : 0.f;
    }
  }
}

template <typename T, int EPL, bool VEC>
__global__ void GLM_AMD_LAUNCH_BOUNDS(kWaves * GLM_WAVE) attention_fused_kernel(AttentionParams p) {
  GLM_DYN_SMEM(float, shared);  // [kWaves * 2] (max, sum) then [kWaves * dim] accumulators
  constexpr int U = 4;          // keys in flight per wavefront
  const int row = blockIdx.x;
  const int split = blockIdx.y;
  const int i = row % p.queries;
  const int bh = row / p.queries;
  const int h = bh % p.heads;
  const int b = bh / p.heads;
  const int lane = wave::lane();
  const int w = wave::index();
  const T* q = static_cast<const T*>(p.q) + b * p.q_strides[0] + h * p.q_strides[1] + i * p.q_strides[2];
  const T* kb = static_cast<const T*>(p.k) + b * p.k_strides[0] + (h / p.kv_group) * p.k_strides[1];
  const T* vb = static_cast<const T*>(p.v) + b * p.v_strides[0] + (h / p.kv_group) * p.v_strides[1];

  float qv[EPL];
#pragma unroll
  for (int r = 0; r < EPL; ++r) {
    const int t = lane * EPL + r;
    qv[r] = t < p.dim ? to_f32(q[t * p.q_strides[3]]) * p.scale : 0.f;
  }
  const int valid = valid_keys(p);
  if (!length_ok(p, valid)) return;
  const int j_begin = split * p.keys_per_split;
  // The grid is sized for the capacity: splits wholly past the valid keys have nothing to do (the
  // combine reads only the splits that start below `valid`).
  if (j_begin >= valid) return;
  const int context = p.explicit_mask ? 0 : p.context_lengths[b];
  const int j_end = min(valid, j_begin + p.keys_per_split);

  float m = -INFINITY, l = 0.f;
  float acc[EPL];
#pragma unroll
  for (int r = 0; r < EPL; ++r) acc[r] = 0.f;

  // Every branch below depends only on the wavefront's index, never on the lane: the wavefront
  // stays converged through its reductions (a logical wave64 on NVIDIA relies on it).
  for (int j0 = j_begin + w; j0 < j_end; j0 += kWaves * U) {
    float dots[U];
    float kv[U][EPL];
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int j = j0 + u * kWaves;
      if (j < j_end) load_row<T, EPL, VEC>(kv[u], kb + j * p.k_strides[2], p.k_strides[3], lane, p.dim);
    }
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int j = j0 + u * kWaves;
      float dot = 0.f;
      if (j < j_end) {
#pragma unroll
        for (int r = 0; r < EPL; ++r) dot += qv[r] * kv[u][r];
      }
      dots[u] = dot;
    }
#pragma unroll
    for (int u = 0; u < U; ++u) dots[u] = wave::sum(dots[u]);
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int j = j0 + u * kWaves;
      if (j < j_end) {
        const float s = may_attend(p, b, h, i, j, context, valid) ? dots[u] : kMaskedScore;
        const float m_new = fmaxf(m, s);
        const float correction = expf(m - m_new);
        const float weight = expf(s - m_new);
        l = l * correction + weight;
        float value[EPL];
        load_row<T, EPL, VEC>(value, vb + j * p.v_strides[2], p.v_strides[3], lane, p.dim);
#pragma unroll
        for (int r = 0; r < EPL; ++r) acc[r] = acc[r] * correction + weight * value[r];
        m = m_new;
      }
    }
  }

  float* ml = shared;
  float* accs = shared + 2 * kWaves;
  if (lane == 0) {
    ml[2 * w] = m;
    ml[2 * w + 1] = l;
  }
#pragma unroll
  for (int r = 0; r < EPL; ++r) {
    const int t = lane * EPL + r;
    if (t < p.dim) accs[w * p.dim + t] = acc[r];
  }
  __syncthreads();
  float block_m = -INFINITY;
  for (int x = 0; x < kWaves; ++x) block_m = fmaxf(block_m, ml[2 * x]);
  float block_l = 0.f;
  for (int x = 0; x < kWaves; ++x) block_l += ml[2 * x + 1] * expf(ml[2 * x] - block_m);
  for (int t = threadIdx.x; t < p.dim; t += blockDim.x) {
    float a = 0.f;
    for (int x = 0; x < kWaves; ++x) a += accs[x * p.dim + t] * expf(ml[2 * x] - block_m);
    if (p.splits == 1) {
      T* out = static_cast<T*>(p.out) + b * p.out_strides[0] + h * p.out_strides[1] + i * p.out_strides[2];
      out[t * p.out_strides[3]] = from_f32<T>(a / block_l);
    } else {
      p.partial_acc[(static_cast<int64_t>(row) * p.splits + split) * p.dim + t] = a;
    }
  }
  if (p.splits > 1 && threadIdx.x == 0) {
    p.partial_ml[(static_cast<int64_t>(row) * p.splits + split) * 2] = block_m;
    p.partial_ml[(static_cast<int64_t>(row) * p.splits + split) * 2 + 1] = block_l;
  }
}

template <typename T>
__global__ void GLM_AMD_LAUNCH_BOUNDS(128) attention_combine_kernel(AttentionParams p) {
  const int row = blockIdx.x;
  const int i = row % p.queries;
  const int bh = row / p.queries;
  const int h = bh % p.heads;
  const int b = bh / p.heads;
  const float* ml = p.partial_ml + static_cast<int64_t>(row) * p.splits * 2;
  const float* accs = p.partial_acc + static_cast<int64_t>(row) * p.splits * p.dim;
  const int valid = valid_keys(p);
  if (!length_ok(p, valid)) return;
  const int used = min(p.splits, (valid + p.keys_per_split - 1) / p.keys_per_split);  // the splits that ran
  float m = -INFINITY;
  for (int s = 0; s < used; ++s) m = fmaxf(m, ml[2 * s]);
  float l = 0.f;
  for (int s = 0; s < used; ++s) l += ml[2 * s + 1] * expf(ml[2 * s] - m);
  T* out = static_cast<T*>(p.out) + b * p.out_strides[0] + h * p.out_strides[1] + i * p.out_strides[2];
  for (int t = threadIdx.x; t < p.dim; t += blockDim.x) {
    float a = 0.f;
    for (int s = 0; s < used; ++s) a += accs[s * p.dim + t] * expf(ml[2 * s] - m);
    out[t * p.out_strides[3]] = from_f32<T>(a / l);
  }
}

// Rows of pre-scaled scores [bh_count · Q, K] (fp32, or the storage dtype — then possibly the same
// buffer as the output) -> masked softmax in fp32 -> probabilities in the storage dtype. Each thread
// reads an element in the last pass before writing it, after the barriers of the reductions.
template <typename T, typename S>
__global__ void GLM_AMD_LAUNCH_BOUNDS(256) attention_softmax_kernel(AttentionParams p, const S* scores, T* probs, int64_t bh_begin) {
  __shared__ float scratch[33];
  const int64_t local_row = blockIdx.x;
  const int i = static_cast<int>(local_row % p.queries);
  const int64_t bh = bh_begin + local_row / p.queries;
  const int h = static_cast<int>(bh % p.heads);
  const int b = static_cast<int>(bh / p.heads);
  const S* sr = scores + local_row * p.keys;
  T* pr = probs + local_row * p.keys;
  const int valid = valid_keys(p);
  if (!length_ok(p, valid)) return;
  const int context = p.explicit_mask ? 0 : p.context_lengths[b];
  // Keys >= valid get probability 0 and take no part in the max or the sum (their scores may be anything).
  auto score = [&](int j) { return j >= valid ? -INFINITY : may_attend(p, b, h, i, j, context, valid) ? to_f32(sr[j]) : kMaskedScore; };
  float m = -INFINITY;
  for (int j = threadIdx.x; j < p.keys; j += blockDim.x) m = fmaxf(m, score(j));
  m = block_max(m, scratch);
  float sum = 0.f;
  for (int j = threadIdx.x; j < p.keys; j += blockDim.x) sum += expf(score(j) - m);
  sum = block_sum(sum, scratch);
  const float inv = 1.f / sum;
  for (int j = threadIdx.x; j < p.keys; j += blockDim.x) pr[j] = from_f32<T>(expf(score(j) - m) * inv);
}

template <typename T, int EPL>
void fused_with(const AttentionParams& p, dim3 grid, size_t smem, Stream s) {
  // Vector loads when every lane's EPL elements are consecutive, whole and aligned in K and V.
  const int64_t bytes = static_cast<int64_t>(sizeof(T)) * EPL;
  auto aligned = [&](const void* base, const int64_t (&st)[4]) {
    return st[3] == 1 && reinterpret_cast<uintptr_t>(base) % bytes == 0 && (st[0] * sizeof(T)) % bytes == 0 &&
           (st[1] * sizeof(T)) % bytes == 0 && (st[2] * sizeof(T)) % bytes == 0;
  };
  const bool vec = EPL > 1 && p.dim % EPL == 0 && aligned(p.k, p.k_strides) && aligned(p.v, p.v_strides);
  const dim3 block(GLM_WAVE * kWaves);
  if (vec) launch(attention_fused_kernel<T, EPL, EPL == 1 ? false : true>, grid, block, smem, s, p);
  else launch(attention_fused_kernel<T, EPL, false>, grid, block, smem, s, p);
}

template <typename T>
void fused(const AttentionParams& p, Stream s) {
  const dim3 grid(static_cast<unsigned>(p.batch * p.heads * p.queries), static_cast<unsigned>(p.splits));
  const size_t smem = sizeof(float) * (2 * kWaves + kWaves * p.dim);
  const int per_lane = (p.dim + GLM_WAVE - 1) / GLM_WAVE;
  if (per_lane > kMaxEpl) throw std::runtime_error("attention: head dim " + std::to_string(p.dim) + " exceeds the fused kernel's 256");
  if (per_lane <= 1) fused_with<T, 1>(p, grid, smem, s);
  else if (per_lane <= 2) fused_with<T, 2>(p, grid, smem, s);
  else if (per_lane <= 4) fused_with<T, 4>(p, grid, smem, s);
  else if constexpr (kMaxEpl >= 8) fused_with<T, 8>(p, grid, smem, s);
  if (p.splits > 1) launch(attention_combine_kernel<T>, dim3(static_cast<unsigned>(p.batch * p.heads * p.queries)), dim3(128), 0, s, p);
}

}  // namespace

void launch_attention_fused(int dtype, const AttentionParams& p, Stream s) {
  if (p.batch * p.heads * p.queries == 0) return;
  switch (dtype) {
    case F32: fused<float>(p, s); break;
    case F16: fused<__half>(p, s); break;
    default: fused<hip_bfloat16>(p, s); break;
  }
}

void launch_attention_softmax(int dtype, bool storage_scores, const AttentionParams& p, const void* scores, void* probs, int64_t bh_begin, int64_t bh_count, Stream s) {
  const int64_t rows = bh_count * p.queries;
  if (rows <= 0) return;
  const dim3 grid(static_cast<unsigned>(rows)), block(p.keys >= 1024 ? 256 : 64);
  const float* f = static_cast<const float*>(scores);
  switch (dtype) {
    case F32: launch(attention_softmax_kernel<float, float>, grid, block, 0, s, p, f, static_cast<float*>(probs), bh_begin); break;
    case F16:
      if (storage_scores) launch(attention_softmax_kernel<__half, __half>, grid, block, 0, s, p, static_cast<const __half*>(scores), static_cast<__half*>(probs), bh_begin);
      else launch(attention_softmax_kernel<__half, float>, grid, block, 0, s, p, f, static_cast<__half*>(probs), bh_begin);
      break;
    default:
      if (storage_scores) launch(attention_softmax_kernel<hip_bfloat16, hip_bfloat16>, grid, block, 0, s, p, static_cast<const hip_bfloat16*>(scores), static_cast<hip_bfloat16*>(probs), bh_begin);
      else launch(attention_softmax_kernel<hip_bfloat16, float>, grid, block, 0, s, p, f, static_cast<hip_bfloat16*>(probs), bh_begin);
      break;
  }
}

}  // namespace glm
