#include "tensor_access.h"

#include <algorithm>

#include "dtype.h"

namespace emu {

View viewOf(const aclTensor &tensor) { return View{tensor.viewDims, tensor.strides, tensor.offset}; }

std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b) {
    const size_t rank = std::max(a.size(), b.size());
    Shape out(rank);
    for (size_t i = 0; i < rank; ++i) {
        const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        if (da != db && da != 1 && db != 1) return std::nullopt;
        out[i] = da == 1 ? db : da;
    }
    return out;
}

bool broadcastsTo(const Shape &from, const Shape &to) {
    const auto shape = broadcastShapes(from, to);
    return shape && *shape == to;
}

View broadcastView(const aclTensor &tensor, const Shape &target) {
    View view{target, Shape(target.size(), 0), tensor.offset};
    const size_t lead = target.size() - tensor.viewDims.size();
    for (size_t i = 0; i < tensor.viewDims.size(); ++i) {
        if (tensor.viewDims[i] != 1) view.strides[lead + i] = tensor.strides[i];
    }
    return view;
}

std::vector<int64_t> storageIndices(const View &view) {
    const int64_t count = elementCount(view.dims);
    std::vector<int64_t> indices;
    if (count <= 0) return indices;
    indices.reserve(static_cast<size_t>(count));
    Shape position(view.dims.size(), 0);
    int64_t index = view.offset;
    for (int64_t n = 0; n < count; ++n) {
        indices.push_back(index);
        for (size_t d = view.dims.size(); d-- > 0;) {  // odometer, innermost dim fastest
            if (++position[d] < view.dims[d]) {
                index += view.strides[d];
                break;
            }
            index -= (view.dims[d] - 1) * view.strides[d];
            position[d] = 0;
        }
    }
    return indices;
}

void storageExtent(const View &view, int64_t &first, int64_t &last) {
    first = view.offset;
    last = view.offset;
    if (elementCount(view.dims) <= 0) {
        first = 1;
        last = 0;
        return;
    }
    for (size_t d = 0; d < view.dims.size(); ++d) {
        const int64_t reach = (view.dims[d] - 1) * view.strides[d];
        (reach < 0 ? first : last) += reach;
    }
}

std::vector<float> readFloats(const aclTensor &tensor, const View &view) {
    std::vector<float> values;
    for (int64_t index : storageIndices(view)) values.push_back(loadFloat(tensor.dtype, tensor.data, index));
    return values;
}

std::vector<float> readFloats(const aclTensor &tensor) { return readFloats(tensor, viewOf(tensor)); }

std::vector<int64_t> readInts(const aclTensor &tensor, const View &view) {
    std::vector<int64_t> values;
    for (int64_t index : storageIndices(view)) values.push_back(loadInt(tensor.dtype, tensor.data, index));
    return values;
}

std::vector<int64_t> readInts(const aclTensor &tensor) { return readInts(tensor, viewOf(tensor)); }

void writeFloats(const aclTensor &tensor, const std::vector<float> &values) { writeFloats(tensor, viewOf(tensor), values); }

void writeFloats(const aclTensor &tensor, const View &view, const std::vector<float> &values) {
    const std::vector<int64_t> indices = storageIndices(view);
    for (size_t i = 0; i < indices.size(); ++i) storeFloat(tensor.dtype, tensor.data, indices[i], values[i]);
}

void writeInts(const aclTensor &tensor, const std::vector<int64_t> &values) {
    const std::vector<int64_t> indices = storageIndices(viewOf(tensor));
    for (size_t i = 0; i < indices.size(); ++i) storeInt(tensor.dtype, tensor.data, indices[i], values[i]);
}

}  // namespace emu
