// aclnnBaddbmm (ops-nn matmul/batch_mat_mul_v3): out = beta * self + alpha * (batch1 @ batch2), the
// product accumulated in fp32 and the sum rounded once; self broadcasts to (B, M, N).
#include "acl_abi.h"
#include "opapi/cube.h"
#include "core/tensor_access.h"

extern "C" aclnnStatus aclnnBaddbmmGetWorkspaceSize(const aclTensor *self, const aclTensor *batch1, const aclTensor *batch2,
                                         const aclScalar *beta, const aclScalar *alpha, aclTensor *out,
                                         int8_t cubeMathType, uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Baddbmm");
    prepare.input("self", self).input("batch1", batch1).input("batch2", batch2).output("out", out);
    prepare.notNull("beta", beta).notNull("alpha", alpha);
    prepare.dtypeIn("batch1", batch1, {ACL_FLOAT16, ACL_BF16, ACL_FLOAT});
    prepare.sameDtype("batch2", batch2, "batch1", batch1).sameDtype("out", out, "batch1", batch1);
    prepare.dtypeIn("self", self, {ACL_FLOAT16, ACL_BF16, ACL_FLOAT});
    if (!prepare.ok()) return prepare.status();
    prepare.check(batch1->rank() == 3 && batch2->rank() == 3, ACLNN_ERR_PARAM_INVALID, "batch1 and batch2 must be 3-D.");
    const auto shape = matmulShape(batch1->viewDims, batch2->viewDims);
    prepare.check(shape.has_value(), ACLNN_ERR_PARAM_INVALID, "batch1 %s and batch2 %s cannot be multiplied.",
                  shapeText(batch1->viewDims).c_str(), shapeText(batch2->viewDims).c_str());
    if (shape) {
        prepare.shapeIs("out", out, shape->out);
        prepare.check(broadcastsTo(self->viewDims, shape->out), ACLNN_ERR_PARAM_INVALID, "self %s does not broadcast to %s.",
                      shapeText(self->viewDims).c_str(), shapeText(shape->out).c_str());
    }
    const CubeInput rounding = cubeInput(prepare, batch1->dtype, cubeMathType);
    if (!prepare.ok()) return prepare.status();
    const float betaValue = static_cast<float>(beta->value);
    const float alphaValue = static_cast<float>(alpha->value);
    return prepare.finish(workspaceSize, executor, [=, shape = *shape](const aclOpExecutor &ex) {
        const std::vector<float> product = batchedProduct(ex.tensor(1), ex.tensor(2), shape, rounding);
        writeFloats(ex.tensor(3), scaledSum(betaValue, ex.tensor(0), alphaValue, product, shape.out));
        return ACL_SUCCESS;
    }, kCubeWorkspace);
}
