// Interleaved rotary of ChatGLM2/3 and GLM-4 over x[B, H, S, d] (contiguous): the pairs (2i, 2i+1) of
// the first r = rotary_dim values of each head are rotated by θᵢ = pos · base^(−2i/r); values ≥ r are
// copied. The decomposition regroups the rotated part to rope's pairs (i, i + r/2) and back (two
// transposing copies of it) and concatenates the rest; here each pair is read and written once.
// Precision as rope_kernel (elementwise.cu): the angle in fp64 (as the reference tables), the
// rotation in fp64 for f32 data and fp32 for half types, one rounding to the storage dtype.
#include "../kernels.h"

namespace glm {
namespace {

constexpr int kThreads = 128;
constexpr int64_t kHeadsPerBlock = 4;  // heads per blockIdx.y: the angle is computed once for them

template <typename T> struct Wide { using type = float; };
template <> struct Wide<float> { using type = double; };

template <typename T> __device__ __forceinline__ T from_wide(float v) { return from_f32<T>(v); }
template <typename T> __device__ __forceinline__ T from_wide(double v) { return from_f64<T>(v); }

// One thread per (token, pair slot p): the values 2p and 2p + 1 of each head of its block's group.
template <typename T>
__global__ void interleaved_rope_kernel(InterleavedRopeParams p) {
  using W = typename Wide<T>::type;
  const T* x = static_cast<const T*>(p.x);
  T* out = static_cast<T*>(p.out);
  const int64_t slots = (p.dim + 1) / 2;  // an odd head dim ends with a lone passed value
  const int64_t count = p.batch * p.seq * slots;
  const int64_t h_begin = static_cast<int64_t>(blockIdx.y) * kHeadsPerBlock;
  const int64_t h_end = h_begin + kHeadsPerBlock < p.heads ? h_begin + kHeadsPerBlock : p.heads;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t slot = i % slots;
    const int64_t token = i / slots;  // b * seq + s
    const int64_t b = token / p.seq, s = token % p.seq;
    const int64_t even = 2 * slot, odd = even + 1;
    if (odd < p.rotary_dim) {
      const double theta = static_cast<double>(p.positions[token]) * pow(p.base, -static_cast<double>(even) / static_cast<double>(p.rotary_dim));
      const W c = static_cast<W>(cos(theta));
      const W sn = static_cast<W>(sin(theta));
      for (int64_t h = h_begin; h < h_end; ++h) {
        const int64_t row = ((b * p.heads + h) * p.seq + s) * p.dim;
        const W a = static_cast<W>(to_f32(x[row + even]));
        const W z = static_cast<W>(to_f32(x[row + odd]));
        out[row + even] = from_wide<T>(a * c - z * sn);
        out[row + odd] = from_wide<T>(z * c + a * sn);
      }
    } else {
      for (int64_t h = h_begin; h < h_end; ++h) {
        const int64_t row = ((b * p.heads + h) * p.seq + s) * p.dim;
        out[row + even] = x[row + even];
        if (odd < p.dim) out[row + odd] = x[row + odd];
      }
    }
  }
}

}  // namespace

void launch_interleaved_rope(int dtype, const InterleavedRopeParams& p, Stream s) {
  const int64_t count = p.batch * p.seq * ((p.dim + 1) / 2);
  if (count <= 0 || p.heads <= 0) return;
  const dim3 grid(blocks_for(count, kThreads), static_cast<unsigned>((p.heads + kHeadsPerBlock - 1) / kHeadsPerBlock));
  switch (dtype) {
    case F32: launch(interleaved_rope_kernel<float>, grid, dim3(kThreads), 0, s, p); break;
    case F16: launch(interleaved_rope_kernel<__half>, grid, dim3(kThreads), 0, s, p); break;
    default: launch(interleaved_rope_kernel<__nv_bfloat16>, grid, dim3(kThreads), 0, s, p); break;
  }
}

}  // namespace glm
