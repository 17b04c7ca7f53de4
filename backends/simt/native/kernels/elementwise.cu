// Element-wise ops. Each result is formed in fp32 (fp64 where the op is defined as one rounding of
// an exact product: scale, deepnorm-residual, dequantize, casts from i32) and rounded once to the
// storage dtype, round to nearest even. The bandwidth-heavy ones of a GLM layer (geglu, the DeepNorm
// residual) move 16 bytes per thread when the sizes and addresses allow.
#include "../kernels.h"

namespace glm {
namespace {

__device__ __forceinline__ int64_t global_thread() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int64_t global_threads() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

// ---- add / mul with broadcasting ----
template <typename T, int OP>
__global__ void binary_kernel(BinaryParams p, int64_t count) {
  const T* a = static_cast<const T*>(p.a);
  const T* b = static_cast<const T*>(p.b);
  T* out = static_cast<T*>(p.out);
  for (int64_t i = global_thread(); i < count; i += global_threads()) {
    int64_t rest = i, ao = 0, bo = 0;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t x = rest % p.shape[d];
      rest /= p.shape[d];
      ao += x * p.a_strides[d];
      bo += x * p.b_strides[d];
    }
    const float x = to_f32(a[ao]), y = to_f32(b[bo]);
    out[i] = from_f32<T>(OP == 0 ? x + y : x * y);
  }
}

template <int OP>
__global__ void binary_i32_kernel(BinaryParams p, int64_t count) {
  const int32_t* a = static_cast<const int32_t*>(p.a);
  const int32_t* b = static_cast<const int32_t*>(p.b);
  int32_t* out = static_cast<int32_t*>(p.out);
  for (int64_t i = global_thread(); i < count; i += global_threads()) {
    int64_t rest = i, ao = 0, bo = 0;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t x = rest % p.shape[d];
      rest /= p.shape[d];
      ao += x * p.a_strides[d];
      bo += x * p.b_strides[d];
    }
    const int64_t r = OP == 0 ? static_cast<int64_t>(a[ao]) + b[bo] : static_cast<int64_t>(a[ao]) * b[bo];
    out[i] = static_cast<int32_t>(static_cast<uint32_t>(r));
  }
}

// ---- scale, deepnorm-residual: one rounding of an exact fp64 result ----
template <typename T>
__global__ void scale_kernel(T* out, const T* x, int64_t n, double factor) {
  for (int64_t i = global_thread(); i < n; i += global_threads())
    out[i] = from_f64<T>(static_cast<double>(to_f32(x[i])) * factor);
}

template <typename T, int V>
__global__ void deepnorm_kernel(T* out, const T* residual, const T* branch, int64_t n, double alpha) {
  const int64_t packs = n / V;
  for (int64_t i = global_thread(); i < packs; i += global_threads()) {
    const Pack<T, V> r = reinterpret_cast<const Pack<T, V>*>(residual)[i];
    const Pack<T, V> b = reinterpret_cast<const Pack<T, V>*>(branch)[i];
    Pack<T, V> o;
#pragma unroll
    for (int e = 0; e < V; ++e) o.v[e] = from_f64<T>(fma(static_cast<double>(to_f32(r.v[e])), alpha, static_cast<double>(to_f32(b.v[e]))));
    reinterpret_cast<Pack<T, V>*>(out)[i] = o;
  }
}

// ---- GeLU: exact erf form through erfc (keeps its accuracy for large negative x), or tanh ----
__device__ __forceinline__ float gelu_erf(float x) { return 0.5f * x * erfcf(-x * 0.70710678118654752f); }
__device__ __forceinline__ double gelu_erf(double x) { return 0.5 * x * erfc(-x * 0.70710678118654752440); }
__device__ __forceinline__ float gelu_tanh(float x) { return 0.5f * x * (1.f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x))); }
__device__ __forceinline__ double gelu_tanh(double x) { return 0.5 * x * (1.0 + tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x))); }

// f32 tensors are computed in fp64 (their tolerance is a few fp32 ulp); half types in fp32.
template <typename T> struct Wide { using type = float; };
template <> struct Wide<float> { using type = double; };

