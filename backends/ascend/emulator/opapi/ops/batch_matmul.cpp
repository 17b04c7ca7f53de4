// aclnnBatchMatMul (ops-nn matmul/batch_mat_mul_v3): (B, M, K) x (B, K, N), batches broadcasting.
#include "acl_abi.h"
#include "opapi/cube.h"
#include "core/tensor_access.h"

extern "C" aclnnStatus aclnnBatchMatMulGetWorkspaceSize(const aclTensor *self, const aclTensor *mat2, aclTensor *out,
                                             int8_t cubeMathType, uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("BatchMatMul");
    prepare.input("self", self).input("mat2", mat2).output("out", out);
    prepare.dtypeIn("self", self, {ACL_FLOAT16, ACL_BF16, ACL_FLOAT});
    prepare.sameDtype("mat2", mat2, "self", self).sameDtype("out", out, "self", self);
    if (!prepare.ok()) return prepare.status();
    prepare.check(self->rank() == 3 && mat2->rank() == 3, ACLNN_ERR_PARAM_INVALID, "self and mat2 must be 3-D.");
    const auto shape = matmulShape(self->viewDims, mat2->viewDims);
    prepare.check(shape.has_value(), ACLNN_ERR_PARAM_INVALID, "self %s and mat2 %s cannot be multiplied.",
                  shapeText(self->viewDims).c_str(), shapeText(mat2->viewDims).c_str());
    if (shape) prepare.shapeIs("out", out, shape->out);
    const CubeInput rounding = cubeInput(prepare, self->dtype, cubeMathType);
    if (!prepare.ok()) return prepare.status();
    return prepare.finish(workspaceSize, executor, [shape = *shape, rounding](const aclOpExecutor &ex) {
        writeFloats(ex.tensor(2), batchedProduct(ex.tensor(0), ex.tensor(1), shape, rounding));
        return ACL_SUCCESS;
    }, kCubeWorkspace);
}
