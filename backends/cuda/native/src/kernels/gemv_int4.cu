// INT4 weights times 1–16 rows of fp16 activations (decode) on tensor cores. The weights are in the
// release's layout: two values per byte (the first in the high nibble), one fp16 scale per output row.
// They are the A operand of mma.sync m16n8k16 (16 output features), the activations the B operand (one
// 8-column tile per 8 activation rows, TILES of them), fp32 accumulation (gemv_mma.cuh). The nibbles
// become fp16 without integer→float conversions: a nibble n (sign bit flipped, n' = n ^ 8 = value + 8)
// put into the mantissa of 1024.0 gives 1024 + n' exactly, and subtracting 1032 leaves the value. One
// 32-bit word holds eight nibbles; LOP3 takes nibbles j and j+4 into one half2 at once, so the k order
// inside a word is permuted (h_j = elements (e1,e5), (e0,e4), (e3,e7), (e2,e6)) — the activations are
// permuted the same way with byte permutes, which leaves the dot product unchanged. With two tiles
// (9–16 activation rows) each converted weight fragment feeds two MMAs.
//
// A block of WARPS warps owns 16 output features; the warps share K in 128-element steps, each lane
// loading 16 bytes of each of its two rows per step straight into registers, UNROLL steps before it
// uses any, and their partial sums meet in shared memory. The kernel issues an instruction in about
// half of the schedulers' cycles (Nsight Compute), so the nibble conversion is kept short. Staging the
// weights through shared memory with cp.async, as the fp16 small-M product does, was slower in every
// tiling tried (cuda-notes.md, version 11). The CPU emulator runs it too (tensor_core.cuh's mma).
#include "../cuda_kernels.h"
#include "gemv_mma.cuh"

#include <cstdlib>
#include <string>
#include <utility>

namespace glm {
namespace {

using qmma::as_half2;
using qmma::as_u32;
using qmma::mma_f16;

constexpr int kI4Step = 128;  // k elements per warp step: 4 lanes × 16 bytes × 2 nibbles per row

// The eight signed nibbles of `word` as four half2: h[j] holds nibbles j and j + 4. One LOP3 masks a
// nibble pair, flips its sign bits (n' = n ^ 8 = value + 8) and ORs in 1024.0's exponent: the
// constant 0x6408_6408 is 1024.0 with bit 3 of each low nibble set, and (word & mask) ^ it does all
// three, the mask and 1024.0's bits being disjoint. Nibbles 0/4 and 2/6 then read 1024 + n', less
// 1032 the value. Nibbles 1/5 and 3/7 are taken where they are, at bit 4: (1024 + 16·n') / 16 − 72,
// one fused multiply-add, exact in fp16 — which saves the shifts that would bring them down.
__device__ __forceinline__ void nibbles_to_half2x4(uint32_t word, uint32_t (&h)[4]) {
  const __half2 bias_low = __half2(__float2half(1032.f), __float2half(1032.f));
  const __half2 sixteenth = __half2(__float2half(0.0625f), __float2half(0.0625f));
  const __half2 bias_high = __half2(__float2half(-72.f), __float2half(-72.f));
  const uint32_t upper = word >> 8;
  h[0] = as_u32(__hsub2(as_half2(qmma::and_xor(word, 0x000f000fu, 0x64086408u)), bias_low));
  h[1] = as_u32(qmma::fma_half2(as_half2(qmma::and_xor(word, 0x00f000f0u, 0x64806480u)), sixteenth, bias_high));
  h[2] = as_u32(__hsub2(as_half2(qmma::and_xor(upper, 0x000f000fu, 0x64086408u)), bias_low));
  h[3] = as_u32(qmma::fma_half2(as_half2(qmma::and_xor(upper, 0x00f000f0u, 0x64806480u)), sixteenth, bias_high));
}

// The same eight nibbles in the release's element order: h[i] = (e2i, e2i+1), the high and the low
// nibble of byte i. A byte permute puts byte i under both halves; one LOP3 keeps its high nibble in the
// low half (at bit 4) and its low nibble in the high half (at bit 0), flips their sign bits and ORs in
// 1024.0's exponent; one fused multiply-add with per-half constants ((1024 + 16·n') / 16 − 72 and
// 1024 + n' − 1032) leaves both values, exactly. Three instructions a half2 instead of about two, but the
// activations need no byte permutes (four a word and tile).
__device__ __forceinline__ void nibbles_to_half2x4_in_order(uint32_t word, uint32_t (&h)[4]) {
  const __half2 scale = __halves2half2(__float2half(0.0625f), __float2half(1.f));
  const __half2 bias = __halves2half2(__float2half(-72.f), __float2half(-1032.f));
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const uint32_t pair = __byte_perm(word, 0u, 0x4040u | (i << 8) | i);
    h[i] = as_u32(qmma::fma_half2(as_half2(qmma::and_xor(pair, 0x000f00f0u, 0x64086480u)), scale, bias));
  }
}

// One warp step: a lane's 16 bytes of its two rows in each of GROUPS feature groups and, per tile, the
// 32 activations they multiply — loaded once for all the groups.
template <int TILES, bool L2_PREFETCH, int ACCS, bool IN_ORDER, int GROUPS>
struct I4Step {
  uint4 lo[GROUPS], hi[GROUPS];
  uint4 xs[TILES][4];