// The one rounding of a Wide value to T. The half types round from fp32 directly: the same result
// as through fp64 (which holds every float exactly), without the slower fp64 conversion.
template <typename T> __device__ __forceinline__ T from_wide(float v) { return from_f32<T>(v); }
template <typename T> __device__ __forceinline__ T from_wide(double v) { return from_f64<T>(v); }

template <typename T, bool TANH>
__global__ void gelu_kernel(T* out, const T* x, int64_t n) {
  using W = typename Wide<T>::type;
  for (int64_t i = global_thread(); i < n; i += global_threads()) {
    const W v = static_cast<W>(to_f32(x[i]));
    const W g = TANH ? gelu_tanh(v) : gelu_erf(v);
    out[i] = from_wide<T>(g);
  }
}

// out[r, i] = y[r, i] · gelu_erf(y[r, half + i]), y = x (+ bias); V elements per thread along the row.
// Rows over blockIdx.y (strided past 65535), so no thread divides a 64-bit index.
template <typename T, int V>
__global__ void geglu_kernel(T* out, const T* x, const T* bias, int64_t rows, int64_t half) {
  using W = typename Wide<T>::type;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x * V;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const T* row = x + r * 2 * half;
    for (int64_t c = global_thread() * V; c < half; c += step) {
      const Pack<T, V> gate = *reinterpret_cast<const Pack<T, V>*>(row + c);
      const Pack<T, V> act = *reinterpret_cast<const Pack<T, V>*>(row + half + c);
      Pack<T, V> gate_bias{}, act_bias{};
      if (bias) {
        gate_bias = *reinterpret_cast<const Pack<T, V>*>(bias + c);
        act_bias = *reinterpret_cast<const Pack<T, V>*>(bias + half + c);
      }
      Pack<T, V> o;
#pragma unroll
      for (int e = 0; e < V; ++e) {
        W g = static_cast<W>(to_f32(gate.v[e]));
        W a = static_cast<W>(to_f32(act.v[e]));
        if (bias) {
          g += static_cast<W>(to_f32(gate_bias.v[e]));
          a += static_cast<W>(to_f32(act_bias.v[e]));
        }
        o.v[e] = from_wide<T>(g * gelu_erf(a));
      }
      *reinterpret_cast<Pack<T, V>*>(out + r * half + c) = o;
    }
  }
}

// ---- casts: float <-> float round to nearest even; float -> i32 rounds half to even, saturates, NaN -> 0 ----
template <typename From> __device__ __forceinline__ double load_wide(const From* x, int64_t i) { return static_cast<double>(to_f32(x[i])); }
template <> __device__ __forceinline__ double load_wide<int32_t>(const int32_t* x, int64_t i) { return static_cast<double>(x[i]); }

template <typename To> __device__ __forceinline__ To store_wide(double v) { return from_f64<To>(v); }
template <> __device__ __forceinline__ int32_t store_wide<int32_t>(double v) {
  if (v != v) return 0;
  const double r = rint(v);
  if (r >= 2147483647.0) return 2147483647;
  if (r <= -2147483648.0) return static_cast<int32_t>(-2147483647 - 1);
  return static_cast<int32_t>(r);
}

template <typename From, typename To>
__global__ void cast_kernel(To* out, const From* x, int64_t n) {
  for (int64_t i = global_thread(); i < n; i += global_threads()) out[i] = store_wide<To>(load_wide<From>(x, i));
}

// ---- masks ----
template <typename T>
__global__ void masked_fill_kernel(MaskedFillParams p, int64_t count) {
  const T* x = static_cast<const T*>(p.x);
  T* out = static_cast<T*>(p.out);
  const T fill = from_f64<T>(p.value);
  for (int64_t i = global_thread(); i < count; i += global_threads()) {
    int64_t rest = i, mo = 0;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t idx = rest % p.shape[d];
      rest /= p.shape[d];
      mo += idx * p.mask_strides[d];
    }
    out[i] = p.mask[mo] != 0 ? x[i] : fill;
  }
}

