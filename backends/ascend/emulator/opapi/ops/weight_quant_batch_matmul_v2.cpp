// aclnnWeightQuantBatchMatmulV2 (ops-nn matmul/weight_quant_batch_matmul_v2), A2 and A3:
// y = x @ ((weight + antiquantOffset) * antiquantScale) + bias. x (m, k) fp16/bf16; weight (k, n)
// INT8 or INT4 (signed, element 2i in the low nibble), either as stored or a transposed view;
// scale and offset of x's dtype, per tensor (1), per channel ((n) or (1, n), group size 0) or per
// group ((ceil(k / group), n), group a multiple of 32 in [32, k - 1]); bias (n) or (1, n), x's dtype
// (FLOAT too for bf16). k and n must lie in [1, 65535] (its doc, l.292 and l.367): GLM-130B's
// 65536-wide up-projection takes two calls. The anti-quantised weight is rounded once to x's dtype
// (the model's choice: the kernel's internal roundings are not public), then the Cube accumulates
// in fp32 and y is rounded once. Output quantisation (quantScale, quantOffset) is not modelled.
#include <cmath>

#include "acl_abi.h"
#include "core/dtype.h"
#include "core/tensor_access.h"
#include "opapi/cube.h"

namespace {

constexpr int64_t kMaxDim = 65535;

// Rows of the scale/offset table each k index reads (per group) or 0 (per channel, per tensor).
struct Grouping {
    int64_t group;   // 0: one row for every k
    bool perTensor;  // one value for everything
};

// The dequantised weight (k x n), row-major, each element rounded to `dtype`.
std::vector<float> dequantise(const aclOpExecutor &ex, int64_t k, int64_t n, Grouping grouping, aclDataType dtype) {
    using namespace emu;
    const std::vector<float> w = readFloats(ex.tensor(1));
    const std::vector<float> scale = readFloats(ex.tensor(2));
    const std::vector<float> offset = ex.optional(3) ? readFloats(*ex.optional(3)) : std::vector<float>();
    std::vector<float> out(w.size());
    for (int64_t r = 0; r < k; ++r) {
        const int64_t row = grouping.group ? r / grouping.group : 0;
        for (int64_t c = 0; c < n; ++c) {
            const size_t at = grouping.perTensor ? 0 : static_cast<size_t>(row * n + c);
            const float shift = offset.empty() ? 0.0f : offset[at];
            out[r * n + c] = roundTo(dtype, (w[r * n + c] + shift) * scale[at]);
        }
    }
    return out;
}

// Checks the scale (and offset) shape against the grouping; returns it.
Grouping grouping(emu::Prepare &prepare, const aclTensor *scale, int64_t k, int64_t n, int groupSize) {
    using namespace emu;
    const bool perTensor = scale->numel() == 1 && groupSize == 0;
    const bool perChannel = groupSize == 0 && (scale->viewDims == Shape{n} || scale->viewDims == Shape{1, n});
    const bool groupOk = groupSize == 0 || (groupSize % 32 == 0 && groupSize >= 32 && groupSize <= k - 1);
    prepare.check(groupOk, ACLNN_ERR_PARAM_INVALID, "antiquantGroupSize %d must be 0 or a multiple of 32 in [32, k - 1].",
                  groupSize);
    const Shape grouped{(k + groupSize - 1) / (groupSize ? groupSize : 1), n};
    prepare.check(perTensor || perChannel || (groupSize && scale->viewDims == grouped), ACLNN_ERR_PARAM_INVALID,
                  "antiquantScale %s must be (1), (n), (1, n) or, per group, (ceil(k / group), n).",
                  shapeText(scale->viewDims).c_str());
    return {groupSize, perTensor};
}

}  // namespace

