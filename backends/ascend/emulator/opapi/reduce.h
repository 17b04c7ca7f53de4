// Shared checks for the reductions: a dims list (empty: every dim) flagged over self's rank.
#pragma once

#include <cmath>
#include <vector>

#include "axis.h"
#include "core/tensor_access.h"
#include "op_kit.h"

namespace emu {

// Flags the dims to reduce; fails `prepare` on a dim out of range or named twice.
inline std::vector<bool> reductionDims(Prepare &prepare, const Shape &self, const std::vector<int64_t> &dims) {
    const int64_t rank = static_cast<int64_t>(self.size());
    std::vector<bool> reduce(self.size(), dims.empty());
    for (int64_t dim : dims) {
        const bool valid = normaliseDim(dim, rank) && rank > 0 && !reduce[dim];
        prepare.check(valid, ACLNN_ERR_PARAM_INVALID, "dims are out of range or repeated for self %s.", shapeText(self).c_str());
        if (valid) reduce[dim] = true;
    }
    return reduce;
}

// The one dim a dim-wise op works along, and the output shape with or without it kept.
inline Shape alongDimShape(const Shape &self, int64_t dim, bool keep) {
    Shape out = self;
    if (out.empty()) return out;
    if (keep) out[dim] = 1;
    else out.erase(out.begin() + dim);
    return out;
}

// The index along the axis of the first maximum of row (o, r) of `x`; NaN counts as the maximum.
inline int64_t firstMax(const std::vector<float> &x, const Axis &axis, int64_t o, int64_t r) {
    int64_t best = 0;
    for (int64_t i = 1; i < axis.size; ++i) {
        const float current = x[axis.at(o, best, r)];
        const float candidate = x[axis.at(o, i, r)];
        if (std::isnan(current)) break;
        if (std::isnan(candidate) || candidate > current) best = i;
    }
    return best;
}

}  // namespace emu