template <typename T>
__global__ void glm_mask_fill_kernel(T* out, const T* x, const int32_t* context_lengths, const int32_t* length, int64_t batch, int64_t heads, int64_t q,
                                     int64_t k, double value, int* error_flag, int tag) {
  // The valid keys of a fixed-capacity cache are read here, not passed in: the launch stays the same every step.
  const int64_t valid = length ? *length : k;
  if (valid < q || valid > k) {
    if (global_thread() == 0) atomicCAS(error_flag, 0, tag + 1);
    return;
  }
  const T fill = from_f64<T>(value);
  const int64_t count = batch * heads * q * k;
  for (int64_t i = global_thread(); i < count; i += global_threads()) {
    const int64_t j = i % k;
    const int64_t row = i / k;
    const int64_t qi = row % q;
    const int64_t b = row / (q * heads);
    const bool keep = j < valid && (j < context_lengths[b] || j <= valid - q + qi);
    out[i] = keep ? x[i] : fill;
  }
}

// ---- weight-only dequantization: one scale per row; i4 packs two per byte, even element high ----
__device__ __forceinline__ int quantized_at(const int8_t* q, int64_t index, bool four_bit) {
  if (!four_bit) return q[index];
  const uint8_t byte = reinterpret_cast<const uint8_t*>(q)[index >> 1];
  const int nibble = (index & 1) ? (byte & 0x0f) : (byte >> 4);
  return nibble >= 8 ? nibble - 16 : nibble;
}

template <typename T>
__global__ void dequantize_kernel(T* out, const int8_t* q, const T* scale, int64_t rows, int64_t cols, bool four_bit) {
  const int64_t count = rows * cols;
  for (int64_t i = global_thread(); i < count; i += global_threads()) {
    const int64_t r = i / cols;
    out[i] = from_f64<T>(static_cast<double>(quantized_at(q, i, four_bit)) * static_cast<double>(to_f32(scale[r])));
  }
}

// ---- rotary: tables and the fused rotation ----
__global__ void rotary_table_kernel(float* cos_out, float* sin_out, const int32_t* positions, int64_t tokens, int64_t dim, double base) {
  const int64_t half = dim / 2;
  const int64_t count = tokens * dim;
  for (int64_t i = global_thread(); i < count; i += global_threads()) {
    const int64_t t = i / dim;
    const int64_t c = i % dim;
    const int64_t f = c < half ? c : c - half;
    const double theta = static_cast<double>(positions[t]) * pow(base, -2.0 * static_cast<double>(f) / static_cast<double>(dim));
    cos_out[i] = static_cast<float>(cos(theta));
    sin_out[i] = static_cast<float>(sin(theta));
  }
}

// One thread per (b, s, pair): the pair's angle (fp64, as the reference tables) is computed once
// and applied to every head. Pairs: 1-D rotates (i, i + d/2) with positions; 2-D rotates
// (i, i + d/4) in each half, the first with positions, the second with block positions.
constexpr int64_t kRopeHeadsPerBlock = 4;  // heads per blockIdx.y: a decode step has only d/2 pairs per token

