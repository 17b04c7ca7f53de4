// What the fused attention ops share: their input layouts, reading (B, N, S, D) tensors in any of
// them, and one head's masked softmax attention — scores from the Cube (fp32 accumulation), scaled,
// masked positions excluded, softmax in fp32, the weighted sum of values in fp32, rounded once when
// written. Real kernels round the probabilities to fp16/bf16 before their second product; the
// emulator does not (docs/backends/ascend-emulator.md).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor_access.h"
#include "op_kit.h"

namespace emu {

enum class Layout { BSH, SBH, BSND, BNSD };

bool parseLayout(const char *text, Layout &layout);

// A (batch, heads, seq, headDim) view of a tensor in `layout` (BSH and SBH split H into heads).
struct HeadsView {
    int64_t batch = 0;
    int64_t heads = 0;
    int64_t seq = 0;
    int64_t headDim = 0;
    View view;  // dims (batch, heads, seq, headDim) over the tensor's storage
};

// Fails (false) when the tensor's rank does not fit the layout or H is not a multiple of `heads`.
// For BSND and BNSD `heads` is read from the tensor (pass 0); for BSH and SBH it must be given.
bool headsView(const aclTensor &tensor, Layout layout, int64_t heads, HeadsView &out);

// One row's attention inputs: which key positions it may see and an additive bias, if any.
struct RowMask {
    std::function<bool(int64_t i, int64_t j)> masked;  // true: excluded
    std::function<float(int64_t i, int64_t j)> bias;   // added to the scaled score (may be empty)
};

struct HeadResult {
    std::vector<float> out;     // (qLen, headDim)
    std::vector<float> rowMax;  // per query row: the largest scaled score (-inf when all masked)
    std::vector<float> rowSum;  // per query row: sum of exp(score - rowMax)
};

// q (qLen x d), k and v (kvLen x d), row-major fp32. A fully masked row yields zeros.
HeadResult attendHead(const float *q, const float *k, const float *v, int64_t qLen, int64_t kvLen, int64_t d, float scale,
                      const RowMask &mask);

}  // namespace emu
