// Index arithmetic for ops that work along dims of a row-major array: one dim (softmax, top-k,
// arg-max) or a set of dims (reductions).
#pragma once

#include <vector>

#include "core/objects.h"

namespace emu {

// Element (o, i, r) of a row-major array, seen along one dim, is at (o * size + i) * inner + r.
struct Axis {
    int64_t outer = 1;
    int64_t size = 1;
    int64_t inner = 1;

    int64_t at(int64_t o, int64_t i, int64_t r) const { return (o * size + i) * inner + r; }
};

inline Axis axisOf(const Shape &dims, int64_t dim) {
    Axis axis;
    for (int64_t d = 0; d < static_cast<int64_t>(dims.size()); ++d) {
        if (d < dim) axis.outer *= dims[d];
        else if (d == dim) axis.size = dims[d];
        else axis.inner *= dims[d];
    }
    return axis;
}

// The shape left after reducing the dims flagged in `reduce` (kept as 1 with `keep`).
inline Shape reducedShape(const Shape &dims, const std::vector<bool> &reduce, bool keep) {
    Shape out;
    for (size_t d = 0; d < dims.size(); ++d) {
        if (!reduce[d]) out.push_back(dims[d]);
        else if (keep) out.push_back(1);
    }
    return out;
}

// For each element of the row-major input, the row-major index of the output element it reduces into.
inline std::vector<int64_t> reductionTargets(const Shape &dims, const std::vector<bool> &reduce) {
    const int64_t count = elementCount(dims);
    std::vector<int64_t> targets(static_cast<size_t>(count > 0 ? count : 0));
    Shape position(dims.size(), 0);
    for (int64_t n = 0; n < count; ++n) {
        int64_t target = 0;
        for (size_t d = 0; d < dims.size(); ++d) {
            if (!reduce[d]) target = target * dims[d] + position[d];
        }
        targets[static_cast<size_t>(n)] = target;
        for (size_t d = dims.size(); d-- > 0;) {
            if (++position[d] < dims[d]) break;
            position[d] = 0;
        }
    }
    return targets;
}

}  // namespace emu
