// SwiGLU of ChatGLM2/3 and GLM-4: out[r, i] = silu(x[r, i]) · x[r, half + i], silu(a) = a / (1 + e^−a).
// The FIRST half is gated (THUDM's swiglu: chunk 0 through SiLU), where geglu gates the second. One
// read of each half and one write, where the decomposition's sigmoid-as-softmax moves the gate half
// through split, scale, concat, softmax and slice. f32 data is computed in fp64 and half types in
// fp32, one rounding to the storage dtype (as geglu, elementwise.cu); 16 bytes a thread where the
// width and addresses allow.
#include "../kernels.h"

namespace glm {
namespace {

constexpr int kThreads = 256;

template <typename T> struct Wide { using type = float; };
template <> struct Wide<float> { using type = double; };

__device__ __forceinline__ float silu(float a) { return a / (1.f + expf(-a)); }
__device__ __forceinline__ double silu(double a) { return a / (1.0 + exp(-a)); }

template <typename T> __device__ __forceinline__ T from_wide(float v) { return from_f32<T>(v); }
template <typename T> __device__ __forceinline__ T from_wide(double v) { return from_f64<T>(v); }

// Rows over blockIdx.y (strided past 65535), V elements a thread along the row.
template <typename T, int V>
__global__ void swiglu_kernel(T* out, const T* x, int64_t rows, int64_t half) {
  using W = typename Wide<T>::type;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x * V;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const T* row = x + r * 2 * half;
    for (int64_t c = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) * V; c < half; c += step) {
      const Pack<T, V> gate = *reinterpret_cast<const Pack<T, V>*>(row + c);
      const Pack<T, V> up = *reinterpret_cast<const Pack<T, V>*>(row + half + c);
      Pack<T, V> o;
#pragma unroll
      for (int e = 0; e < V; ++e) o.v[e] = from_wide<T>(silu(static_cast<W>(to_f32(gate.v[e]))) * static_cast<W>(to_f32(up.v[e])));
      *reinterpret_cast<Pack<T, V>*>(out + r * half + c) = o;
    }
  }
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

}  // namespace

void launch_swiglu(int dtype, void* out, const void* x, int64_t rows, int64_t half, Stream s) {
  if (rows * half <= 0) return;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    constexpr int V = 16 / sizeof(T);
    const bool wide = half % V == 0 && aligned16(out) && aligned16(x);
    const int64_t per_row = wide ? half / V : half;
    const dim3 grid(blocks_for(per_row, kThreads), static_cast<unsigned>(rows < 65535 ? rows : 65535));
    if (wide) launch(swiglu_kernel<T, V>, grid, dim3(kThreads), 0, s, static_cast<T*>(out), static_cast<const T*>(x), rows, half);
    else launch(swiglu_kernel<T, 1>, grid, dim3(kThreads), 0, s, static_cast<T*>(out), static_cast<const T*>(x), rows, half);
  };
  switch (dtype) {
    case F32: run(float{}); break;
    case F16: run(__half{}); break;
    default: run(__nv_bfloat16{}); break;
  }
}

}  // namespace glm
