// GLM attention. Scores are q·k/√d in fp32; masked scores are set to −10000 (the release's value,
// so an all-masked row becomes uniform exactly as in the reference); softmax in fp32; P·V in fp32.
//
// Fused path (decode, short chunks): one block of 4 warps per (query row, key split); each warp
// runs an online softmax over its keys; the warps, then (when the keys are split over several
// blocks) a combine kernel, merge the partial (max, sum, acc). Two kernels: attention_decode_kernel
// (≤ 4 queries, 16-byte aligned unit-stride K/V rows: whole 16-byte chunks per lane, one softmax
// step per 8 keys a lane) and attention_fused_kernel (anything else: the head dim over the lanes,
// one key per warp at a time).
// Materialised path (long prefill): the attention launcher (backends/simt/native/launchers/attention.cpp)
// runs Q·Kᵀ and P·V as batched GEMMs around attention_softmax_kernel below.
#include "../cuda_kernels.h"

namespace glm {
namespace {

constexpr int kWarps = 4;
constexpr float kMaskedScore = -10000.f;

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

// A lane's EPL consecutive elements of a row, kept in the storage dtype until used (half the
// registers of floats for 16-bit types, so more rows can be in flight): one vector load when VEC
// (unit stride, aligned).
template <typename T, int EPL, bool VEC>
__device__ __forceinline__ void load_row(Pack<T, EPL>& out, const T* row, int64_t stride, int lane, int dim) {
  if constexpr (VEC) {
    const int t0 = lane * EPL;
    if (t0 < dim) {
      out = *reinterpret_cast<const Pack<T, EPL>*>(row + t0);
    } else {
#pragma unroll
      for (int r = 0; r < EPL; ++r) out.v[r] = from_f32<T>(0.f);
    }
  } else {
#pragma unroll
    for (int r = 0; r < EPL; ++r) {
      const int t = lane * EPL + r;
      out.v[r] = t < dim ? row[t * stride] : from_f32<T>(0.f);
    }
  }
}

// After the barrier that follows each warp's partial results — (m, l) in ml[2w], ml[2w + 1] and the
// accumulator in accs[w · stride + t] — merges the block's warps (a warp that had no keys has m = −∞,
// l = 0 and weighs 0) and writes the row's output (one split) or this split's partials, which
// attention_combine_kernel merges.
template <typename T>
__device__ __forceinline__ void merge_warps_and_store(const AttentionParams& p, const float* ml, const float* accs, int stride, int row, int split,
                                                      int b, int h, int i) {
  float block_m = -INFINITY;
#pragma unroll
  for (int w = 0; w < kWarps; ++w) block_m = fmaxf(block_m, ml[2 * w]);
  float factor[kWarps];
  float block_l = 0.f;
#pragma unroll
  for (int w = 0; w < kWarps; ++w) {
    factor[w] = expf(ml[2 * w] - block_m);
    block_l += ml[2 * w + 1] * factor[w];
  }
  for (int t = threadIdx.x; t < p.dim; t += blockDim.x) {
    float a = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) a += accs[w * stride + t] * factor[w];
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

template <typename T, int EPL, bool VEC>
__global__ void attention_fused_kernel(AttentionParams p) {
  GLM_DYN_SMEM(float, shared);  // [kWarps * 2] (max, sum) then [kWarps * dim] accumulators
  constexpr int U = 8;          // keys (and values) in flight per warp
  const int row = blockIdx.x;
  const int split = blockIdx.y;
  const int i = row % p.queries;
  const int bh = row / p.queries;
  const int h = bh % p.heads;
  const int b = bh / p.heads;
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
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

  for (int j0 = j_begin + warp; j0 < j_end; j0 += kWarps * U) {
    // Every key and value row of this round is requested before any is used, so a warp keeps
    // 2·U rows in flight (decode attention is a stream over the cache).
    float dots[U];
    Pack<T, EPL> kv[U];
    Pack<T, EPL> vv[U];
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int j = j0 + u * kWarps;
      if (j < j_end) {
        load_row<T, EPL, VEC>(kv[u], kb + j * p.k_strides[2], p.k_strides[3], lane, p.dim);
        load_row<T, EPL, VEC>(vv[u], vb + j * p.v_strides[2], p.v_strides[3], lane, p.dim);
      }
    }
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int j = j0 + u * kWarps;
      float dot = 0.f;
      if (j < j_end) {
#pragma unroll
        for (int r = 0; r < EPL; ++r) dot += qv[r] * to_f32(kv[u].v[r]);
      }
      dots[u] = dot;
    }
#pragma unroll
    for (int u = 0; u < U; ++u) dots[u] = warp_sum(dots[u]);
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int j = j0 + u * kWarps;
      if (j < j_end) {
        const float s = may_attend(p, b, h, i, j, context, valid) ? dots[u] : kMaskedScore;
        const float m_new = fmaxf(m, s);
        const float correction = expf(m - m_new);
        const float weight = expf(s - m_new);
        l = l * correction + weight;
#pragma unroll
        for (int r = 0; r < EPL; ++r) acc[r] = acc[r] * correction + weight * to_f32(vv[u].v[r]);
        m = m_new;
      }
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
  merge_warps_and_store<T>(p, ml, accs, p.dim, row, split, b, h, i);
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

// ---------------------------------------------------------------------------------------------
// Decode path (queries ≤ kDecodeMaxQueries, K and V with unit inner stride and 16-byte aligned rows):
// a stream over the cache that spends a few instructions per key instead of a warp reduction and two
// expf per key. One block of 4 warps per (query row, key split), as above; each warp walks its own
// steps of the split (steps interleaved over the warps) with its own online softmax:
//   - a key row is read by kLpr lanes with 16-byte loads (kCpl chunks each), kRpw rows side by side,
//     and each lane holds kKpt key slots of K and of V: a warp-step requests 8 KiB of K and V at once
//     (every bucket), and 5 blocks fit a multiprocessor (16-bit types: 96 registers), so 160 KiB
//     may be in flight on a multiprocessor.
//     (Requesting the next step's rows during this step's arithmetic needs 128 registers: 4 blocks.)
//   - each lane forms its slots' partial dots over its dims (fp32; q pre-scaled, in registers) and a
//     transposing butterfly over the row's lanes leaves every lane with whole dots of kHeld slots
//     (one shuffle per slot, not five per key);
//   - one max, one rescale of the accumulator and one expf per held slot per step; the weights reach
//     the lanes that hold the V slots by shuffles; P·V in fp32 over the lane's own dims.
// The warps (and the row groups of a warp) are merged at the end as in attention_fused_kernel, into
// the output (1 split) or the same split-K partials for attention_combine_kernel.
constexpr int kDecodeMaxQueries = 4;

__host__ __device__ constexpr int ilog2(int x) { return x <= 1 ? 0 : 1 + ilog2(x / 2); }
__host__ __device__ constexpr int imin(int a, int b) { return a < b ? a : b; }

// NCB: 16-byte chunks per row, rounded up to a power of two (the row's runtime chunks may be fewer).
template <typename T, int NCB>
struct DecodeShape {
  static constexpr int kEpc = 16 / static_cast<int>(sizeof(T));  // elements per chunk
  static constexpr int kLpr = imin(NCB, 32);                      // lanes per key row
  static constexpr int kCpl = NCB / kLpr;                         // chunks per lane per row
  static constexpr int kRpw = 32 / kLpr;                          // rows per warp-wide load
  static constexpr int kKpt = 8 / kCpl;                           // key slots per lane per step
  static constexpr int kStepKeys = kRpw * kKpt;                   // keys per warp-step
  static constexpr int kTranspose = ilog2(imin(kKpt, kLpr));      // butterfly levels that halve the slots
  static constexpr int kHeld = kKpt >> kTranspose;                // whole dots per lane after them
  static constexpr int kDup = kLpr >> kTranspose;                 // lanes holding the same dot
  static constexpr int kDimMax = NCB * kEpc;
  static_assert(kKpt >= 1 && (kKpt & (kKpt - 1)) == 0, "slots per lane: a power of two");
};

// A 16-byte chunk as raw words (one 128-bit load, four registers) to its elements in fp32.
__device__ __forceinline__ float bits_float(unsigned w) {
  float f;
  memcpy(&f, &w, 4);
  return f;
}
template <typename T>
__device__ __forceinline__ void unpack(const uint4& raw, float (&x)[16 / sizeof(T)]) {
  const unsigned w[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
  for (int r = 0; r < 4; ++r) {
    if constexpr (sizeof(T) == 4) {
      x[r] = bits_float(w[r]);
    } else if constexpr (std::is_same<T, __half>::value) {
      __half2 h2;
      memcpy(&h2, &w[r], 4);
      const float2 f = __half22float2(h2);
      x[2 * r] = f.x;
      x[2 * r + 1] = f.y;
    } else {  // bf16: the upper 16 bits of an fp32
      x[2 * r] = bits_float(w[r] << 16);
      x[2 * r + 1] = bits_float(w[r] & 0xffff0000u);
    }
  }
}

// 16-bit types in 96 registers without spills (ptxas -v, sm_90): 5 blocks of 4 warps a multiprocessor.
// f32 would spill there (a few bytes): 128 registers, 4 blocks.
template <typename T, int NCB>
__global__ void __launch_bounds__(32 * kWarps, sizeof(T) == 4 ? 4 : 5) attention_decode_kernel(AttentionParams p) {
  using S = DecodeShape<T, NCB>;
  constexpr int kEpc = S::kEpc, kLpr = S::kLpr, kCpl = S::kCpl, kRpw = S::kRpw, kKpt = S::kKpt;
  constexpr int kHeld = S::kHeld, kDup = S::kDup, kTranspose = S::kTranspose;
  constexpr unsigned kFull = 0xffffffffu;
  __shared__ float ml[2 * kWarps];
  __shared__ float accs[kWarps * S::kDimMax];
  const int row = blockIdx.x;
  const int split = blockIdx.y;
  const int i = row % p.queries;
  const int bh = row / p.queries;
  const int h = bh % p.heads;
  const int b = bh / p.heads;
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int group = lane / kLpr;  // which of the warp's kRpw key rows this lane reads
  const int glane = lane % kLpr;  // lane within the row
  const int chunks = p.dim / kEpc;
  const T* q = static_cast<const T*>(p.q) + b * p.q_strides[0] + h * p.q_strides[1] + i * p.q_strides[2];
  const T* kb = static_cast<const T*>(p.k) + b * p.k_strides[0] + (h / p.kv_group) * p.k_strides[1];
  const T* vb = static_cast<const T*>(p.v) + b * p.v_strides[0] + (h / p.kv_group) * p.v_strides[1];
  const int64_t ks = p.k_strides[2], vs = p.v_strides[2];

  float qv[kCpl][kEpc];
#pragma unroll
  for (int c = 0; c < kCpl; ++c) {
    const int ci = glane + c * kLpr;
#pragma unroll
    for (int e = 0; e < kEpc; ++e) qv[c][e] = ci < chunks ? to_f32(q[(ci * kEpc + e) * p.q_strides[3]]) * p.scale : 0.f;
  }
  const int valid = valid_keys(p);
  if (!length_ok(p, valid)) return;
  const int j_begin = split * p.keys_per_split;
  if (j_begin >= valid) return;  // as attention_fused_kernel: the combine reads only splits below `valid`
  const int context = p.explicit_mask ? 0 : p.context_lengths[b];
  const int j_end = min(valid, j_begin + p.keys_per_split);

  // Key slot k of a step at j0 is key j0 + k·kRpw + group: one warp-wide load reads kRpw adjacent rows.
  // Slots past j_end (and chunks past the row) read nothing and hold zeros: V beyond the valid keys
  // may be anything, and a zero weight times a NaN would not be zero.
  uint4 kr[kKpt][kCpl], vr[kKpt][kCpl];
  auto load = [&](uint4 (&dst)[kKpt][kCpl], const T* base, int64_t stride, int j0) {
#pragma unroll
    for (int k = 0; k < kKpt; ++k) {
      const int j = j0 + k * kRpw + group;
#pragma unroll
      for (int c = 0; c < kCpl; ++c) {
        const int ci = glane + c * kLpr;
        if (j < j_end && ci < chunks) {
          dst[k][c] = __ldg(reinterpret_cast<const uint4*>(base + j * stride + ci * kEpc));  // read-only here
        } else {
          dst[k][c] = uint4{0u, 0u, 0u, 0u};
        }
      }
    }
  };

  float m = -INFINITY, l = 0.f;
  float acc[kCpl][kEpc];
#pragma unroll
  for (int c = 0; c < kCpl; ++c)
#pragma unroll
    for (int e = 0; e < kEpc; ++e) acc[c][e] = 0.f;

  // The slots whose dots this lane ends with: base .. base + kHeld − 1 (see the butterfly below).
  int base = 0;
#pragma unroll
  for (int t = 0; t < kTranspose; ++t)
    if (lane & (kLpr >> (t + 1))) base += kKpt >> (t + 1);
  const bool owner = glane % kDup == 0;  // one of the kDup lanes with the same dots counts them in l

  constexpr int kStride = kWarps * S::kStepKeys;
  int j0 = j_begin + warp * S::kStepKeys;
  for (; j0 < j_end; j0 += kStride) {  // j0 is the same over the warp: the shuffles below see every lane
    load(kr, kb, ks, j0);
    load(vr, vb, vs, j0);
    float dots[kKpt];
#pragma unroll
    for (int k = 0; k < kKpt; ++k) {
      float d = 0.f;
#pragma unroll
      for (int c = 0; c < kCpl; ++c) {
        float x[kEpc];
        unpack<T>(kr[k][c], x);
#pragma unroll
        for (int e = 0; e < kEpc; ++e) d += qv[c][e] * x[e];
      }
      dots[k] = d;
    }

    // Butterfly over the row's lanes: at level t the lanes with bit kLpr/2^(t+1) keep the upper half
    // of their slots and send the lower half to their partner (which keeps the lower half), so each
    // exchange both sums and halves; then plain sums over the remaining kDup lanes.
#pragma unroll
    for (int t = 0; t < kTranspose; ++t) {
      const int offset = kLpr >> (t + 1);
      const int half = kKpt >> (t + 1);
      const bool upper = (lane & offset) != 0;
#pragma unroll
      for (int x = 0; x < half; ++x) {
        const float send = upper ? dots[x] : dots[x + half];
        const float keep = upper ? dots[x + half] : dots[x];
        dots[x] = keep + __shfl_xor_sync(kFull, send, offset);
      }
    }
#pragma unroll
    for (int offset = kDup / 2; offset > 0; offset >>= 1)
#pragma unroll
      for (int x = 0; x < kHeld; ++x) dots[x] += __shfl_xor_sync(kFull, dots[x], offset);

    float scores[kHeld];
    float step_max = -INFINITY;
#pragma unroll
    for (int x = 0; x < kHeld; ++x) {
      const int j = j0 + (base + x) * kRpw + group;
      scores[x] = j >= j_end ? -INFINITY : may_attend(p, b, h, i, j, context, valid) ? dots[x] : kMaskedScore;
      step_max = fmaxf(step_max, scores[x]);
    }
    // Slot 0 of row group 0 is key j0 < j_end, so the step's max is finite.
    const float m_new = fmaxf(m, warp_max(step_max));
    const float correction = expf(m - m_new);
    float weights[kHeld];
    float step_sum = 0.f;
#pragma unroll
    for (int x = 0; x < kHeld; ++x) {
      weights[x] = expf(scores[x] - m_new);
      step_sum += weights[x];
    }
    l = l * correction + (owner ? step_sum : 0.f);
    m = m_new;
#pragma unroll
    for (int c = 0; c < kCpl; ++c)
#pragma unroll
      for (int e = 0; e < kEpc; ++e) acc[c][e] *= correction;
#pragma unroll
    for (int k = 0; k < kKpt; ++k) {
      // Slot k's weight sits on the row's lane whose butterfly bits spell k's upper bits.
      int source = lane - glane;
#pragma unroll
      for (int t = 0; t < kTranspose; ++t)
        if ((k / (kKpt >> (t + 1))) & 1) source += kLpr >> (t + 1);
      const float w = __shfl_sync(kFull, weights[k % kHeld], source);
#pragma unroll
      for (int c = 0; c < kCpl; ++c) {
        float x[kEpc];
        unpack<T>(vr[k][c], x);
#pragma unroll
        for (int e = 0; e < kEpc; ++e) acc[c][e] += w * x[e];
      }
    }
  }

  // Merge: the warp's row groups hold the same dims of different keys (same m), then the warps.
  l = warp_sum(l);
#pragma unroll
  for (int offset = kLpr; offset < 32; offset <<= 1)
#pragma unroll
    for (int c = 0; c < kCpl; ++c)
#pragma unroll
      for (int e = 0; e < kEpc; ++e) acc[c][e] += __shfl_xor_sync(kFull, acc[c][e], offset);
  if (lane == 0) {
    ml[2 * warp] = m;
    ml[2 * warp + 1] = l;
  }
  if (group == 0) {
#pragma unroll
    for (int c = 0; c < kCpl; ++c) {
      const int ci = glane + c * kLpr;
#pragma unroll
      for (int e = 0; e < kEpc; ++e)
        if (ci < chunks) accs[warp * S::kDimMax + ci * kEpc + e] = acc[c][e];
    }
  }
  __syncthreads();
  merge_warps_and_store<T>(p, ml, accs, S::kDimMax, row, split, b, h, i);
}

// Rows of pre-scaled scores [bh_count · Q, K] (fp32, or the storage dtype — then possibly the same
// buffer as the output) -> masked softmax in fp32 -> probabilities in the storage dtype. Each thread
// reads an element in the last pass before writing it, after the barriers of the reductions.
template <typename T, typename S>
__global__ void attention_softmax_kernel(AttentionParams p, const S* scores, T* probs, int64_t bh_begin) {
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
  if (vec) launch(attention_fused_kernel<T, EPL, EPL == 1 ? false : true>, grid, dim3(32 * kWarps), smem, s, p);
  else launch(attention_fused_kernel<T, EPL, false>, grid, dim3(32 * kWarps), smem, s, p);
}

// The decode kernel's 16-byte row loads: unit inner stride, rows of whole 16-byte chunks, every row aligned.
template <typename T>
bool decode_layout(const AttentionParams& p) {
  auto aligned = [&](const void* base, const int64_t (&st)[4]) {
    return st[3] == 1 && reinterpret_cast<uintptr_t>(base) % 16 == 0 && (st[0] * sizeof(T)) % 16 == 0 && (st[1] * sizeof(T)) % 16 == 0 &&
           (st[2] * sizeof(T)) % 16 == 0;
  };
  return (p.dim * sizeof(T)) % 16 == 0 && aligned(p.k, p.k_strides) && aligned(p.v, p.v_strides);
}

template <typename T>
void decode(const AttentionParams& p, dim3 grid, Stream s) {
  const int chunks = p.dim * static_cast<int>(sizeof(T)) / 16;
  if (chunks <= 4) launch(attention_decode_kernel<T, 4>, grid, dim3(32 * kWarps), 0, s, p);
  else if (chunks <= 8) launch(attention_decode_kernel<T, 8>, grid, dim3(32 * kWarps), 0, s, p);
  else if (chunks <= 16) launch(attention_decode_kernel<T, 16>, grid, dim3(32 * kWarps), 0, s, p);
  else if (chunks <= 32) launch(attention_decode_kernel<T, 32>, grid, dim3(32 * kWarps), 0, s, p);
  else if constexpr (sizeof(T) == 4) launch(attention_decode_kernel<T, 64>, grid, dim3(32 * kWarps), 0, s, p);  // f32, dim ≤ 256
}

// kernel: 0 the per-key kernel, 1 the decode kernel (where it applies), otherwise the default choice.
template <typename T>
void fused(const AttentionParams& p, Stream s, int kernel = -1) {
  const dim3 grid(static_cast<unsigned>(p.batch * p.heads * p.queries), static_cast<unsigned>(p.splits));
  const bool use_decode = kernel != 0 && p.queries <= kDecodeMaxQueries && p.dim <= 256 && decode_layout<T>(p);
  if (use_decode) {
    decode<T>(p, grid, s);
  } else {
    const size_t smem = sizeof(float) * (2 * kWarps + kWarps * p.dim);
    const int per_lane = (p.dim + 31) / 32;
    if (per_lane <= 1) fused_with<T, 1>(p, grid, smem, s);
    else if (per_lane <= 2) fused_with<T, 2>(p, grid, smem, s);
    else if (per_lane <= 4) fused_with<T, 4>(p, grid, smem, s);
    else fused_with<T, 8>(p, grid, smem, s);
  }
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

// For bench/cuda/attention-kernels.cu (declared there): one fused kernel forced, 0 the per-key
// kernel, 1 the decode kernel (the per-key kernel where the decode kernel does not apply).
void launch_attention_fused_variant(int dtype, const AttentionParams& p, Stream s, int kernel) {
  if (p.batch * p.heads * p.queries == 0) return;
  switch (dtype) {
    case F32: fused<float>(p, s, kernel); break;
    case F16: fused<__half>(p, s, kernel); break;
    default: fused<__nv_bfloat16>(p, s, kernel); break;
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
      if (storage_scores) launch(attention_softmax_kernel<__nv_bfloat16, __nv_bfloat16>, grid, block, 0, s, p, static_cast<const __nv_bfloat16*>(scores), static_cast<__nv_bfloat16*>(probs), bh_begin);
      else launch(attention_softmax_kernel<__nv_bfloat16, float>, grid, block, 0, s, p, f, static_cast<__nv_bfloat16*>(probs), bh_begin);
      break;
  }
}

}  // namespace glm