template <typename T>
__global__ void rope_kernel(RopeParams p) {
  using W = typename Wide<T>::type;
  const T* x = static_cast<const T*>(p.x);
  T* out = static_cast<T*>(p.out);
  const int64_t pairs = p.dim / 2;
  const bool two_d = p.block_positions != nullptr;
  const int64_t count = p.batch * p.seq * pairs;
  for (int64_t i = global_thread(); i < count; i += global_threads()) {
    const int64_t pair = i % pairs;
    const int64_t token = i / pairs;  // b * seq + s
    const int64_t s = token % p.seq;
    const int64_t b = token / p.seq;
    int64_t width, offset, f;
    int32_t position;
    if (!two_d) {
      width = p.dim;
      offset = 0;
      f = pair;
      position = p.positions[token];
    } else {
      const int64_t quarter = p.dim / 4;
      const int64_t segment = pair / quarter;
      width = p.dim / 2;
      offset = segment * width;
      f = pair % quarter;
      position = segment == 0 ? p.positions[token] : p.block_positions[token];
    }
    const double theta = static_cast<double>(position) * pow(p.base, -2.0 * static_cast<double>(f) / static_cast<double>(width));
    const W c = static_cast<W>(cos(theta));
    const W sn = static_cast<W>(sin(theta));
    const int64_t lo = offset + f, hi = offset + f + width / 2;
    const int64_t xb = b * p.x_strides[0] + s * p.x_strides[2];
    const int64_t ob = b * p.out_strides[0] + s * p.out_strides[2];
    const int64_t h_group_end = static_cast<int64_t>(blockIdx.y + 1) * kRopeHeadsPerBlock;
    const int64_t h_end = h_group_end < p.heads ? h_group_end : p.heads;
    for (int64_t h = static_cast<int64_t>(blockIdx.y) * kRopeHeadsPerBlock; h < h_end; ++h) {
      const W a = static_cast<W>(to_f32(x[xb + h * p.x_strides[1] + lo * p.x_strides[3]]));
      const W z = static_cast<W>(to_f32(x[xb + h * p.x_strides[1] + hi * p.x_strides[3]]));
      out[ob + h * p.out_strides[1] + lo * p.out_strides[3]] = from_wide<T>(a * c - z * sn);
      out[ob + h * p.out_strides[1] + hi * p.out_strides[3]] = from_wide<T>(z * c + a * sn);
    }
  }
}

// qkv-bias-rope: one block per (token, group of heads). The token's angles (fp64, as the reference
// tables) go to shared memory once; then every thread takes V-wide slices of the group's heads:
// for q and k a slice of pairs (lo, lo + width/2) of one rotated segment, for v a slice copied with
// its bias. 1-D rotates the whole head (width d); 2-D each half (width d/2, positions then block positions).
constexpr int kQkvRopeThreads = 128;

