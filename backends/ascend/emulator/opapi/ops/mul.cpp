// aclnnMul and aclnnMuls (ops-math math/mul): out = self * other, in fp32 (int64 for integers),
// broadcasting.
#include "acl_abi.h"
#include "opapi/elementwise.h"

extern "C" aclnnStatus aclnnMulGetWorkspaceSize(const aclTensor *self, const aclTensor *other, aclTensor *out, uint64_t *workspaceSize,
                                     aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Mul");
    prepare.input("self", self).input("other", other).output("out", out);
    if (!prepare.ok()) return prepare.status();
    return binary(
        prepare, self, other, out, [](float x, float y) { return x * y; }, [](int64_t x, int64_t y) { return x * y; },
        workspaceSize, executor);
}

extern "C" aclnnStatus aclnnMulsGetWorkspaceSize(const aclTensor *self, const aclScalar *other, aclTensor *out, uint64_t *workspaceSize,
                                      aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Muls");
    prepare.input("self", self).output("out", out);
    if (!prepare.ok()) return prepare.status();
    return withScalar(
        prepare, self, other, out, [](float x, float y) { return x * y; }, [](int64_t x, int64_t y) { return x * y; },
        workspaceSize, executor);
}
