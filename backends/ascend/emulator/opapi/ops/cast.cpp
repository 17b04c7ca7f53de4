// aclnnCast (ops-math math/cast): out = self converted to `dtype` (out's dtype): floats round to
// nearest even, floats to integers truncate toward zero, anything to bool is `!= 0`.
#include "acl_abi.h"
#include "core/dtype.h"
#include "core/soc.h"
#include "core/tensor_access.h"
#include "opapi/op_kit.h"

extern "C" aclnnStatus aclnnCastGetWorkspaceSize(const aclTensor *self, const aclDataType dtype, aclTensor *out,
                                      uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Cast");
    prepare.input("self", self).output("out", out);
    if (!prepare.ok()) return prepare.status();
    prepare.check(out->dtype == dtype, ACLNN_ERR_PARAM_INVALID, "out dtype %s should be the cast's dtype %s.",
                  dtypeName(out->dtype), dtypeName(dtype));
    prepare.check(dtype != ACL_INT4 || !isOriginal910(), ACLNN_ERR_PARAM_INVALID, "DT_INT4 is not supported on Ascend910.");
    prepare.check(dtype != ACL_DOUBLE && self->dtype != ACL_DOUBLE, ACLNN_ERR_PARAM_INVALID,
                  "DT_DOUBLE is not modelled by the emulator.");
    prepare.shapeIs("out", out, self->viewDims);
    if (!prepare.ok()) return prepare.status();
    return prepare.finish(workspaceSize, executor, [](const aclOpExecutor &ex) {
        const aclTensor &in = ex.tensor(0);
        const aclTensor &out = ex.tensor(1);
        if (isIntegral(in.dtype) && isIntegral(out.dtype)) writeInts(out, readInts(in));
        else writeFloats(out, readFloats(in));
        return ACL_SUCCESS;
    });
}
