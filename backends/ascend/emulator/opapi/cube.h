// The Cube unit's products (Matmul, BatchMatMul, Baddbmm, Addmm; WQBMM and attention use
// cubeProduct too): inputs in their storage dtype, products accumulated in fp32, the result rounded
// once to the output dtype by the caller's write. The summation runs in k order, so results match
// hardware to fp32 accumulation error, not bit for bit (the hardware's order is not public).
#pragma once

#include <optional>
#include <vector>

#include "op_kit.h"

namespace emu {

// How the Cube reads fp32 inputs, per cubeMathType (ops-nn aclnnMatmul.md): exactly, rounded to
// fp16 (910: 1, 2; A2/A3: 2), or as HF32 (A2/A3: 1, 3).
enum class CubeInput { Exact, Fp16, Hf32 };

// Checks cubeMathType for the inputs' dtype on the modelled SoC and says how the inputs are read.
CubeInput cubeInput(Prepare &prepare, aclDataType dtype, int8_t cubeMathType);
void roundCubeInputs(std::vector<float> &values, CubeInput rounding);

// c (m x n) = a (m x k) . b (k x n), row-major.
void cubeProduct(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n);

// A matmul's shapes, torch.matmul style: a 1-D operand gains a unit M (or N) that the output drops;
// batch dims broadcast.
struct MatmulShape {
    Shape batch;
    int64_t m = 0;
    int64_t k = 0;
    int64_t n = 0;
    Shape out;
};
std::optional<MatmulShape> matmulShape(const Shape &a, const Shape &b);

// The product of every batch, row-major (batch..., m, n), in fp32.
std::vector<float> batchedProduct(const aclTensor &a, const aclTensor &b, const MatmulShape &shape, CubeInput rounding);

// beta * self + alpha * product, in fp32 (self broadcast to the product's shape; beta 0 ignores it).
std::vector<float> scaledSum(float beta, const aclTensor &self, float alpha, const std::vector<float> &product,
                             const Shape &shape);

}  // namespace emu