template <typename T, int V>
__global__ void qkv_bias_rope_kernel(QkvRopeParams p, int heads_per_block) {
  using W = typename Wide<T>::type;
  GLM_DYN_SMEM(W, table);
  const int dim = static_cast<int>(p.dim);
  const int pairs = dim / 2;  // per rotated head: d/2 pairs in both modes
  W* cos_table = table;
  W* sin_table = table + pairs;
  const bool two_d = p.block_positions != nullptr;
  const int width = two_d ? dim / 2 : dim;
  const int half = width / 2;
  const int64_t token = blockIdx.x;  // b · seq + s
  for (int j = threadIdx.x; j < pairs; j += blockDim.x) {
    const int segment = j / half, f = j % half;
    const int32_t position = segment == 0 ? p.positions[token] : p.block_positions[token];
    const double theta = static_cast<double>(position) * pow(p.base, -2.0 * static_cast<double>(f) / static_cast<double>(width));
    cos_table[j] = static_cast<W>(cos(theta));
    sin_table[j] = static_cast<W>(sin(theta));
  }
  __syncthreads();

  const int64_t b = token / p.seq, s = token % p.seq;
  // The fused cache-write's position; a bad offset is reported once and no cache is written.
  int64_t cache_s = 0;
  bool cache_ok = false;
  if (p.cache_offset) {
    const int64_t offset = *p.cache_offset;
    cache_ok = offset >= 0 && offset <= p.max_offset;
    cache_s = offset + s;
    if (!cache_ok && token == 0 && blockIdx.y == 0 && threadIdx.x == 0) atomicCAS(p.error_flag, 0, p.tag + 1);
  }
  const int64_t row_width = p.heads * 3 * p.dim;
  const T* row = static_cast<const T*>(p.qkv) + token * row_width;
  const T* bias = static_cast<const T*>(p.bias);
  const int64_t first_head = static_cast<int64_t>(blockIdx.y) * heads_per_block;
  const int heads_here = static_cast<int>((p.heads - first_head < heads_per_block) ? p.heads - first_head : heads_per_block);
  const int rotated_slices = 2 * pairs / V;  // q and k: pairs (lo, hi), V consecutive lo's per slice
  const int slices_per_head = rotated_slices + dim / V;
  auto load = [&](int64_t at) {
    Pack<T, V> x = *reinterpret_cast<const Pack<T, V>*>(row + at);
    Pack<W, V> w;
#pragma unroll
    for (int e = 0; e < V; ++e) w.v[e] = static_cast<W>(to_f32(x.v[e]));
    if (bias) {
      const Pack<T, V> add = *reinterpret_cast<const Pack<T, V>*>(bias + at);
#pragma unroll
      for (int e = 0; e < V; ++e) w.v[e] += static_cast<W>(to_f32(add.v[e]));
    }
    return w;
  };
  auto put = [&](T* base, const int64_t* st, int64_t row, int64_t h, int i, const Pack<T, V>& o) {
    T* out = base + b * st[0] + h * st[1] + row * st[2];
    if (V > 1) {
      *reinterpret_cast<Pack<T, V>*>(out + i) = o;  // V > 1 only with a unit last stride
    } else {
      out[i * st[3]] = o.v[0];
    }
  };
  auto store = [&](int part, int64_t h, int i, const Pack<W, V>& w) {
    Pack<T, V> o;
#pragma unroll
    for (int e = 0; e < V; ++e) o.v[e] = from_wide<T>(w.v[e]);
    if (p.out[part]) put(static_cast<T*>(p.out[part]), p.out_strides[part], s, h, i, o);
    if (part > 0 && cache_ok && p.cache[part - 1]) put(static_cast<T*>(p.cache[part - 1]), p.cache_strides[part - 1], cache_s, h, i, o);
  };
  for (int item = threadIdx.x; item < heads_here * slices_per_head; item += blockDim.x) {
    const int64_t h = first_head + item / slices_per_head;
    const int slice = item % slices_per_head;
    const int64_t head_base = h * 3 * p.dim;
    if (slice < rotated_slices) {
      const int part = slice / (pairs / V);  // 0: q, 1: k
      const int j = (slice % (pairs / V)) * V;  // first pair of the slice; a slice never crosses a segment
      const int segment = j / half, f = j % half;
      const int lo = segment * width + f, hi = lo + half;
      const Pack<W, V> a = load(head_base + part * p.dim + lo);
      const Pack<W, V> z = load(head_base + part * p.dim + hi);
      Pack<W, V> out_lo, out_hi;
#pragma unroll
      for (int e = 0; e < V; ++e) {
        const W c = cos_table[j + e], sn = sin_table[j + e];
        out_lo.v[e] = a.v[e] * c - z.v[e] * sn;
        out_hi.v[e] = z.v[e] * c + a.v[e] * sn;
      }
      store(part, h, lo, out_lo);
      store(part, h, hi, out_hi);
    } else {
      const int i = (slice - rotated_slices) * V;
      store(2, h, i, load(head_base + 2 * p.dim + i));
    }
  }
}

constexpr int kThreads = 256;

template <typename F>
void by_float_dtype(int dtype, F&& f) {
  switch (dtype) {
    case F32: f(float{}); break;
    case F16: f(__half{}); break;
    default: f(__nv_bfloat16{}); break;
  }
}

template <typename T>
bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

}  // namespace

void launch_binary(int op, int dtype, const BinaryParams& p, int64_t count, Stream s) {
  if (count <= 0) return;
  const dim3 grid(blocks_for(count, kThreads)), block(kThreads);
  if (dtype == I32) {
    if (op == 0) launch(binary_i32_kernel<0>, grid, block, 0, s, p, count);
    else launch(binary_i32_kernel<1>, grid, block, 0, s, p, count);
    return;
  }
  by_float_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    if (op == 0) launch(binary_kernel<T, 0>, grid, block, 0, s, p, count);
    else launch(binary_kernel<T, 1>, grid, block, 0, s, p, count);
  });
}

