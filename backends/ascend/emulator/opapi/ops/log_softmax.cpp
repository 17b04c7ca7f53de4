// aclnnLogSoftmax (ops-nn activation/log_softmax_v2): x - max - log(sum(exp(x - max))) along `dim`,
// in fp32. On the original 910 too, where aclnnLog is not: beam search's log-probabilities.
#include <cmath>

#include "acl_abi.h"
#include "core/tensor_access.h"
#include "opapi/axis.h"
#include "opapi/elementwise.h"

extern "C" aclnnStatus aclnnLogSoftmaxGetWorkspaceSize(const aclTensor *self, int64_t dim, aclTensor *out, uint64_t *workspaceSize,
                                            aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("LogSoftmax");
    prepare.input("self", self).output("out", out);
    prepare.dtypeIn("self", self, kFloatTypes).dtypeIn("out", out, kFloatTypes);
    if (!prepare.ok()) return prepare.status();
    prepare.check(normaliseDim(dim, self->rank()), ACLNN_ERR_PARAM_INVALID, "dim is out of range for self %s.",
                  shapeText(self->viewDims).c_str());
    prepare.shapeIs("out", out, self->viewDims);
    if (!prepare.ok()) return prepare.status();
    const Axis axis = axisOf(self->viewDims, dim);
    return prepare.finish(workspaceSize, executor, [axis](const aclOpExecutor &ex) {
        std::vector<float> x = readFloats(ex.tensor(0));
        for (int64_t o = 0; o < axis.outer; ++o) {
            for (int64_t r = 0; r < axis.inner; ++r) {
                float max = -INFINITY;
                for (int64_t i = 0; i < axis.size; ++i) max = std::fmax(max, x[axis.at(o, i, r)]);
                float sum = 0.0f;
                for (int64_t i = 0; i < axis.size; ++i) sum += std::exp(x[axis.at(o, i, r)] - max);
                const float shift = max + std::log(sum);
                for (int64_t i = 0; i < axis.size; ++i) x[axis.at(o, i, r)] -= shift;
            }
        }
        writeFloats(ex.tensor(1), x);
        return ACL_SUCCESS;
    }, kReduceWorkspace);
}
