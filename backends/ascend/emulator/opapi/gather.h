// Row gathers (Embedding, GatherV2): out[o, j, r] = self[o, index[j], r]. Indices are device data,
// so a bad one is found while the op runs and fails the launch, as an AI Core exception would.
#pragma once

#include "core/tensor_access.h"
#include "op_kit.h"

namespace emu {

// Gathers along the middle dim of `self` seen as (outer, size, inner) into `out`.
inline aclnnStatus gatherRows(const aclTensor &self, int64_t outer, int64_t size, int64_t inner, const aclTensor &index,
                              const aclTensor &out, const char *op) {
    const std::vector<int64_t> rows = readInts(index);
    for (int64_t row : rows) {
        if (row < 0 || row >= size) {
            return runtimeFault(std::string("aclnn") + op + ": index " + std::to_string(row) + " is out of range [0, " +
                                std::to_string(size) + ").");
        }
    }
    const std::vector<float> values = readFloats(self);
    std::vector<float> gathered;
    gathered.reserve(static_cast<size_t>(outer) * rows.size() * static_cast<size_t>(inner));
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t row : rows) {
            const float *from = values.data() + (o * size + row) * inner;
            gathered.insert(gathered.end(), from, from + inner);
        }
    }
    writeFloats(out, gathered);
    return ACL_SUCCESS;
}

}  // namespace emu
