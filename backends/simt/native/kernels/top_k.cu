// Top-k along the last axis, for rows up to a vocabulary wide (150k) and batches of 1..16, in passes:
//   each pass gives every (row, chunk of kTopKChunk keys) one block, which selects the chunk's k first
//   keys; the first pass reads x, later ones the keys the previous pass left (⌈len / kTopKChunk⌉ · k per
//   row), until a row is one chunk: that block writes the outputs (150528 wide, k = 64: 2 passes). The
//   rounds below cost the same whatever the chunk, so a chunk is as large as registers allow: fewer passes.
// The order is the op's (core/ir/ops/top-k.ts) through a 64-bit key per element, larger = first: the
// value's order-preserving bits (NaN above +inf, all NaNs equal, −0 folded onto +0) above 0x7fffffff −
// index (the lower index first on ties). Keys are unique, so any backend gets the reference's result.
// Selection takes k rounds of a block-wide maximum of the keys not yet taken; each thread holds its
// kItems keys in registers and caches the largest below the last one taken.
// Only __syncthreads and shared memory: no warp width is assumed (cuda, HIP wave64, the emulators).
#include "../kernels.h"

namespace glm {
namespace {

constexpr int kThreads = 256;
constexpr int kItems = kTopKChunk / kThreads;  // a chunk's keys per thread, held in registers
constexpr int kGroups = 16;                    // the block maximum: 16 partial maxima of 16 keys each
static_assert(kItems * kThreads == kTopKChunk, "a chunk is a whole number of keys per thread");
static_assert(kGroups * kGroups == kThreads, "the block maximum's two levels cover the block");

constexpr uint64_t kNone = 0;          // below every key (the smallest, −inf at index 2³¹−1, is > 0)
constexpr uint64_t kNoBound = ~0ull;   // above every key (the index field is at most 0x7fffffff)

__device__ __forceinline__ uint32_t order_bits(float v) {
  if (v != v) return 0xffffffffu;  // NaN: above +inf (0xff800000 here)
  uint32_t b = __float_as_uint(v);
  if (b == 0x80000000u) b = 0;     // −0 ranks as +0
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

__device__ __forceinline__ uint64_t key_of(float v, int64_t index) {
  return (static_cast<uint64_t>(order_bits(v)) << 32) | static_cast<uint64_t>(0x7fffffffu - static_cast<uint32_t>(index));
}

__device__ __forceinline__ int64_t index_of(uint64_t key) { return 0x7fffffff - static_cast<int64_t>(key & 0xffffffffu); }

// The block's largest key, returned to every thread. `red` holds kThreads + kGroups keys. Two barriers
// suffice back to back: a round's writes of red[tid] come after every read of the last round's.
__device__ __forceinline__ uint64_t block_max_key(uint64_t v, uint64_t* red) {
  red[threadIdx.x] = v;
  __syncthreads();
  if (threadIdx.x < kGroups) {
    uint64_t m = kNone;
    // A fixed trip count, unrolled: the 16 loads issue back to back (adjacent threads, adjacent words).
#pragma unroll
    for (int j = 0; j < kThreads / kGroups; ++j) {
      const uint64_t w = red[j * kGroups + threadIdx.x];
      m = w > m ? w : m;
    }
    red[kThreads + threadIdx.x] = m;
  }
  __syncthreads();
  uint64_t m = kNone;
#pragma unroll
  for (int g = 0; g < kGroups; ++g) {
    const uint64_t w = red[kThreads + g];
    m = w > m ? w : m;
  }
  return m;
}

// A chunk's keys, kItems per thread in registers (kNone past the row's end).
struct RegisterKeys {
  uint64_t key[kItems];
  __device__ __forceinline__ uint64_t best_below(uint64_t bound) const {
    uint64_t best = kNone;
#pragma unroll
    for (int e = 0; e < kItems; ++e) best = (key[e] < bound && key[e] > best) ? key[e] : best;
    return best;
  }
};

// picked[0..k) = the block's k largest keys, largest first (kNone once the keys run out).
template <typename Keys>
__device__ void select_k(const Keys& keys, int k, uint64_t* red, uint64_t* picked) {
  uint64_t mine = keys.best_below(kNoBound);
  for (int j = 0; j < k; ++j) {
    const uint64_t top = block_max_key(mine, red);
    if (threadIdx.x == 0) picked[j] = top;
    if (top != kNone && mine == top) mine = keys.best_below(top);  // this thread's key was taken
  }
  __syncthreads();  // picked[] is complete
}

template <typename T>
__device__ void write_outputs(const uint64_t* picked, int k, const T* row, float* values, int32_t* indices) {
  for (int j = threadIdx.x; j < k; j += kThreads) {
    const int64_t i = index_of(picked[j]);
    values[j] = to_f32(row[i]);  // the element itself (its NaN, its −0), exactly as f32
    indices[j] = static_cast<int32_t>(i);
  }
}

// Where a pass reads its keys: x itself (the first pass), or the keys the previous pass left.
template <typename T>
struct FromX {
  const T* x;
  __device__ __forceinline__ uint64_t operator()(int64_t row, int64_t len, int64_t i) const { return key_of(to_f32(x[row * len + i]), i); }
};
struct FromKeys {
  const uint64_t* keys;
  __device__ __forceinline__ uint64_t operator()(int64_t row, int64_t len, int64_t i) const { return keys[row * len + i]; }
};

// One pass over rows of `len` keys in `chunks` chunks. out != nullptr: each chunk's k first keys go to
// out[row, chunk, 0..k); else (chunks == 1) the block writes the outputs, reading the elements from x.
template <typename T, typename Source>
__global__ void top_k_pass_kernel(Source source, int64_t rows, int64_t len, int64_t chunks, int k, uint64_t* out, const T* x, int64_t n, float* values, int32_t* indices) {
  __shared__ uint64_t red[kThreads + kGroups];
  __shared__ uint64_t picked[kMaxTopK];
  for (int64_t b = blockIdx.x; b < rows * chunks; b += gridDim.x) {
    const int64_t row = b / chunks, chunk = b % chunks;
    RegisterKeys keys;
#pragma unroll
    for (int e = 0; e < kItems; ++e) {
      const int64_t i = chunk * kTopKChunk + e * kThreads + threadIdx.x;  // coalesced
      keys.key[e] = i < len ? source(row, len, i) : kNone;
    }
    select_k(keys, k, red, picked);
    if (out) {
      for (int j = threadIdx.x; j < k; j += kThreads) out[b * k + j] = picked[j];
    } else {
      write_outputs(picked, k, x + row * n, values + row * k, indices + row * k);
    }
  }
}

template <typename T, typename Source>
void launch_pass(Source source, int64_t rows, int64_t len, int k, uint64_t* out, const T* x, int64_t n, float* values, int32_t* indices, Stream s) {
  const int64_t chunks = (len + kTopKChunk - 1) / kTopKChunk;
  launch(top_k_pass_kernel<T, Source>, dim3(blocks_for(rows * chunks, 1)), dim3(kThreads), 0, s, source, rows, len, chunks, k, out, x, n, values, indices);
}

template <typename T>
void launch_typed(const T* x, int64_t rows, int64_t n, int k, uint64_t* scratch, float* values, int32_t* indices, Stream s) {
  float* const no_values = nullptr;
  int32_t* const no_indices = nullptr;
  uint64_t* const no_keys = nullptr;
  if (n <= kTopKChunk) {
    launch_pass(FromX<T>{x}, rows, n, k, no_keys, x, n, values, indices, s);
    return;
  }
  // Passes alternate between two buffers: the first pass's keys, the second's (fewer), the first again, ...
  uint64_t* buffer[2] = {scratch, scratch + rows * top_k_keys_after(n, k)};
  launch_pass(FromX<T>{x}, rows, n, k, buffer[0], x, n, no_values, no_indices, s);
  int64_t len = top_k_keys_after(n, k);
  int in = 0;
  while (len > kTopKChunk) {
    launch_pass(FromKeys{buffer[in]}, rows, len, k, buffer[1 - in], x, n, no_values, no_indices, s);
    len = top_k_keys_after(len, k);
    in = 1 - in;
  }
  launch_pass(FromKeys{buffer[in]}, rows, len, k, no_keys, x, n, values, indices, s);
}

}  // namespace

void launch_top_k(int dtype, const void* x, int64_t rows, int64_t n, int k, uint64_t* scratch, float* values, int32_t* indices, Stream s) {
  if (rows <= 0) return;
  switch (dtype) {
    case F32: launch_typed(static_cast<const float*>(x), rows, n, k, scratch, values, indices, s); break;
    case F16: launch_typed(static_cast<const __half*>(x), rows, n, k, scratch, values, indices, s); break;
    default: launch_typed(static_cast<const __nv_bfloat16*>(x), rows, n, k, scratch, values, indices, s); break;
  }
}

}  // namespace glm
