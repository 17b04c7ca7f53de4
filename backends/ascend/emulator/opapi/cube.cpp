#include "cube.h"

#include "core/numeric.h"
#include "core/soc.h"
#include "core/tensor_access.h"

namespace emu {

CubeInput cubeInput(Prepare &prepare, aclDataType dtype, int8_t type) {
    prepare.check(type >= 0 && type <= 4, ACLNN_ERR_PARAM_INVALID, "cubeMathType %d is not one of 0..4.", type);
    if (isOriginal910()) {
        prepare.check(type != 3, ACLNN_ERR_PARAM_INVALID, "cubeMathType 3 (USE_HF32) is not supported on Ascend910.");
        if (dtype != ACL_FLOAT) return CubeInput::Exact;
        prepare.check(type == 1 || type == 2, ACLNN_ERR_PARAM_INVALID,
                      "DT_FLOAT with cubeMathType %d is not supported on Ascend910: the Cube has no fp32 mode; "
                      "cubeMathType 1 (ALLOW_FP32_DOWN_PRECISION) computes it in FLOAT16.",
                      type);
        return CubeInput::Fp16;
    }
    if (dtype == ACL_FLOAT) {
        if (type == 1 || type == 3) return CubeInput::Hf32;
        return type == 2 ? CubeInput::Fp16 : CubeInput::Exact;
    }
    prepare.check(type != 3, ACLNN_ERR_PARAM_INVALID, "cubeMathType 3 (USE_HF32) applies to DT_FLOAT inputs only.");
    prepare.check(!(dtype == ACL_BF16 && type == 2), ACLNN_ERR_PARAM_INVALID,
                  "cubeMathType 2 (USE_FP16) is not supported for DT_BFLOAT16.");
    return CubeInput::Exact;
}

void roundCubeInputs(std::vector<float> &values, CubeInput rounding) {
    if (rounding == CubeInput::Exact) return;
    for (float &value : values) value = rounding == CubeInput::Fp16 ? roundToHalf(value) : truncateToHf32(value);
}

void cubeProduct(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n) {
    for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
            float sum = 0.0f;
            for (int64_t p = 0; p < k; ++p) sum += a[i * k + p] * b[p * n + j];
            c[i * n + j] = sum;
        }
    }
}

std::optional<MatmulShape> matmulShape(const Shape &a, const Shape &b) {
    if (a.empty() || b.empty()) return std::nullopt;
    const Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
    const Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
    MatmulShape shape;
    shape.m = a2[a2.size() - 2];
    shape.k = a2.back();
    shape.n = b2.back();
    if (b2[b2.size() - 2] != shape.k) return std::nullopt;
    const auto batch = broadcastShapes(Shape(a2.begin(), a2.end() - 2), Shape(b2.begin(), b2.end() - 2));
    if (!batch) return std::nullopt;
    shape.batch = *batch;
    shape.out = shape.batch;
    if (a.size() > 1) shape.out.push_back(shape.m);
    if (b.size() > 1) shape.out.push_back(shape.n);
    return shape;
}

// The operand seen as (batch..., rows, cols) with the batch broadcast.
static std::vector<float> operand(const aclTensor &tensor, const Shape &batch, int64_t rows, int64_t cols) {
    aclTensor matrix = tensor;
    if (tensor.rank() == 1) {  // (K) is a row for the left operand and a column for the right one
        matrix.viewDims = rows == 1 ? Shape{1, cols} : Shape{rows, 1};
        matrix.strides = rows == 1 ? Shape{0, tensor.strides[0]} : Shape{tensor.strides[0], 0};
    }
    Shape target = batch;
    target.push_back(rows);
    target.push_back(cols);
    return readFloats(matrix, broadcastView(matrix, target));
}

std::vector<float> batchedProduct(const aclTensor &a, const aclTensor &b, const MatmulShape &shape, CubeInput rounding) {
    std::vector<float> left = operand(a, shape.batch, shape.m, shape.k);
    std::vector<float> right = operand(b, shape.batch, shape.k, shape.n);
    roundCubeInputs(left, rounding);
    roundCubeInputs(right, rounding);
    const int64_t batches = elementCount(shape.batch);
    std::vector<float> out(static_cast<size_t>(batches * shape.m * shape.n));
    for (int64_t i = 0; i < batches; ++i) {
        cubeProduct(left.data() + i * shape.m * shape.k, right.data() + i * shape.k * shape.n,
                    out.data() + i * shape.m * shape.n, shape.m, shape.k, shape.n);
    }
    return out;
}

std::vector<float> scaledSum(float beta, const aclTensor &self, float alpha, const std::vector<float> &product,
                             const Shape &shape) {
    std::vector<float> out(product.size());
    const std::vector<float> addend = beta == 0.0f ? std::vector<float>() : readFloats(self, broadcastView(self, shape));
    for (size_t i = 0; i < out.size(); ++i) out[i] = (beta == 0.0f ? 0.0f : beta * addend[i]) + alpha * product[i];
    return out;
}

}  // namespace emu
