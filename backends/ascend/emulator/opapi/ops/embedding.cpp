// aclnnEmbedding (ops-nn index/embedding): out = weight[indices], weight (V, D), out
// indices.shape + (D).
#include "acl_abi.h"
#include "opapi/elementwise.h"
#include "opapi/gather.h"

extern "C" aclnnStatus aclnnEmbeddingGetWorkspaceSize(const aclTensor *weight, const aclTensor *indices, const aclTensor *out,
                                           uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Embedding");
    prepare.input("weight", weight).input("indices", indices).output("out", out);
    prepare.dtypeIn("weight", weight, kFloatTypes).sameDtype("out", out, "weight", weight);
    prepare.dtypeIn("indices", indices, {ACL_INT32, ACL_INT64});
    if (!prepare.ok()) return prepare.status();
    prepare.check(weight->rank() == 2, ACLNN_ERR_PARAM_INVALID, "weight must be 2-D, not %s.", shapeText(weight->viewDims).c_str());
    if (!prepare.ok()) return prepare.status();
    Shape shape = indices->viewDims;
    shape.push_back(weight->viewDims[1]);
    prepare.shapeIs("out", out, shape);
    if (!prepare.ok()) return prepare.status();
    const int64_t rows = weight->viewDims[0];
    const int64_t width = weight->viewDims[1];
    return prepare.finish(workspaceSize, executor, [rows, width](const aclOpExecutor &ex) {
        return gatherRows(ex.tensor(0), 1, rows, width, ex.tensor(1), ex.tensor(2), "Embedding");
    });
}
