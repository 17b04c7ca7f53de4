// aclTensor creation, destruction and getters (aclnn/acl_meta.h). A tensor whose view reaches
// outside its storage dims is refused here: on an NPU it would read or write past its buffer.
#include <algorithm>
#include <string>

#include "acl_abi.h"
#include "core/dtype.h"
#include "core/objects.h"
#include "core/status.h"
#include "core/tensor_access.h"

namespace {

bool fitsStorage(const aclTensor &tensor) {
    if (tensor.numel() == 0) return true;
    int64_t first = 0;
    int64_t last = 0;
    emu::storageExtent(emu::viewOf(tensor), first, last);
    return first >= 0 && last < elementCount(tensor.storageDims);
}

// The getters hand out new[]-allocated copies, as nnopbase does; the caller owns them.
int64_t *copyOut(const Shape &values) {
    auto *copy = new int64_t[values.empty() ? 1 : values.size()];
    std::copy(values.begin(), values.end(), copy);
    return copy;
}

}  // namespace

extern "C" aclTensor *aclCreateTensor(const int64_t *viewDims, uint64_t viewDimsNum, aclDataType dataType, const int64_t *stride,
                           int64_t offset, aclFormat format, const int64_t *storageDims, uint64_t storageDimsNum,
                           void *tensorData) {
    using namespace emu;
    if ((!viewDims && viewDimsNum) || (!storageDims && storageDimsNum)) {
        report(ACLNN_ERR_PARAM_NULLPTR, "aclCreateTensor: viewDims or storageDims is null with a non-zero count.");
        return nullptr;
    }
    if (!isKnownDtype(dataType)) {
        reportf(ACLNN_ERR_PARAM_INVALID, "aclCreateTensor: data type %d is not modelled.", static_cast<int>(dataType));
        return nullptr;
    }
    auto *tensor = new aclTensor;
    tensor->viewDims.assign(viewDims, viewDims + viewDimsNum);
    tensor->strides = stride ? Shape(stride, stride + viewDimsNum) : contiguousStrides(tensor->viewDims);
    tensor->offset = offset;
    tensor->dtype = dataType;
    tensor->format = format;
    tensor->storageDims.assign(storageDims, storageDims + storageDimsNum);
    tensor->data = tensorData;
    const bool negative = std::any_of(tensor->viewDims.begin(), tensor->viewDims.end(), [](int64_t d) { return d < 0; });
    if (negative || offset < 0 || !fitsStorage(*tensor)) {
        reportf(ACLNN_ERR_PARAM_INVALID,
                "aclCreateTensor: the view (dims %s, strides %s, offset %lld, in elements) reaches outside its storage "
                "dims %s.",
                shapeText(tensor->viewDims).c_str(), shapeText(tensor->strides).c_str(), static_cast<long long>(offset),
                shapeText(tensor->storageDims).c_str());
        delete tensor;
        return nullptr;
    }
    return tensor;
}

extern "C" aclnnStatus aclDestroyTensor(const aclTensor *tensor) {
    delete tensor;
    return ACL_SUCCESS;
}

extern "C" aclnnStatus aclGetViewShape(const aclTensor *tensor, int64_t **viewDims, uint64_t *viewDimsNum) {
    if (!tensor || !viewDims || !viewDimsNum) return emu::report(ACLNN_ERR_PARAM_NULLPTR, "aclGetViewShape: null argument.");
    *viewDims = copyOut(tensor->viewDims);
    *viewDimsNum = tensor->viewDims.size();
    return ACL_SUCCESS;
}

extern "C" aclnnStatus aclGetViewStrides(const aclTensor *tensor, int64_t **stridesValue, uint64_t *stridesNum) {
    if (!tensor || !stridesValue || !stridesNum) return emu::report(ACLNN_ERR_PARAM_NULLPTR, "aclGetViewStrides: null argument.");
    *stridesValue = copyOut(tensor->strides);
    *stridesNum = tensor->strides.size();
    return ACL_SUCCESS;
}

extern "C" aclnnStatus aclGetViewOffset(const aclTensor *tensor, int64_t *offset) {
    if (!tensor || !offset) return emu::report(ACLNN_ERR_PARAM_NULLPTR, "aclGetViewOffset: null argument.");
    *offset = tensor->offset;
    return ACL_SUCCESS;
}

extern "C" aclnnStatus aclGetStorageShape(const aclTensor *tensor, int64_t **storageDims, uint64_t *storageDimsNum) {
    if (!tensor || !storageDims || !storageDimsNum) {
        return emu::report(ACLNN_ERR_PARAM_NULLPTR, "aclGetStorageShape: null argument.");
    }
    *storageDims = copyOut(tensor->storageDims);
    *storageDimsNum = tensor->storageDims.size();
    return ACL_SUCCESS;
}

extern "C" aclnnStatus aclGetDataType(const aclTensor *tensor, aclDataType *dataType) {
    if (!tensor || !dataType) return emu::report(ACLNN_ERR_PARAM_NULLPTR, "aclGetDataType: null argument.");
    *dataType = tensor->dtype;
    return ACL_SUCCESS;
}

extern "C" aclnnStatus aclGetFormat(const aclTensor *tensor, aclFormat *format) {
    if (!tensor || !format) return emu::report(ACLNN_ERR_PARAM_NULLPTR, "aclGetFormat: null argument.");
    *format = tensor->format;
    return ACL_SUCCESS;
}
