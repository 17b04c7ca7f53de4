// aclnnGatherV2 (ops-nn index/gather_v2): out = index_select(self, dim, index) with index of any
// shape: out.shape = self.shape[:dim] + index.shape + self.shape[dim + 1:].
#include "acl_abi.h"
#include "opapi/axis.h"
#include "opapi/elementwise.h"
#include "opapi/gather.h"

extern "C" aclnnStatus aclnnGatherV2GetWorkspaceSize(const aclTensor *self, int64_t dim, const aclTensor *index, aclTensor *out,
                                          uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("GatherV2");
    prepare.input("self", self).input("index", index).output("out", out);
    prepare.dtypeIn("self", self, kNumericTypes).sameDtype("out", out, "self", self);
    prepare.dtypeIn("index", index, {ACL_INT32, ACL_INT64});
    if (!prepare.ok()) return prepare.status();
    prepare.check(self->rank() > 0 && normaliseDim(dim, self->rank()), ACLNN_ERR_PARAM_INVALID, "dim is out of range for self %s.",
                  shapeText(self->viewDims).c_str());
    if (!prepare.ok()) return prepare.status();
    Shape shape(self->viewDims.begin(), self->viewDims.begin() + dim);
    shape.insert(shape.end(), index->viewDims.begin(), index->viewDims.end());
    shape.insert(shape.end(), self->viewDims.begin() + dim + 1, self->viewDims.end());
    prepare.shapeIs("out", out, shape);
    if (!prepare.ok()) return prepare.status();
    const Axis axis = axisOf(self->viewDims, dim);
    return prepare.finish(workspaceSize, executor, [axis](const aclOpExecutor &ex) {
        return gatherRows(ex.tensor(0), axis.outer, axis.size, axis.inner, ex.tensor(1), ex.tensor(2), "GatherV2");
    });
}