void launch_scale(int dtype, void* out, const void* x, int64_t n, double factor, Stream s) {
  if (n <= 0) return;
  by_float_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    launch(scale_kernel<T>, dim3(blocks_for(n, kThreads)), dim3(kThreads), 0, s, static_cast<T*>(out), static_cast<const T*>(x), n, factor);
  });
}

void launch_deepnorm(int dtype, void* out, const void* residual, const void* branch, int64_t n, double alpha, Stream s) {
  if (n <= 0) return;
  by_float_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    constexpr int V = 16 / sizeof(T);
    const bool wide = n % V == 0 && aligned16<T>(out) && aligned16<T>(residual) && aligned16<T>(branch);
    if (wide) {
      launch(deepnorm_kernel<T, V>, dim3(blocks_for(n / V, kThreads)), dim3(kThreads), 0, s, static_cast<T*>(out), static_cast<const T*>(residual), static_cast<const T*>(branch), n, alpha);
    } else {
      launch(deepnorm_kernel<T, 1>, dim3(blocks_for(n, kThreads)), dim3(kThreads), 0, s, static_cast<T*>(out), static_cast<const T*>(residual), static_cast<const T*>(branch), n, alpha);
    }
  });
}

void launch_gelu(int dtype, int tanh_form, void* out, const void* x, int64_t n, Stream s) {
  if (n <= 0) return;
  by_float_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    const dim3 grid(blocks_for(n, kThreads)), block(kThreads);
    if (tanh_form) launch(gelu_kernel<T, true>, grid, block, 0, s, static_cast<T*>(out), static_cast<const T*>(x), n);
    else launch(gelu_kernel<T, false>, grid, block, 0, s, static_cast<T*>(out), static_cast<const T*>(x), n);
  });
}

void launch_geglu(int dtype, void* out, const void* x, const void* bias, int64_t rows, int64_t half, Stream s) {
  if (rows * half <= 0) return;
  by_float_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    constexpr int V = 16 / sizeof(T);
    const bool wide = half % V == 0 && aligned16<T>(out) && aligned16<T>(x) && (bias == nullptr || aligned16<T>(bias));
    const int64_t per_row = wide ? half / V : half;
    const dim3 grid(static_cast<unsigned>(blocks_for(per_row, kThreads)), static_cast<unsigned>(rows < 65535 ? rows : 65535));
    const T* b = static_cast<const T*>(bias);
    if (wide) launch(geglu_kernel<T, V>, grid, dim3(kThreads), 0, s, static_cast<T*>(out), static_cast<const T*>(x), b, rows, half);
    else launch(geglu_kernel<T, 1>, grid, dim3(kThreads), 0, s, static_cast<T*>(out), static_cast<const T*>(x), b, rows, half);
  });
}

void launch_cast(int from, int to, void* out, const void* x, int64_t n, Stream s) {
  if (n <= 0) return;
  const dim3 grid(blocks_for(n, kThreads)), block(kThreads);
  auto with_to = [&](auto from_tag) {
    using From = decltype(from_tag);
    const From* in = static_cast<const From*>(x);
    switch (to) {
      case F32: launch(cast_kernel<From, float>, grid, block, 0, s, static_cast<float*>(out), in, n); break;
      case F16: launch(cast_kernel<From, __half>, grid, block, 0, s, static_cast<__half*>(out), in, n); break;
      case BF16: launch(cast_kernel<From, __nv_bfloat16>, grid, block, 0, s, static_cast<__nv_bfloat16*>(out), in, n); break;
      default: launch(cast_kernel<From, int32_t>, grid, block, 0, s, static_cast<int32_t*>(out), in, n); break;
    }
  };
  switch (from) {
    case F32: with_to(float{}); break;
    case F16: with_to(__half{}); break;
    case BF16: with_to(__nv_bfloat16{}); break;
    default: with_to(int32_t{}); break;
  }
}

void launch_masked_fill(int dtype, const MaskedFillParams& p, int64_t count, Stream s) {
  if (count <= 0) return;
  by_float_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    launch(masked_fill_kernel<T>, dim3(blocks_for(count, kThreads)), dim3(kThreads), 0, s, p, count);
  });
}