  // x[j]: this lane's activation row of tile j, at its first k; has_x[j]: whether that row exists.
  __device__ __forceinline__ void load(const uint8_t* const (&w_lo)[GROUPS], const uint8_t* const (&w_hi)[GROUPS], int64_t step_bytes,
                                       const __half* const (&x)[TILES], const bool (&has_x)[TILES], int step) {
#pragma unroll
    for (int gi = 0; gi < GROUPS; ++gi) {
      lo[gi] = qmma::load_weights16<L2_PREFETCH>(w_lo[gi] + step * step_bytes);
      hi[gi] = qmma::load_weights16<L2_PREFETCH>(w_hi[gi] + step * step_bytes);
    }
#pragma unroll
    for (int j = 0; j < TILES; ++j)
#pragma unroll
      for (int q = 0; q < 4; ++q)
        xs[j][q] = has_x[j] ? *reinterpret_cast<const uint4*>(x[j] + static_cast<int64_t>(step) * kI4Step + 8 * q) : make_uint4(0, 0, 0, 0);
  }

  // The MMAs take turns over ACCS accumulator sets, so that each waits on fewer before it.
  __device__ __forceinline__ void accumulate(float (&c)[GROUPS][ACCS][TILES][4]) const {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      // Word i holds elements 8i..8i+7 of this lane's 32; xs[j][i] holds their activations (x0,x1)…(x6,x7),
      // as the MMA's B operand: b[j][0..1] for elements 0–3 of the permuted order, b[j][2..3] for 4–7.
      uint32_t b[TILES][4];
#pragma unroll
      for (int j = 0; j < TILES; ++j) {
        const uint4 xw = xs[j][i];
        if constexpr (IN_ORDER) {
          b[j][0] = xw.x, b[j][1] = xw.y, b[j][2] = xw.z, b[j][3] = xw.w;
        } else {
          // Nibbles (j, j+4) of a word are elements: j=0 → (e1,e5), 1 → (e0,e4), 2 → (e3,e7), 3 → (e2,e6).
          b[j][0] = __byte_perm(xw.x, xw.z, 0x7632), b[j][1] = __byte_perm(xw.x, xw.z, 0x5410);
          b[j][2] = __byte_perm(xw.y, xw.w, 0x7632), b[j][3] = __byte_perm(xw.y, xw.w, 0x5410);
        }
      }
#pragma unroll
      for (int gi = 0; gi < GROUPS; ++gi) {
        const uint32_t lo_word = i == 0 ? lo[gi].x : i == 1 ? lo[gi].y : i == 2 ? lo[gi].z : lo[gi].w;
        const uint32_t hi_word = i == 0 ? hi[gi].x : i == 1 ? hi[gi].y : i == 2 ? hi[gi].z : hi[gi].w;
        uint32_t l[4], h[4];
        if constexpr (IN_ORDER) {
          nibbles_to_half2x4_in_order(lo_word, l);
          nibbles_to_half2x4_in_order(hi_word, h);
        } else {
          nibbles_to_half2x4(lo_word, l);
          nibbles_to_half2x4(hi_word, h);
        }
        float (&c0)[TILES][4] = c[gi][(2 * i) % ACCS];
        float (&c1)[TILES][4] = c[gi][(2 * i + 1) % ACCS];
#pragma unroll
        for (int j = 0; j < TILES; ++j) {
          mma_f16(c0[j], l[0], h[0], l[1], h[1], b[j][0], b[j][1]);
          mma_f16(c1[j], l[2], h[2], l[3], h[3], b[j][2], b[j][3]);
        }
      }
    }
  }
};

