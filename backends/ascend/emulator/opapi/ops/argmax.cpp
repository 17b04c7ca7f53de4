// aclnnArgMax (ops-math math/arg_max_v2): along `dim`, the index (int64 or int32) of the first
// maximum; NaN counts as the maximum. Greedy decoding's token choice, on the device.
#include "acl_abi.h"
#include "opapi/axis.h"
#include "opapi/elementwise.h"
#include "opapi/reduce.h"

extern "C" aclnnStatus aclnnArgMaxGetWorkspaceSize(const aclTensor *self, int64_t dim, bool keepdim, aclTensor *out,
                                        uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("ArgMax");
    prepare.input("self", self).output("out", out);
    prepare.dtypeIn("self", self, kNumericTypes).dtypeIn("out", out, {ACL_INT64, ACL_INT32});
    if (!prepare.ok()) return prepare.status();
    prepare.check(normaliseDim(dim, self->rank()), ACLNN_ERR_PARAM_INVALID, "dim is out of range for self %s.",
                  shapeText(self->viewDims).c_str());
    if (!prepare.ok()) return prepare.status();
    prepare.shapeIs("out", out, alongDimShape(self->viewDims, dim, keepdim));
    if (!prepare.ok()) return prepare.status();
    const Axis axis = axisOf(self->viewDims, self->rank() ? dim : 0);
    return prepare.finish(workspaceSize, executor, [axis](const aclOpExecutor &ex) {
        const std::vector<float> x = readFloats(ex.tensor(0));
        std::vector<int64_t> positions;
        for (int64_t o = 0; o < axis.outer; ++o) {
            for (int64_t r = 0; r < axis.inner; ++r) {
                positions.push_back(firstMax(x, axis, o, r));
            }
        }
        writeInts(ex.tensor(1), positions);
        return ACL_SUCCESS;
    }, kReduceWorkspace);
}
