// aclnnExp (ops-math math/exp): e^x in fp32. Not on the original 910.
#include <cmath>

#include "acl_abi.h"
#include "opapi/elementwise.h"

extern "C" aclnnStatus aclnnExpGetWorkspaceSize(const aclTensor *self, aclTensor *out, uint64_t *workspaceSize,
                                     aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Exp");
    prepare.input("self", self).output("out", out);
    if (!prepare.ok()) return prepare.status();
    return unaryFloat(prepare, self, out, [](float x) { return std::exp(x); }, workspaceSize, executor);
}
