// aclnnGeluV2 (ops-nn activation/gelu_v2): approximate 0 ("none") is x * Phi(x) with erf, 1 is the
// tanh form.
#include "acl_abi.h"
#include "opapi/elementwise.h"

extern "C" aclnnStatus aclnnGeluV2GetWorkspaceSize(const aclTensor *x, int64_t approximate, aclTensor *y, uint64_t *workspaceSize,
                                        aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("GeluV2");
    prepare.input("x", x).output("y", y);
    prepare.check(approximate == 0 || approximate == 1, ACLNN_ERR_PARAM_INVALID,
                  "approximate %lld is not 0 (none: erf) or 1 (tanh).", static_cast<long long>(approximate));
    if (!prepare.ok()) return prepare.status();
    return unaryFloat(prepare, x, y, approximate == 0 ? FloatFn(geluErf) : FloatFn(geluTanh), workspaceSize, executor);
}