// The kernel's choices, each measured in bench/cuda/gemv-int4.cu: WARPS per 16 features, UNROLL steps
// loaded before the first is used, TILES of 8 activation rows, PIPELINED (the next UNROLL steps are
// loaded before the current ones are used, so loads stay in flight across the whole walk over K),
// TILED (the weights of a block's 16 rows for one step lie together, 1 KiB: [N/16][K/128][16 rows][64
// bytes] — a layout made at load, bench only), L2_PREFETCH (load_weights16), ACCS accumulator sets and
// IN_ORDER (nibbles_to_half2x4_in_order instead of permuting the activations), and GROUPS: feature
// groups of 16 a block, which share each activation load — at 16 activation rows the activations are
// 32 bytes a k against the weights' 8 for one group, and every block reads them all, so with one group
// a block the products were bound by those reads (QKV at 16 rows 0.16 ms in every shape against 0.08 at
// one row, H100).
template <int WARPS, int UNROLL, int TILES, bool PIPELINED, bool TILED, bool L2_PREFETCH, int ACCS = 1, bool IN_ORDER = false, int GROUPS = 1>
__global__ void __launch_bounds__(WARPS * 32) gemv_i4_mma_kernel(GemmParams p) {
  using Step = I4Step<TILES, L2_PREFETCH, ACCS, IN_ORDER, GROUPS>;
  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2;
  const int t = lane & 3;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * 16 * GROUPS;
  const int64_t row_bytes = p.ldb / 2;
  const uint8_t* w_lo[GROUPS];
  const uint8_t* w_hi[GROUPS];
  const int64_t step_bytes = TILED ? 16 * (kI4Step / 2) : kI4Step / 2;
#pragma unroll
  for (int gi = 0; gi < GROUPS; ++gi) {
    const int64_t f0 = n0 + 16 * gi;
    if constexpr (TILED) {
      const uint8_t* tile = static_cast<const uint8_t*>(p.b) + f0 * row_bytes;
      w_lo[gi] = tile + g * (kI4Step / 2) + 16 * t;
      w_hi[gi] = tile + (g + 8) * (kI4Step / 2) + 16 * t;
    } else {
      // Rows past N read row N−1 (their sums are never stored).
      w_lo[gi] = static_cast<const uint8_t*>(p.b) + min(f0 + g, p.n - 1) * row_bytes + 16 * t;
      w_hi[gi] = static_cast<const uint8_t*>(p.b) + min(f0 + g + 8, p.n - 1) * row_bytes + 16 * t;
    }
  }
  // Activation rows past M read zeros.
  const __half* x[TILES];
  bool has_x[TILES];
#pragma unroll
  for (int j = 0; j < TILES; ++j) {
    has_x[j] = 8 * j + g < p.m;
    x[j] = static_cast<const __half*>(p.a) + (has_x[j] ? 8 * j + g : 0) * p.lda + 32 * t;
  }
  const int steps = static_cast<int>(p.k / kI4Step);

  float c[GROUPS][ACCS][TILES][4] = {};
  qmma::for_each_step<UNROLL, WARPS, PIPELINED, Step>(
      warp, steps, [&](Step& s, int step) { s.load(w_lo, w_hi, step_bytes, x, has_x, step); }, [&](const Step& s) { s.accumulate(c); });
  qmma::reduce_and_store_groups<WARPS, TILES, ACCS, GROUPS>(p, n0, c);
}

