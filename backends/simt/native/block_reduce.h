// Sum and maximum over a thread block, for the shared kernels (norms, softmax, log-sum-exp), written
// once over the wavefront layer each dialect's platform.h defines before including this: wave::kWidth
// lanes, this thread's lane and wavefront (GLM_WAVE_LANE, GLM_WAVE_INDEX), and the wavefront's
// butterfly wave::sum / wave::max (a 32-lane warp on cuda; GLM_WAVE lanes on rocm-dcu, see its wave.h).
#pragma once

#if defined(GLM_DEVICE_CODE)
namespace glm {

struct WaveSum {
  __device__ __forceinline__ static float reduce(float v) { return wave::sum(v); }
};
struct WaveMax {
  __device__ __forceinline__ static float reduce(float v) { return wave::max(v); }
};

// Every wavefront reduces its lanes, lane 0 of each leaves the result in scratch[w], wavefront 0
// reduces those (`identity` past the last wavefront) into scratch[32], and every thread reads it.
// blockDim.x a multiple of the wavefront and at most 32 wavefronts (1024 threads; rocm-dcu's rows take
// at most GLM_MAX_ROW_THREADS). `scratch` holds 33 floats of shared memory; the call ends with the
// scratch free for reuse.
template <typename Wave>
__device__ __forceinline__ float block_reduce(float v, float identity, float* scratch) {
  const int lane = GLM_WAVE_LANE;
  const int w = GLM_WAVE_INDEX;
  const int waves = (blockDim.x + wave::kWidth - 1) / wave::kWidth;
  v = Wave::reduce(v);
  if (lane == 0) scratch[w] = v;
  __syncthreads();
  float total = identity;
  if (w == 0) {
    total = lane < waves ? scratch[lane] : identity;
    total = Wave::reduce(total);
    if (lane == 0) scratch[32] = total;
  }
  __syncthreads();
  total = scratch[32];
  __syncthreads();
  return total;
}

__device__ __forceinline__ float block_sum(float v, float* scratch) { return block_reduce<WaveSum>(v, 0.f, scratch); }
__device__ __forceinline__ float block_max(float v, float* scratch) { return block_reduce<WaveMax>(v, -INFINITY, scratch); }

}  // namespace glm
#endif
