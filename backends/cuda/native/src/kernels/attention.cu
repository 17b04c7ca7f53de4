// GLM attention. Scores are q·k/√d in fp32; masked scores are set to −10000 (the release's value,
// so an all-masked row becomes uniform exactly as in the reference); softmax in fp32; P·V in fp32.
//
// Fused path (decode, short chunks): one block of 4 warps per (query row, key split); each warp
// runs an online softmax over its keys with the head dim spread over the lanes; the warps, then
// (when the keys are split over several blocks) a combine kernel, merge the partial (max, sum, acc).
// Materialised path (long prefill): dispatch.cpp runs Q·Kᵀ and P·V as batched GEMMs around
// attention_softmax_kernel below.
#include "../kernels.h"

namespace glm {
namespace {

constexpr int kWarps = 4;
constexpr float kMaskedScore = -10000.f;

__device__ __forceinline__ bool may_attend(const AttentionParams& p, int b, int h, int i, int j, int context) {
  if (p.explicit_mask) {
    return p.mask[b * p.mask_strides[0] + h * p.mask_strides[1] + i * p.mask_strides[2] + j * p.mask_strides[3]] != 0;
  }
  return j < context || j <= p.keys - p.queries + i;
}

template <typename T, int EPL>
__global__ void attention_fused_kernel(AttentionParams p) {
  GLM_DYN_SMEM(float, shared);  // [kWarps * 2] (max, sum) then [kWarps * dim] accumulators
  constexpr int U = 2;          // keys in flight per warp
  const int row = blockIdx.x;
  const int split = blockIdx.y;
  const int i = row % p.queries;
  const int bh = row / p.queries;
  const int h = bh % p.heads;
  const int b = bh / p.heads;
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const T* q = static_cast<const T*>(p.q) + b * p.q_strides[0] + h * p.q_strides[1] + i * p.q_strides[2];
  const T* kb = static_cast<const T*>(p.k) + b * p.k_strides[0] + h * p.k_strides[1];
  const T* vb = static_cast<const T*>(p.v) + b * p.v_strides[0] + h * p.v_strides[1];

  float qv[EPL];
#pragma unroll
  for (int r = 0; r < EPL; ++r) {
    const int t = lane * EPL + r;
    qv[r] = t < p.dim ? to_f32(q[t * p.q_strides[3]]) * p.scale : 0.f;
  }
  const int context = p.explicit_mask ? 0 : p.context_lengths[b];
  const int j_begin = split * p.keys_per_split;
  const int j_end = min(p.keys, j_begin + p.keys_per_split);

  float m = -INFINITY, l = 0.f;
  float acc[EPL];
#pragma unroll
  for (int r = 0; r < EPL; ++r) acc[r] = 0.f;

  for (int j0 = j_begin + warp; j0 < j_end; j0 += kWarps * U) {
    float dots[U];
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int j = j0 + u * kWarps;
      float dot = 0.f;
      if (j < j_end) {
        const T* kr = kb + j * p.k_strides[2];
#pragma unroll
        for (int r = 0; r < EPL; ++r) {
          const int t = lane * EPL + r;
          if (t < p.dim) dot += qv[r] * to_f32(kr[t * p.k_strides[3]]);
        }
      }
      dots[u] = dot;
    }
#pragma unroll
    for (int u = 0; u < U; ++u) dots[u] = warp_sum(dots[u]);
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int j = j0 + u * kWarps;
      if (j >= j_end) break;
      const float s = may_attend(p, b, h, i, j, context) ? dots[u] : kMaskedScore;
      const float m_new = fmaxf(m, s);
      const float correction = expf(m - m_new);
      const float weight = expf(s - m_new);
      l = l * correction + weight;
      const T* vr = vb + j * p.v_strides[2];
#pragma unroll
      for (int r = 0; r < EPL; ++r) {
        const int t = lane * EPL + r;
        const float value = t < p.dim ? to_f32(vr[t * p.v_strides[3]]) : 0.f;
        acc[r] = acc[r] * correction + weight * value;
      }
      m = m_new;
    }
  }