// sm_80+ (mma.sync m16n8k16) or the CPU emulator, unless GLM_CUDA_I4_MMA=0 asks for the SIMT GEMV.
bool i4_tensor_core_gemv() {
  static const bool enabled = tensor_cores_enabled("GLM_CUDA_I4_MMA");
  return enabled;
}

constexpr int kI4Warps = 4;

// Block shapes for up to 8 activation rows: warps per 16 features × steps in flight per warp, or one
// step a set, pipelined.
enum class I4Shape { w4x2, w4x3, w4x4, w8x1, w8x2, w2x4, w4x1_pipelined };

// The shape of each class of product at up to 8 rows: [0] n ≤ 12,288 (GLM-130B's dense and down
// products), [1] 12,288 < n < 49,152 (QKV), [2] n ≥ 49,152 (up). GLM_CUDA_I4_SHAPES="4x2,4x2,4x4"
// (each 4x2, 4x3, 4x4, 8x1, 8x2, 2x4 or 4x1p) sets them instead, for benchmarks: a layer can then be timed
// with each shape in one device call. Anything unreadable keeps the default.
struct I4Shapes {
  I4Shape by_class[3] = {I4Shape::w4x2, I4Shape::w4x2, I4Shape::w4x4};
};

bool parse_i4_shape(const std::string& name, I4Shape& out) {
  static const std::pair<const char*, I4Shape> names[] = {{"4x2", I4Shape::w4x2}, {"4x3", I4Shape::w4x3}, {"4x4", I4Shape::w4x4}, {"8x1", I4Shape::w8x1},
                                                          {"8x2", I4Shape::w8x2}, {"2x4", I4Shape::w2x4}, {"4x1p", I4Shape::w4x1_pipelined}};
  for (const auto& [text, shape] : names)
    if (name == text) {
      out = shape;
      return true;
    }
  return false;
}

const I4Shapes& i4_shapes() {
  static const I4Shapes shapes = [] {
    I4Shapes s;
    const char* v = std::getenv("GLM_CUDA_I4_SHAPES");
    if (!v) return s;
    I4Shapes parsed;
    std::string text(v);
    for (int i = 0; i < 3; ++i) {
      const size_t comma = text.find(',');
      if (!parse_i4_shape(text.substr(0, comma), parsed.by_class[i])) return s;
      if (i < 2 && comma == std::string::npos) return s;
      text = comma == std::string::npos ? "" : text.substr(comma + 1);
    }
    return parsed;
  }();
  return shapes;
}

void launch_i4_rows8(I4Shape shape, const GemmParams& p, Stream s) {
  const dim3 grid(static_cast<unsigned>((p.n + 15) / 16));
  switch (shape) {
    case I4Shape::w4x2: return launch(gemv_i4_mma_kernel<4, 2, 1, false, false, true>, grid, dim3(128), 0, s, p);
    case I4Shape::w4x3: return launch(gemv_i4_mma_kernel<4, 3, 1, false, false, true>, grid, dim3(128), 0, s, p);
    case I4Shape::w4x4: return launch(gemv_i4_mma_kernel<4, 4, 1, false, false, true>, grid, dim3(128), 0, s, p);
    case I4Shape::w8x1: return launch(gemv_i4_mma_kernel<8, 1, 1, false, false, true>, grid, dim3(256), 0, s, p);
    case I4Shape::w8x2: return launch(gemv_i4_mma_kernel<8, 2, 1, false, false, true>, grid, dim3(256), 0, s, p);
    case I4Shape::w2x4: return launch(gemv_i4_mma_kernel<2, 4, 1, false, false, true>, grid, dim3(64), 0, s, p);
    case I4Shape::w4x1_pipelined: return launch(gemv_i4_mma_kernel<4, 1, 1, true, false, true>, grid, dim3(128), 0, s, p);
  }
}

