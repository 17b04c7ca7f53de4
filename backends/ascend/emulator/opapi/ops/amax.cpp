// aclnnAmax (ops-math math/reduce_max): the maximum over `dim` (empty: all dims); NaN wins, as in
// torch.amax.
#include <cmath>

#include "acl_abi.h"
#include "opapi/axis.h"
#include "opapi/elementwise.h"
#include "opapi/reduce.h"

extern "C" aclnnStatus aclnnAmaxGetWorkspaceSize(const aclTensor *self, const aclIntArray *dim, bool keepDim, aclTensor *out,
                                      uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Amax");
    prepare.input("self", self).output("out", out).notNull("dim", dim);
    prepare.dtypeIn("self", self, kNumericTypes).sameDtype("out", out, "self", self);
    if (!prepare.ok()) return prepare.status();
    const std::vector<bool> reduce = reductionDims(prepare, self->viewDims, dim->values);
    if (!prepare.ok()) return prepare.status();
    prepare.shapeIs("out", out, reducedShape(self->viewDims, reduce, keepDim));
    if (!prepare.ok()) return prepare.status();
    const std::vector<int64_t> targets = reductionTargets(self->viewDims, reduce);
    return prepare.finish(workspaceSize, executor, [targets](const aclOpExecutor &ex) {
        const aclTensor &out = ex.tensor(1);
        std::vector<float> max(static_cast<size_t>(out.numel()), -INFINITY);
        const std::vector<float> x = readFloats(ex.tensor(0));
        for (size_t i = 0; i < x.size(); ++i) {
            float &m = max[targets[i]];
            if (std::isnan(x[i]) || x[i] > m) m = std::isnan(m) ? m : x[i];
        }
        writeFloats(out, max);
        return ACL_SUCCESS;
    }, kReduceWorkspace);
}
