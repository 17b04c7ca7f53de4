// aclnnAddmm (ops-nn matmul/mat_mul_v3): out = beta * self + alpha * (mat1 @ mat2) for 2-D operands;
// a linear layer with its bias in one call.
#include "acl_abi.h"
#include "opapi/cube.h"
#include "core/tensor_access.h"

extern "C" aclnnStatus aclnnAddmmGetWorkspaceSize(const aclTensor *self, const aclTensor *mat1, const aclTensor *mat2,
                                       const aclScalar *beta, const aclScalar *alpha, aclTensor *out, int8_t cubeMathType,
                                       uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Addmm");
    prepare.input("self", self).input("mat1", mat1).input("mat2", mat2).output("out", out);
    prepare.notNull("beta", beta).notNull("alpha", alpha);
    prepare.dtypeIn("mat1", mat1, {ACL_FLOAT16, ACL_BF16, ACL_FLOAT});
    prepare.sameDtype("mat2", mat2, "mat1", mat1).sameDtype("out", out, "mat1", mat1);
    prepare.dtypeIn("self", self, {ACL_FLOAT16, ACL_BF16, ACL_FLOAT});
    if (!prepare.ok()) return prepare.status();
    prepare.check(mat1->rank() == 2 && mat2->rank() == 2, ACLNN_ERR_PARAM_INVALID, "mat1 and mat2 must be 2-D.");
    const auto shape = matmulShape(mat1->viewDims, mat2->viewDims);
    prepare.check(shape.has_value(), ACLNN_ERR_PARAM_INVALID, "mat1 %s and mat2 %s cannot be multiplied.",
                  shapeText(mat1->viewDims).c_str(), shapeText(mat2->viewDims).c_str());
    if (shape) {
        prepare.shapeIs("out", out, shape->out);
        prepare.check(broadcastsTo(self->viewDims, shape->out), ACLNN_ERR_PARAM_INVALID, "self %s does not broadcast to %s.",
                      shapeText(self->viewDims).c_str(), shapeText(shape->out).c_str());
    }
    const CubeInput rounding = cubeInput(prepare, mat1->dtype, cubeMathType);
    if (!prepare.ok()) return prepare.status();
    const float betaValue = static_cast<float>(beta->value);
    const float alphaValue = static_cast<float>(alpha->value);
    return prepare.finish(workspaceSize, executor, [=, shape = *shape](const aclOpExecutor &ex) {
        const std::vector<float> product = batchedProduct(ex.tensor(1), ex.tensor(2), shape, rounding);
        writeFloats(ex.tensor(3), scaledSum(betaValue, ex.tensor(0), alphaValue, product, shape.out));
        return ACL_SUCCESS;
    }, kCubeWorkspace);
}