  float* ml = shared;
  float* accs = shared + 2 * kWarps;
  if (lane == 0) {
    ml[2 * warp] = m;
    ml[2 * warp + 1] = l;
  }
#pragma unroll
  for (int r = 0; r < EPL; ++r) {
    const int t = lane * EPL + r;
    if (t < p.dim) accs[warp * p.dim + t] = acc[r];
  }
  __syncthreads();
  float block_m = -INFINITY;
  for (int w = 0; w < kWarps; ++w) block_m = fmaxf(block_m, ml[2 * w]);
  float block_l = 0.f;
  for (int w = 0; w < kWarps; ++w) block_l += ml[2 * w + 1] * expf(ml[2 * w] - block_m);
  for (int t = threadIdx.x; t < p.dim; t += blockDim.x) {
    float a = 0.f;
    for (int w = 0; w < kWarps; ++w) a += accs[w * p.dim + t] * expf(ml[2 * w] - block_m);
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
__global__ void attention_combine_kernel(AttentionParams p) {
  const int row = blockIdx.x;
  const int i = row % p.queries;
  const int bh = row / p.queries;
  const int h = bh % p.heads;
  const int b = bh / p.heads;
  const float* ml = p.partial_ml + static_cast<int64_t>(row) * p.splits * 2;
  const float* accs = p.partial_acc + static_cast<int64_t>(row) * p.splits * p.dim;
  float m = -INFINITY;
  for (int s = 0; s < p.splits; ++s) m = fmaxf(m, ml[2 * s]);
  float l = 0.f;
  for (int s = 0; s < p.splits; ++s) l += ml[2 * s + 1] * expf(ml[2 * s] - m);
  T* out = static_cast<T*>(p.out) + b * p.out_strides[0] + h * p.out_strides[1] + i * p.out_strides[2];
  for (int t = threadIdx.x; t < p.dim; t += blockDim.x) {
    float a = 0.f;
    for (int s = 0; s < p.splits; ++s) a += accs[s * p.dim + t] * expf(ml[2 * s] - m);
    out[t * p.out_strides[3]] = from_f32<T>(a / l);
  }
}

// Rows of pre-scaled fp32 scores [bh_count · Q, K] -> masked softmax -> probabilities in the storage dtype.
template <typename T>
__global__ void attention_softmax_kernel(AttentionParams p, const float* scores, T* probs, int64_t bh_begin) {
  __shared__ float scratch[33];
  const int64_t local_row = blockIdx.x;
  const int i = static_cast<int>(local_row % p.queries);
  const int64_t bh = bh_begin + local_row / p.queries;
  const int h = static_cast<int>(bh % p.heads);
  const int b = static_cast<int>(bh / p.heads);
  const float* sr = scores + local_row * p.keys;
  T* pr = probs + local_row * p.keys;
  const int context = p.explicit_mask ? 0 : p.context_lengths[b];
  float m = -INFINITY;
  for (int j = threadIdx.x; j < p.keys; j += blockDim.x) m = fmaxf(m, may_attend(p, b, h, i, j, context) ? sr[j] : kMaskedScore);
  m = block_max(m, scratch);
  float sum = 0.f;
  for (int j = threadIdx.x; j < p.keys; j += blockDim.x) sum += expf((may_attend(p, b, h, i, j, context) ? sr[j] : kMaskedScore) - m);
  sum = block_sum(sum, scratch);
  const float inv = 1.f / sum;
  for (int j = threadIdx.x; j < p.keys; j += blockDim.x) {
    pr[j] = from_f32<T>(expf((may_attend(p, b, h, i, j, context) ? sr[j] : kMaskedScore) - m) * inv);
  }
}

template <typename T>
void fused(const AttentionParams& p, Stream s) {
  const dim3 grid(static_cast<unsigned>(p.batch * p.heads * p.queries), static_cast<unsigned>(p.splits));
  const size_t smem = sizeof(float) * (2 * kWarps + kWarps * p.dim);
  const int per_lane = (p.dim + 31) / 32;
  if (per_lane <= 1) launch(attention_fused_kernel<T, 1>, grid, dim3(32 * kWarps), smem, s, p);
  else if (per_lane <= 2) launch(attention_fused_kernel<T, 2>, grid, dim3(32 * kWarps), smem, s, p);
  else if (per_lane <= 4) launch(attention_fused_kernel<T, 4>, grid, dim3(32 * kWarps), smem, s, p);
  else launch(attention_fused_kernel<T, 8>, grid, dim3(32 * kWarps), smem, s, p);
  if (p.splits > 1) launch(attention_combine_kernel<T>, dim3(static_cast<unsigned>(p.batch * p.heads * p.queries)), dim3(128), 0, s, p);
}

}  // namespace

void launch_attention_fused(int dtype, const AttentionParams& p, Stream s) {
  if (p.batch * p.heads * p.queries == 0) return;
  switch (dtype) {
    case F32: fused<float>(p, s); break;
    case F16: fused<__half>(p, s); break;
    default: fused<__nv_bfloat16>(p, s); break;
  }
}

void launch_attention_softmax(int dtype, const AttentionParams& p, const float* scores, void* probs, int64_t bh_begin, int64_t bh_count, Stream s) {
  const int64_t rows = bh_count * p.queries;
  if (rows <= 0) return;
  const unsigned threads = p.keys >= 1024 ? 256 : 64;
  switch (dtype) {
    case F32: launch(attention_softmax_kernel<float>, dim3(static_cast<unsigned>(rows)), dim3(threads), 0, s, p, scores, static_cast<float*>(probs), bh_begin); break;
    case F16: launch(attention_softmax_kernel<__half>, dim3(static_cast<unsigned>(rows)), dim3(threads), 0, s, p, scores, static_cast<__half*>(probs), bh_begin); break;
    default: launch(attention_softmax_kernel<__nv_bfloat16>, dim3(static_cast<unsigned>(rows)), dim3(threads), 0, s, p, scores, static_cast<__nv_bfloat16*>(probs), bh_begin); break;
  }
}

}  // namespace glm
