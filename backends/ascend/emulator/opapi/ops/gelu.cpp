// aclnnGelu (ops-nn activation/gelu): the TANH approximation, 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))
// (its doc's formula). GLM's GELU is the erf form: GeluV2 with approximate 0, never this op.
#include "acl_abi.h"
#include "opapi/elementwise.h"

extern "C" aclnnStatus aclnnGeluGetWorkspaceSize(const aclTensor *self, aclTensor *out, uint64_t *workspaceSize,
                                      aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Gelu");
    prepare.input("self", self).output("out", out);
    if (!prepare.ok()) return prepare.status();
    return unaryFloat(prepare, self, out, geluTanh, workspaceSize, executor);
}
