// aclnnNeg (ops-math math/neg): out = -self.
#include "acl_abi.h"
#include "opapi/elementwise.h"

extern "C" aclnnStatus aclnnNegGetWorkspaceSize(const aclTensor *self, aclTensor *out, uint64_t *workspaceSize,
                                     aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Neg");
    prepare.input("self", self).output("out", out);
    if (!prepare.ok()) return prepare.status();
    return unaryFloat(prepare, self, out, [](float x) { return -x; }, workspaceSize, executor,
                      {ACL_FLOAT, ACL_FLOAT16, ACL_BF16, ACL_INT32});
}
