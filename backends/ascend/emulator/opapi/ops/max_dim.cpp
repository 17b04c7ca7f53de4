// aclnnMaxDim (ops-math math/arg_max_with_value): along `dim`, the maximum and the index of its first
// occurrence (int64 or int32); NaN counts as the maximum.
#include "acl_abi.h"
#include "opapi/axis.h"
#include "opapi/elementwise.h"
#include "opapi/reduce.h"

extern "C" aclnnStatus aclnnMaxDimGetWorkspaceSize(const aclTensor *self, int64_t dim, bool keepdim, aclTensor *out, aclTensor *indices,
                                        uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("MaxDim");
    prepare.input("self", self).output("out", out).output("indices", indices);
    prepare.dtypeIn("self", self, kNumericTypes).sameDtype("out", out, "self", self);
    prepare.dtypeIn("indices", indices, {ACL_INT64, ACL_INT32});
    if (!prepare.ok()) return prepare.status();
    prepare.check(normaliseDim(dim, self->rank()), ACLNN_ERR_PARAM_INVALID, "dim is out of range for self %s.",
                  shapeText(self->viewDims).c_str());
    if (!prepare.ok()) return prepare.status();
    const Shape shape = alongDimShape(self->viewDims, dim, keepdim);
    prepare.shapeIs("out", out, shape).shapeIs("indices", indices, shape);
    if (!prepare.ok()) return prepare.status();
    const Axis axis = axisOf(self->viewDims, self->rank() ? dim : 0);
    return prepare.finish(workspaceSize, executor, [axis](const aclOpExecutor &ex) {
        const std::vector<float> x = readFloats(ex.tensor(0));
        std::vector<float> values;
        std::vector<int64_t> positions;
        for (int64_t o = 0; o < axis.outer; ++o) {
            for (int64_t r = 0; r < axis.inner; ++r) {
                const int64_t best = firstMax(x, axis, o, r);
                values.push_back(x[axis.at(o, best, r)]);
                positions.push_back(best);
            }
        }
        writeFloats(ex.tensor(1), values);
        writeInts(ex.tensor(2), positions);
        return ACL_SUCCESS;
    }, kReduceWorkspace);
}
