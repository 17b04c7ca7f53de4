// aclnnInplaceCopy (ops-math conversion/view_copy): selfRef = src, src broadcast to selfRef's shape
// and converted to its dtype, written through selfRef's strides — how the KV cache is appended to
// (a strided view of the cache as selfRef). Everything is read before anything is written.
#include "acl_abi.h"
#include "core/dtype.h"
#include "core/tensor_access.h"
#include "opapi/op_kit.h"

extern "C" aclnnStatus aclnnInplaceCopyGetWorkspaceSize(aclTensor *selfRef, const aclTensor *src, uint64_t *workspaceSize,
                                             aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("InplaceCopy");
    prepare.input("selfRef", selfRef).input("src", src);
    if (!prepare.ok()) return prepare.status();
    prepare.check(broadcastsTo(src->viewDims, selfRef->viewDims), ACLNN_ERR_PARAM_INVALID, "src %s does not broadcast to selfRef %s.",
                  shapeText(src->viewDims).c_str(), shapeText(selfRef->viewDims).c_str());
    prepare.check(selfRef->dtype != ACL_INT4 && src->dtype != ACL_INT4, ACLNN_ERR_PARAM_INVALID, "DT_INT4 is not copied by this op.");
    if (!prepare.ok()) return prepare.status();
    return prepare.finish(workspaceSize, executor, [](const aclOpExecutor &ex) {
        const aclTensor &dst = ex.tensor(0);
        const aclTensor &src = ex.tensor(1);
        const View from = broadcastView(src, dst.viewDims);
        if (isIntegral(dst.dtype) && isIntegral(src.dtype)) writeInts(dst, readInts(src, from));
        else writeFloats(dst, readFloats(src, from));
        return ACL_SUCCESS;
    });
}
