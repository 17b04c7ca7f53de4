// aclnnRmsNorm (ops-nn norm/rms_norm): over gamma's trailing dims of x, in fp32:
// yOut = x · rstd · gamma, rstd = 1 / sqrt(mean(x²) + epsilon) — no mean subtracted, no bias. gamma
// has x's dtype or FLOAT (for FLOAT16/BFLOAT16 x); rstdOut is FLOAT, shaped as x's leading dims (the
// doc's rank-reduced form, or with gamma's dims kept as 1s, as torch_npu's npu_rms_norm returns it).
// 910B, 910_93 (and 310P) only, not the original 910.
#include <algorithm>
#include <cmath>

#include "acl_abi.h"
#include "core/tensor_access.h"
#include "opapi/elementwise.h"

namespace {

bool isRstdShape(const Shape &rstd, const Shape &leading, size_t normalizedRank) {
    if (rstd == leading) return true;
    Shape kept = leading;
    kept.resize(leading.size() + normalizedRank, 1);
    return rstd == kept;
}

}  // namespace

extern "C" aclnnStatus aclnnRmsNormGetWorkspaceSize(const aclTensor *x, const aclTensor *gamma, double epsilon, const aclTensor *yOut,
                                                    const aclTensor *rstdOut, uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("RmsNorm");
    prepare.input("x", x).input("gamma", gamma).output("yOut", yOut).output("rstdOut", rstdOut);
    prepare.dtypeIn("x", x, kFloatTypes).sameDtype("yOut", yOut, "x", x).dtypeIn("rstdOut", rstdOut, {ACL_FLOAT});
    if (!prepare.ok()) return prepare.status();
    prepare.check(gamma->dtype == x->dtype || gamma->dtype == ACL_FLOAT, ACLNN_ERR_PARAM_INVALID, "gamma must have x's dtype or DT_FLOAT.");
    const Shape &dims = x->viewDims;
    const Shape &normalized = gamma->viewDims;
    const bool trailing = !normalized.empty() && normalized.size() <= dims.size() &&
                          std::equal(normalized.begin(), normalized.end(), dims.end() - normalized.size());
    prepare.check(trailing, ACLNN_ERR_PARAM_INVALID, "gamma %s is not the trailing dims of x %s.", shapeText(normalized).c_str(),
                  shapeText(dims).c_str());
    prepare.shapeIs("yOut", yOut, dims);
    if (!prepare.ok()) return prepare.status();
    const Shape leading(dims.begin(), dims.end() - static_cast<int64_t>(normalized.size()));
    prepare.check(isRstdShape(rstdOut->viewDims, leading, normalized.size()), ACLNN_ERR_PARAM_INVALID,
                  "rstdOut %s is not x's leading dims %s.", shapeText(rstdOut->viewDims).c_str(), shapeText(leading).c_str());
    if (!prepare.ok()) return prepare.status();
    const int64_t width = elementCount(normalized);
    const float eps = static_cast<float>(epsilon);
    return prepare.finish(workspaceSize, executor, [width, eps](const aclOpExecutor &ex) {
        const std::vector<float> values = readFloats(ex.tensor(0));
        const std::vector<float> weight = readFloats(ex.tensor(1));
        const int64_t rows = width ? static_cast<int64_t>(values.size()) / width : 0;
        std::vector<float> y(values.size()), rstd(static_cast<size_t>(rows));
        for (int64_t r = 0; r < rows; ++r) {
            const float *row = values.data() + r * width;
            float squares = 0.0f;
            for (int64_t i = 0; i < width; ++i) squares += row[i] * row[i];
            rstd[r] = 1.0f / std::sqrt(squares / static_cast<float>(width) + eps);
            for (int64_t i = 0; i < width; ++i) y[r * width + i] = row[i] * rstd[r] * weight[i];
        }
        writeFloats(ex.tensor(2), y);
        writeFloats(ex.tensor(3), rstd);
        return ACL_SUCCESS;
    }, kReduceWorkspace);
}
