// Scalars, int and bool arrays, tensor lists (aclnn/acl_meta.h): host-side values an op reads while
// it is prepared. A tensor list takes ownership of the tensors it is given.
#include "acl_abi.h"
#include "core/dtype.h"
#include "core/objects.h"
#include "core/status.h"

extern "C" aclScalar *aclCreateScalar(void *value, aclDataType dataType) {
    using namespace emu;
    if (!value) {
        report(ACLNN_ERR_PARAM_NULLPTR, "aclCreateScalar: value is null.");
        return nullptr;
    }
    if (!isKnownDtype(dataType) || dataType == ACL_INT4) {
        reportf(ACLNN_ERR_PARAM_INVALID, "aclCreateScalar: data type %s is not a scalar type.", dtypeName(dataType));
        return nullptr;
    }
    const double number = isFloating(dataType) ? static_cast<double>(loadFloat(dataType, value, 0))
                                               : static_cast<double>(loadInt(dataType, value, 0));
    // A double scalar keeps its full precision (loadFloat would narrow it to float).
    return new aclScalar{dataType, dataType == ACL_DOUBLE ? *static_cast<const double *>(value) : number};
}

extern "C" aclnnStatus aclDestroyScalar(const aclScalar *scalar) {
    delete scalar;
    return ACL_SUCCESS;
}

extern "C" aclIntArray *aclCreateIntArray(const int64_t *value, uint64_t size) {
    if (!value && size) {
        emu::report(ACLNN_ERR_PARAM_NULLPTR, "aclCreateIntArray: value is null with a non-zero size.");
        return nullptr;
    }
    return new aclIntArray{std::vector<int64_t>(value, value + size)};
}

extern "C" aclnnStatus aclDestroyIntArray(const aclIntArray *array) {
    delete array;
    return ACL_SUCCESS;
}

extern "C" aclBoolArray *aclCreateBoolArray(const bool *value, uint64_t size) {
    if (!value && size) {
        emu::report(ACLNN_ERR_PARAM_NULLPTR, "aclCreateBoolArray: value is null with a non-zero size.");
        return nullptr;
    }
    return new aclBoolArray{std::vector<bool>(value, value + size)};
}

extern "C" aclnnStatus aclDestroyBoolArray(const aclBoolArray *array) {
    delete array;
    return ACL_SUCCESS;
}

extern "C" aclTensorList *aclCreateTensorList(const aclTensor *const *value, uint64_t size) {
    if (!value && size) {
        emu::report(ACLNN_ERR_PARAM_NULLPTR, "aclCreateTensorList: value is null with a non-zero size.");
        return nullptr;
    }
    auto *list = new aclTensorList;
    for (uint64_t i = 0; i < size; ++i) list->tensors.push_back(const_cast<aclTensor *>(value[i]));
    return list;
}

extern "C" aclnnStatus aclDestroyTensorList(const aclTensorList *array) {
    delete array;  // destroys the tensors too
    return ACL_SUCCESS;
}
