// aclnnInplaceMaskedFillScalar (ops-math conversion/masked_fill): selfRef = value where mask (bool,
// broadcast to selfRef) is true — the 910's attention mask (-10000 where masked).
#include "acl_abi.h"
#include "core/dtype.h"
#include "core/tensor_access.h"
#include "opapi/elementwise.h"

extern "C" aclnnStatus aclnnInplaceMaskedFillScalarGetWorkspaceSize(aclTensor *selfRef, const aclTensor *mask, const aclScalar *value,
                                                         uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("InplaceMaskedFillScalar");
    prepare.input("selfRef", selfRef).input("mask", mask).notNull("value", value);
    prepare.dtypeIn("selfRef", selfRef, {ACL_FLOAT, ACL_FLOAT16, ACL_BF16, ACL_INT32, ACL_INT64, ACL_INT8, ACL_BOOL});
    prepare.dtypeIn("mask", mask, {ACL_BOOL});
    if (!prepare.ok()) return prepare.status();
    prepare.check(broadcastsTo(mask->viewDims, selfRef->viewDims), ACLNN_ERR_PARAM_INVALID,
                  "mask %s does not broadcast to selfRef %s.",
                  shapeText(mask->viewDims).c_str(), shapeText(selfRef->viewDims).c_str());
    if (!prepare.ok()) return prepare.status();
    const double fill = value->value;
    return prepare.finish(workspaceSize, executor, [fill](const aclOpExecutor &ex) {
        const aclTensor &self = ex.tensor(0);
        const std::vector<int64_t> where = readInts(ex.tensor(1), broadcastView(ex.tensor(1), self.viewDims));
        if (isIntegral(self.dtype)) {
            std::vector<int64_t> values = readInts(self);
            for (size_t i = 0; i < values.size(); ++i) values[i] = where[i] ? static_cast<int64_t>(fill) : values[i];
            writeInts(self, values);
            return ACL_SUCCESS;
        }
        std::vector<float> values = readFloats(self);
        for (size_t i = 0; i < values.size(); ++i) values[i] = where[i] ? static_cast<float>(fill) : values[i];
        writeFloats(self, values);
        return ACL_SUCCESS;
    });
}
