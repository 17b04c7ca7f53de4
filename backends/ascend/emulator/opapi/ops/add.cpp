// aclnnAdd and aclnnAdds (ops-math math/add): out = self + alpha * other, in fp32 (int64 for
// integers), broadcasting.
#include "acl_abi.h"
#include "opapi/elementwise.h"

extern "C" aclnnStatus aclnnAddGetWorkspaceSize(const aclTensor *self, const aclTensor *other, const aclScalar *alpha, aclTensor *out,
                                     uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Add");
    prepare.input("self", self).input("other", other).output("out", out).notNull("alpha", alpha);
    if (!prepare.ok()) return prepare.status();
    const double a = alpha->value;
    return binary(
        prepare, self, other, out, [a](float x, float y) { return x + static_cast<float>(a) * y; },
        [a](int64_t x, int64_t y) { return x + static_cast<int64_t>(a) * y; }, workspaceSize, executor);
}

extern "C" aclnnStatus aclnnAddsGetWorkspaceSize(const aclTensor *self, const aclScalar *other, const aclScalar *alpha, aclTensor *out,
                                      uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Adds");
    prepare.input("self", self).output("out", out).notNull("alpha", alpha);
    if (!prepare.ok()) return prepare.status();
    const double a = alpha->value;
    return withScalar(
        prepare, self, other, out, [a](float x, float y) { return x + static_cast<float>(a) * y; },
        [a](int64_t x, int64_t y) { return x + static_cast<int64_t>(a) * y; }, workspaceSize, executor);
}
