// aclnnReduceSum (ops-math math/reduce_sum): sums over `dims` (empty: all), accumulated in fp32
// (int64 for integers) in row-major order, the result in `dtype` (out's dtype).
#include "acl_abi.h"
#include "core/dtype.h"
#include "opapi/axis.h"
#include "opapi/elementwise.h"
#include "opapi/reduce.h"

extern "C" aclnnStatus aclnnReduceSumGetWorkspaceSize(const aclTensor *self, const aclIntArray *dims, bool keepDims, aclDataType dtype,
                                           aclTensor *out, uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("ReduceSum");
    prepare.input("self", self).output("out", out).notNull("dims", dims);
    prepare.dtypeIn("self", self, kNumericTypes);
    if (!prepare.ok()) return prepare.status();
    prepare.check(out->dtype == dtype, ACLNN_ERR_PARAM_INVALID, "out dtype %s should be dtype %s.", dtypeName(out->dtype),
                  dtypeName(dtype));
    const std::vector<bool> reduce = reductionDims(prepare, self->viewDims, dims->values);
    if (!prepare.ok()) return prepare.status();
    prepare.shapeIs("out", out, reducedShape(self->viewDims, reduce, keepDims));
    if (!prepare.ok()) return prepare.status();
    const std::vector<int64_t> targets = reductionTargets(self->viewDims, reduce);
    return prepare.finish(workspaceSize, executor, [targets](const aclOpExecutor &ex) {
        const aclTensor &in = ex.tensor(0);
        const aclTensor &out = ex.tensor(1);
        if (isIntegral(in.dtype) && isIntegral(out.dtype)) {
            std::vector<int64_t> sums(static_cast<size_t>(out.numel()), 0);
            const std::vector<int64_t> x = readInts(in);
            for (size_t i = 0; i < x.size(); ++i) sums[targets[i]] += x[i];
            writeInts(out, sums);
            return ACL_SUCCESS;
        }
        std::vector<float> sums(static_cast<size_t>(out.numel()), 0.0f);
        const std::vector<float> x = readFloats(in);
        for (size_t i = 0; i < x.size(); ++i) sums[targets[i]] += x[i];
        writeFloats(out, sums);
        return ACL_SUCCESS;
    }, kReduceWorkspace);
}
