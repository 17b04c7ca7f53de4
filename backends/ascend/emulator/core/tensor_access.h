// Reading and writing a tensor's elements through its view. Ops gather their inputs into row-major
// fp32 (or int64) vectors, compute, and scatter the results back, rounding once to the output dtype.
#pragma once

#include <optional>
#include <vector>

#include "export.h"
#include "objects.h"

namespace emu {

// A strided view: element (i0, i1, ...) is storage element offset + sum(i_k * strides[k]).
struct View {
    Shape dims;
    Shape strides;
    int64_t offset = 0;
};

EMU_CORE_API View viewOf(const aclTensor &tensor);

// The shape both broadcast to (numpy rules), if they do.
EMU_CORE_API std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b);
EMU_CORE_API bool broadcastsTo(const Shape &from, const Shape &to);
// The tensor seen with `target`'s dims: broadcast dims get stride 0. Requires broadcastsTo.
EMU_CORE_API View broadcastView(const aclTensor &tensor, const Shape &target);

// Storage element indices of a view's elements, row-major.
EMU_CORE_API std::vector<int64_t> storageIndices(const View &view);
// The storage elements [first, last] a view touches (empty views: first > last).
EMU_CORE_API void storageExtent(const View &view, int64_t &first, int64_t &last);

EMU_CORE_API std::vector<float> readFloats(const aclTensor &tensor);
EMU_CORE_API std::vector<float> readFloats(const aclTensor &tensor, const View &view);
EMU_CORE_API std::vector<int64_t> readInts(const aclTensor &tensor);
EMU_CORE_API std::vector<int64_t> readInts(const aclTensor &tensor, const View &view);
EMU_CORE_API void writeFloats(const aclTensor &tensor, const std::vector<float> &values);
EMU_CORE_API void writeFloats(const aclTensor &tensor, const View &view, const std::vector<float> &values);
EMU_CORE_API void writeInts(const aclTensor &tensor, const std::vector<int64_t> &values);

// A negative dim counts from the end; false when out of range.
inline bool normaliseDim(int64_t &dim, int64_t rank) {
    if (dim < 0) dim += rank;
    return dim >= 0 && dim < (rank > 0 ? rank : 1);
}

}  // namespace emu
