// aclnnLayerNorm (ops-nn norm/layer_norm_v4): over the trailing normalizedShape dims, in fp32:
// out = (x - mean) * rstd * weight + bias, rstd = 1 / sqrt(var + eps) with the biased variance.
// weight and bias are optional (1 and 0), of input's dtype or FLOAT; meanOut and rstdOut (optional)
// have input's dtype and shape [A..., 1, ..., 1].
#include <algorithm>
#include <cmath>

#include "acl_abi.h"
#include "core/tensor_access.h"
#include "opapi/elementwise.h"

namespace {

// mean and rstd of each of `rows` rows of `width` values, in fp32.
void moments(const std::vector<float> &x, int64_t rows, int64_t width, float eps, std::vector<float> &mean,
             std::vector<float> &rstd) {
    for (int64_t r = 0; r < rows; ++r) {
        const float *row = x.data() + r * width;
        float sum = 0.0f;
        for (int64_t i = 0; i < width; ++i) sum += row[i];
        const float m = sum / static_cast<float>(width);
        float squares = 0.0f;
        for (int64_t i = 0; i < width; ++i) squares += (row[i] - m) * (row[i] - m);
        mean[r] = m;
        rstd[r] = 1.0f / std::sqrt(squares / static_cast<float>(width) + eps);
    }
}

}  // namespace

extern "C" aclnnStatus aclnnLayerNormGetWorkspaceSize(const aclTensor *input, const aclIntArray *normalizedShape,
                                           const aclTensor *weightOptional, const aclTensor *biasOptional, double eps,
                                           aclTensor *out, aclTensor *meanOutOptional, aclTensor *rstdOutOptional,
                                           uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("LayerNorm");
    prepare.input("input", input).optionalInput("weightOptional", weightOptional).optionalInput("biasOptional", biasOptional);
    prepare.output("out", out).optionalOutput("meanOutOptional", meanOutOptional).optionalOutput("rstdOutOptional", rstdOutOptional);
    prepare.notNull("normalizedShape", normalizedShape);
    prepare.dtypeIn("input", input, kFloatTypes).sameDtype("out", out, "input", input);
    if (!prepare.ok()) return prepare.status();
    const Shape &dims = input->viewDims;
    const Shape normalized = normalizedShape->values;
    const bool trailing = !normalized.empty() && normalized.size() <= dims.size() &&
                          std::equal(normalized.begin(), normalized.end(), dims.end() - normalized.size());
    prepare.check(trailing, ACLNN_ERR_PARAM_INVALID, "normalizedShape %s is not the trailing dims of input %s.",
                  shapeText(normalized).c_str(), shapeText(dims).c_str());
    prepare.shapeIs("out", out, dims).shapeIs("weightOptional", weightOptional, normalized);
    prepare.shapeIs("biasOptional", biasOptional, normalized);
    for (const aclTensor *affine : {weightOptional, biasOptional}) {
        prepare.check(!affine || affine->dtype == input->dtype || affine->dtype == ACL_FLOAT, ACLNN_ERR_PARAM_INVALID,
                      "weight and bias must have input's dtype or DT_FLOAT.");
    }
    Shape statShape(dims.begin(), dims.end() - static_cast<int64_t>(normalized.size()));
    statShape.resize(dims.size(), 1);
    prepare.shapeIs("meanOutOptional", meanOutOptional, statShape).shapeIs("rstdOutOptional", rstdOutOptional, statShape);
    prepare.sameDtype("meanOutOptional", meanOutOptional, "input", input);
    prepare.sameDtype("rstdOutOptional", rstdOutOptional, "input", input);
    if (!prepare.ok()) return prepare.status();
    const int64_t width = elementCount(normalized);
    const float epsilon = static_cast<float>(eps);
    return prepare.finish(workspaceSize, executor, [width, epsilon](const aclOpExecutor &ex) {
        const std::vector<float> x = readFloats(ex.tensor(0));
        const int64_t rows = width ? static_cast<int64_t>(x.size()) / width : 0;
        std::vector<float> mean(rows), rstd(rows);
        moments(x, rows, width, epsilon, mean, rstd);
        const std::vector<float> weight = ex.optional(1) ? readFloats(*ex.optional(1)) : std::vector<float>(width, 1.0f);
        const std::vector<float> bias = ex.optional(2) ? readFloats(*ex.optional(2)) : std::vector<float>(width, 0.0f);
        std::vector<float> y(x.size());
        for (int64_t r = 0; r < rows; ++r) {
            for (int64_t i = 0; i < width; ++i) y[r * width + i] = (x[r * width + i] - mean[r]) * rstd[r] * weight[i] + bias[i];
        }
        writeFloats(ex.tensor(3), y);
        if (ex.optional(4)) writeFloats(*ex.optional(4), mean);
        if (ex.optional(5)) writeFloats(*ex.optional(5), rstd);
        return ACL_SUCCESS;
    }, kReduceWorkspace);
}
