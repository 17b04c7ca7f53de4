// aclnnTopk (ops-math math/topk): the k largest (or smallest) along `dim`, values and int64 indices.
// Equal values keep their index order; NaN sorts as the largest. `sorted` false may return any order
// on an NPU; the emulator always returns sorted order.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "acl_abi.h"
#include "opapi/axis.h"
#include "opapi/elementwise.h"
#include "opapi/reduce.h"

namespace {

// Whether value a ranks before value b (NaN counts as the largest).
bool ranksBefore(float a, float b, bool largest) {
    if (std::isnan(a) || std::isnan(b)) return largest ? std::isnan(a) && !std::isnan(b) : std::isnan(b) && !std::isnan(a);
    return largest ? a > b : a < b;
}

}  // namespace

extern "C" aclnnStatus aclnnTopkGetWorkspaceSize(const aclTensor *self, int64_t k, int64_t dim, bool largest, bool sorted,
                                      aclTensor *valuesOut, aclTensor *indicesOut, uint64_t *workspaceSize,
                                      aclOpExecutor **executor) {
    using namespace emu;
    (void)sorted;
    Prepare prepare("Topk");
    prepare.input("self", self).output("valuesOut", valuesOut).output("indicesOut", indicesOut);
    prepare.dtypeIn("self", self, kNumericTypes).sameDtype("valuesOut", valuesOut, "self", self);
    prepare.dtypeIn("indicesOut", indicesOut, {ACL_INT64});
    if (!prepare.ok()) return prepare.status();
    prepare.check(normaliseDim(dim, self->rank()), ACLNN_ERR_PARAM_INVALID, "dim is out of range for self %s.",
                  shapeText(self->viewDims).c_str());
    if (!prepare.ok()) return prepare.status();
    const int64_t size = self->rank() ? self->viewDims[dim] : 1;
    prepare.check(k >= 0 && k <= size, ACLNN_ERR_PARAM_INVALID, "k %lld is not in [0, %lld].", static_cast<long long>(k),
                  static_cast<long long>(size));
    Shape shape = self->viewDims;
    if (!shape.empty()) shape[dim] = k;
    prepare.shapeIs("valuesOut", valuesOut, shape).shapeIs("indicesOut", indicesOut, shape);
    if (!prepare.ok()) return prepare.status();
    const Axis axis = axisOf(self->viewDims, self->rank() ? dim : 0);
    return prepare.finish(workspaceSize, executor, [axis, k, largest](const aclOpExecutor &ex) {
        const std::vector<float> x = readFloats(ex.tensor(0));
        const Axis top{axis.outer, k, axis.inner};
        std::vector<float> values(static_cast<size_t>(axis.outer * k * axis.inner));
        std::vector<int64_t> indices(values.size());
        std::vector<int64_t> order(static_cast<size_t>(axis.size));
        for (int64_t o = 0; o < axis.outer; ++o) {
            for (int64_t r = 0; r < axis.inner; ++r) {
                std::iota(order.begin(), order.end(), 0);
                std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
                    return ranksBefore(x[axis.at(o, a, r)], x[axis.at(o, b, r)], largest);
                });
                for (int64_t i = 0; i < k; ++i) {
                    values[top.at(o, i, r)] = x[axis.at(o, order[i], r)];
                    indices[top.at(o, i, r)] = order[i];
                }
            }
        }
        writeFloats(ex.tensor(1), values);
        writeInts(ex.tensor(2), indices);
        return ACL_SUCCESS;
    }, kReduceWorkspace);
}