extern "C" aclnnStatus aclnnWeightQuantBatchMatmulV2GetWorkspaceSize(const aclTensor *x, const aclTensor *weight,
                                                          const aclTensor *antiquantScale,
                                                          const aclTensor *antiquantOffsetOptional,
                                                          const aclTensor *quantScaleOptional,
                                                          const aclTensor *quantOffsetOptional, const aclTensor *biasOptional,
                                                          int antiquantGroupSize, const aclTensor *y,
                                                          uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("WeightQuantBatchMatmulV2");
    prepare.input("x", x).input("weight", weight).input("antiquantScale", antiquantScale);
    prepare.optionalInput("antiquantOffsetOptional", antiquantOffsetOptional).optionalInput("quantScaleOptional", quantScaleOptional);
    prepare.optionalInput("quantOffsetOptional", quantOffsetOptional).optionalInput("biasOptional", biasOptional).output("y", y);
    prepare.dtypeIn("x", x, {ACL_FLOAT16, ACL_BF16}).sameDtype("y", y, "x", x).dtypeIn("weight", weight, {ACL_INT8, ACL_INT4});
    prepare.sameDtype("antiquantScale", antiquantScale, "x", x).sameDtype("antiquantOffsetOptional", antiquantOffsetOptional, "x", x);
    prepare.check(!quantScaleOptional && !quantOffsetOptional, ACLNN_ERR_PARAM_INVALID,
                  "output quantisation (quantScale, quantOffset) is not modelled by the emulator.");
    if (!prepare.ok()) return prepare.status();
    prepare.check(x->rank() == 2 && weight->rank() == 2 && x->viewDims[1] == weight->viewDims[0], ACLNN_ERR_PARAM_INVALID,
                  "x %s and weight %s must be (m, k) and (k, n).", shapeText(x->viewDims).c_str(), shapeText(weight->viewDims).c_str());
    if (!prepare.ok()) return prepare.status();
    const int64_t m = x->viewDims[0], k = x->viewDims[1], n = weight->viewDims[1];
    prepare.check(k >= 1 && k <= kMaxDim && n >= 1 && n <= kMaxDim, ACLNN_ERR_PARAM_INVALID,
                  "k %lld and n %lld must lie in [1, 65535]: split the weight's columns into several calls.",
                  static_cast<long long>(k), static_cast<long long>(n));
    const bool innerEven = weight->strides[1] == 1 ? n % 2 == 0 : k % 2 == 0;
    prepare.check(weight->dtype != ACL_INT4 || innerEven, ACLNN_ERR_PARAM_INVALID, "an INT4 weight needs an even inner axis.");
    const Grouping groups = grouping(prepare, antiquantScale, k, n, antiquantGroupSize);
    prepare.shapeIs("antiquantOffsetOptional", antiquantOffsetOptional, antiquantScale->viewDims);
    if (biasOptional) {
        prepare.check(biasOptional->viewDims == Shape{n} || biasOptional->viewDims == Shape{1, n}, ACLNN_ERR_PARAM_INVALID,
                      "bias %s must be (n) or (1, n).", shapeText(biasOptional->viewDims).c_str());
        prepare.check(biasOptional->dtype == x->dtype || (x->dtype == ACL_BF16 && biasOptional->dtype == ACL_FLOAT),
                      ACLNN_ERR_PARAM_INVALID, "bias must have x's dtype (or DT_FLOAT for DT_BFLOAT16 x).");
    }
    prepare.shapeIs("y", y, {m, n});
    if (!prepare.ok()) return prepare.status();
    const aclDataType dtype = x->dtype;
    return prepare.finish(workspaceSize, executor, [=](const aclOpExecutor &ex) {
        const std::vector<float> a = readFloats(ex.tensor(0));
        const std::vector<float> w = dequantise(ex, k, n, groups, dtype);
        std::vector<float> out(static_cast<size_t>(m * n));
        cubeProduct(a.data(), w.data(), out.data(), m, k, n);
        if (const aclTensor *bias = ex.optional(6)) {
            const std::vector<float> b = readFloats(*bias);
            for (int64_t r = 0; r < m; ++r) {
                for (int64_t c = 0; c < n; ++c) out[r * n + c] += b[c];
            }
        }
        writeFloats(ex.tensor(7), out);
        return ACL_SUCCESS;
    }, kCubeWorkspace);
}