void launch_glm_mask_fill(int dtype, void* out, const void* x, const int32_t* context_lengths, const int32_t* length, int64_t batch, int64_t heads, int64_t q,
                          int64_t k, double value, int* error_flag, int tag, Stream s) {
  const int64_t count = batch * heads * q * k;
  if (count <= 0) return;
  by_float_dtype(dtype, [&](auto type) {
    using T = decltype(type);
    launch(glm_mask_fill_kernel<T>, dim3(blocks_for(count, kThreads)), dim3(kThreads), 0, s, static_cast<T*>(out), static_cast<const T*>(x), context_lengths,
           length, batch, heads, q, k, value, error_flag, tag);
  });
}

void launch_dequantize(int qtype, int to, void* out, const void* q, const void* scale, int64_t rows, int64_t cols, Stream s) {
  const int64_t count = rows * cols;
  if (count <= 0) return;
  by_float_dtype(to, [&](auto tag) {
    using T = decltype(tag);
    launch(dequantize_kernel<T>, dim3(blocks_for(count, kThreads)), dim3(kThreads), 0, s, static_cast<T*>(out), static_cast<const int8_t*>(q), static_cast<const T*>(scale), rows, cols, qtype == I4);
  });
}

void launch_rotary_table(float* cos_out, float* sin_out, const int32_t* positions, int64_t tokens, int64_t dim, double base, Stream s) {
  const int64_t count = tokens * dim;
  if (count <= 0) return;
  launch(rotary_table_kernel, dim3(blocks_for(count, kThreads)), dim3(kThreads), 0, s, cos_out, sin_out, positions, tokens, dim, base);
}

void launch_qkv_bias_rope(int dtype, const QkvRopeParams& p, Stream s) {
  const int64_t tokens = p.batch * p.seq;
  if (tokens * p.heads * p.dim <= 0) return;
  // Many tokens: 16 heads a block, so the angles are computed once per 16 heads; a decode step: 4,
  // so a single token still spreads over several blocks.
  const int heads_per_block = tokens >= 64 ? 16 : 4;
  const unsigned groups = static_cast<unsigned>((p.heads + heads_per_block - 1) / heads_per_block);
  by_float_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    using W = typename Wide<T>::type;
    constexpr int V = 16 / sizeof(T);  // 16-byte slices
    const int64_t half = (p.block_positions ? p.dim / 2 : p.dim) / 2;
    bool wide = half % V == 0 && aligned16<T>(p.qkv) && (p.bias == nullptr || aligned16<T>(p.bias));
    auto wide_at = [&](const void* base, const int64_t* st) {
      return base == nullptr || (st[3] == 1 && st[0] % V == 0 && st[1] % V == 0 && st[2] % V == 0 && aligned16<T>(base));
    };
    for (int part = 0; part < 3; ++part) wide = wide && wide_at(p.out[part], p.out_strides[part]);
    for (int part = 0; part < 2; ++part) wide = wide && wide_at(p.cache[part], p.cache_strides[part]);
    const size_t smem = static_cast<size_t>(p.dim) * sizeof(W);  // cos and sin of d/2 pairs
    const dim3 grid(static_cast<unsigned>(tokens), groups);
    if (wide) launch(qkv_bias_rope_kernel<T, V>, grid, dim3(kQkvRopeThreads), smem, s, p, heads_per_block);
    else launch(qkv_bias_rope_kernel<T, 1>, grid, dim3(kQkvRopeThreads), smem, s, p, heads_per_block);
  });
}

void launch_rope(int dtype, const RopeParams& p, Stream s) {
  const int64_t count = p.batch * p.seq * (p.dim / 2);
  if (count <= 0) return;
  by_float_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    const unsigned head_groups = static_cast<unsigned>((p.heads + kRopeHeadsPerBlock - 1) / kRopeHeadsPerBlock);
    launch(rope_kernel<T>, dim3(blocks_for(count, 128), head_groups), dim3(128), 0, s, p);
  });
}

}  // namespace glm
