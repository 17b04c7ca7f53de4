// RMSNorm of ChatGLM2/3 and GLM-4: out = x / sqrt(mean(x²) + eps) · w per row, the sum of squares in
// fp32. One pass over the row where the decomposition (layer-norm of [x, −x]) reads a row twice as
// wide and writes one it then cuts in half. No mean is subtracted, so there is nothing to cancel and
// no second pass; one block per row, the row kernels' block sizes (row_threads, norm.cu).
#include "../kernels.h"

namespace glm {
namespace {

template <typename T>
__global__ void rms_norm_kernel(T* out, const T* x, const T* w, int64_t h, float eps) {
  __shared__ float scratch[33];
  const int64_t row = blockIdx.x;
  const T* xr = x + row * h;
  T* orow = out + row * h;
  float squares = 0.f;
  for (int64_t i = threadIdx.x; i < h; i += blockDim.x) {
    const float v = to_f32(xr[i]);
    squares += v * v;
  }
  const float inv = 1.0f / sqrtf(block_sum(squares, scratch) / static_cast<float>(h) + eps);
  for (int64_t i = threadIdx.x; i < h; i += blockDim.x) orow[i] = from_f32<T>(to_f32(xr[i]) * inv * to_f32(w[i]));
}

}  // namespace

void launch_rms_norm(int dtype, void* out, const void* x, const void* w, int64_t rows, int64_t h, float eps, Stream s) {
  if (rows <= 0 || h <= 0) return;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    launch(rms_norm_kernel<T>, dim3(static_cast<unsigned>(rows)), dim3(row_threads(h)), 0, s, static_cast<T*>(out), static_cast<const T*>(x),
           static_cast<const T*>(w), h, eps);
  };
  switch (dtype) {
    case F32: run(float{}); break;
    case F16: run(__half{}); break;
    default: run(__nv_bfloat16{}); break;
  }
}

}  // namespace glm
