// The aclnn objects (acl_meta.h declares them opaque). A tensor is a view: dims, strides and offset
// in ELEMENTS over a storage whose un-offset base is `data`; storage dims are kept as given.
// A tensor list owns its tensors, as CANN's does (aclDestroyTensorList destroys them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "acl_abi.h"

using Shape = std::vector<int64_t>;

inline int64_t elementCount(const Shape &dims) {
    int64_t count = 1;
    for (int64_t d : dims) count *= d;
    return count;
}

// "[2, 3]", for messages.
inline std::string shapeText(const Shape &shape) {
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

inline Shape contiguousStrides(const Shape &dims) {
    Shape strides(dims.size(), 1);
    for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * (dims[i] > 0 ? dims[i] : 1);
    return strides;
}

struct aclTensor {
    Shape viewDims;
    Shape strides;
    int64_t offset = 0;
    aclDataType dtype = ACL_DT_UNDEFINED;
    aclFormat format = ACL_FORMAT_ND;
    Shape storageDims;
    void *data = nullptr;

    int64_t rank() const { return static_cast<int64_t>(viewDims.size()); }
    int64_t numel() const { return elementCount(viewDims); }
};

struct aclScalar {
    aclDataType dtype;
    double value;  // every scalar dtype the ops take fits a double exactly, int64 up to 2^53
};

struct aclIntArray {
    std::vector<int64_t> values;
};

struct aclBoolArray {
    std::vector<bool> values;
};

struct aclTensorList {
    std::vector<aclTensor *> tensors;

    ~aclTensorList() {
        for (aclTensor *tensor : tensors) delete tensor;
    }
};
