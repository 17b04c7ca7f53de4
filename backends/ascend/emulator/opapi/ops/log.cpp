// aclnnLog (ops-math math/log): the natural logarithm in fp32. Not on the original 910 (its doc marks
// "Atlas 训练系列产品" 不支持), which the ABI table's soc field says.
#include <cmath>

#include "acl_abi.h"
#include "opapi/elementwise.h"

extern "C" aclnnStatus aclnnLogGetWorkspaceSize(const aclTensor *self, aclTensor *out, uint64_t *workspaceSize,
                                     aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Log");
    prepare.input("self", self).output("out", out);
    if (!prepare.ok()) return prepare.status();
    return unaryFloat(prepare, self, out, [](float x) { return std::log(x); }, workspaceSize, executor);
}