// Feature groups of 16 a block at 9–16 activation rows (GROUPS of gemv_i4_mma_kernel): 1 (the default
// until measured otherwise), 2 or 4; GLM_CUDA_I4_GROUPS16 sets it for benchmarks, anything else keeps
// the default.
constexpr int kI4Groups16Default = 1;

int i4_groups16() {
  static const int groups = [] {
    const char* v = std::getenv("GLM_CUDA_I4_GROUPS16");
    const int n = v ? std::atoi(v) : 0;
    return n == 1 || n == 2 || n == 4 ? n : kI4Groups16Default;
  }();
  return groups;
}

// 9–16 rows with GROUPS > 1: one accumulator set (the groups' MMAs already interleave), two steps in flight.
template <int GROUPS>
void launch_i4_rows16_grouped(const GemmParams& p, Stream s) {
  const dim3 grid(static_cast<unsigned>((p.n + 16 * GROUPS - 1) / (16 * GROUPS))), block(kI4Warps * 32);
  launch(gemv_i4_mma_kernel<kI4Warps, 2, 2, false, false, true, 1, false, GROUPS>, grid, block, 0, s, p);
}

}  // namespace

bool gemv_i4_tensor_core_fits(const GemmParams& p) {
  return p.type_b == I4 && p.type_ab == F16 && p.type_c == F16 && p.trans_b && p.batch == 1 && p.m >= 1 && p.m <= qmma::kMaxRows &&
         p.k % kI4Step == 0 && aligned16(p.a) && (p.lda * 2) % 16 == 0 && aligned16(p.b) && (p.ldb / 2) % 16 == 0 && i4_tensor_core_gemv();
}

// Measured on an H100 (bench/cuda/gemv-int4.cu, two runs; cuda-notes.md, version 12): the L2 256-byte
// prefetch hint gains 2–3 % on every batch-1 product; four steps in flight for the widest batch-1
// products (the up-projection, 65,536 features: 0.138 against 0.143 ms with two), two elsewhere (four
// make the 12,288-feature products 10–12 % slower). 9–16 activation rows: two tiles; four accumulator
// sets where there are at most 12,288 features (dense 0.062 against 0.068 ms, down 0.140 against
// 0.159 — fewer blocks, so the MMAs' dependence on each other showed), one for the wider products
// (the up-projection took 0.294 against 0.267 with four).
void launch_gemv_i4_tensor_core(const GemmParams& p, Stream s) {
  if (p.m > 8) {
    switch (i4_groups16()) {
      case 2: return launch_i4_rows16_grouped<2>(p, s);
      case 4: return launch_i4_rows16_grouped<4>(p, s);
      default: break;
    }
    const dim3 grid(static_cast<unsigned>((p.n + 15) / 16)), block(kI4Warps * 32);
    if (p.n <= 12288) launch(gemv_i4_mma_kernel<kI4Warps, 2, 2, false, false, true, 4>, grid, block, 0, s, p);
    else launch(gemv_i4_mma_kernel<kI4Warps, 2, 2, false, false, true>, grid, block, 0, s, p);
    return;
  }
  const I4Shapes& shapes = i4_shapes();
  const int size_class = p.n <= 12288 ? 0 : p.n < 49152 ? 1 : 2;
  // Four steps in flight for the widest products measured at batch 1 only (at 4 rows the
  // up-projection was slower with them: cuda-notes.md, version 11).
  if (size_class == 2 && p.m > 1 && shapes.by_class[2] == I4Shape::w4x4) return launch_i4_rows8(I4Shape::w4x2, p, s);
  launch_i4_rows8(shapes.by_class[size_class], p, s);
}

}  // namespace glm
