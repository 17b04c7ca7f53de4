// aclnnRoll (ops-math conversion/roll): torch.roll — element i of each rolled dim moves to
// (i + shift) mod size; with no dims the flattened tensor rolls by shifts[0]. The 910's RoPE
// rotate-half is Roll plus Mul.
#include "acl_abi.h"
#include "core/dtype.h"
#include "core/tensor_access.h"
#include "opapi/op_kit.h"

namespace {

// The row-major source index of each output element.
std::vector<int64_t> rolledSources(const Shape &dims, const std::vector<int64_t> &shifts, const std::vector<int64_t> &axes) {
    const int64_t count = elementCount(dims);
    std::vector<int64_t> sources(static_cast<size_t>(count));
    Shape position(dims.size(), 0);
    for (int64_t n = 0; n < count; ++n) {
        Shape from = position;
        for (size_t a = 0; a < axes.size(); ++a) {
            const int64_t size = dims[axes[a]];
            from[axes[a]] = ((position[axes[a]] - shifts[a]) % size + size) % size;
        }
        int64_t source = 0;
        for (size_t d = 0; d < dims.size(); ++d) source = source * dims[d] + from[d];
        sources[n] = source;
        for (size_t d = dims.size(); d-- > 0;) {
            if (++position[d] < dims[d]) break;
            position[d] = 0;
        }
    }
    return sources;
}

}  // namespace

extern "C" aclnnStatus aclnnRollGetWorkspaceSize(const aclTensor *x, const aclIntArray *shifts, const aclIntArray *dims, aclTensor *out,
                                      uint64_t *workspaceSize, aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("Roll");
    prepare.input("x", x).output("out", out).notNull("shifts", shifts).notNull("dims", dims);
    prepare.sameDtype("out", out, "x", x);
    if (!prepare.ok()) return prepare.status();
    prepare.shapeIs("out", out, x->viewDims);
    const bool flat = dims->values.empty();
    prepare.check(flat ? shifts->values.size() == 1 : shifts->values.size() == dims->values.size(), ACLNN_ERR_PARAM_INVALID,
                  "shifts must have one entry per dim (or one, with no dims).");
    std::vector<int64_t> axes = dims->values;
    for (int64_t &axis : axes) {
        prepare.check(normaliseDim(axis, x->rank()) && x->rank() > 0, ACLNN_ERR_PARAM_INVALID, "dims are out of range for x %s.",
                      shapeText(x->viewDims).c_str());
    }
    if (!prepare.ok()) return prepare.status();
    const Shape shape = flat ? Shape{x->numel()} : x->viewDims;
    if (flat) axes = {0};
    const std::vector<int64_t> sources = elementCount(shape) ? rolledSources(shape, shifts->values, axes) : std::vector<int64_t>();
    return prepare.finish(workspaceSize, executor, [sources](const aclOpExecutor &ex) {
        const aclTensor &in = ex.tensor(0);
        const aclTensor &out = ex.tensor(1);
        if (isIntegral(in.dtype)) {
            const std::vector<int64_t> values = readInts(in);
            std::vector<int64_t> rolled(values.size());
            for (size_t i = 0; i < rolled.size(); ++i) rolled[i] = values[sources[i]];
            writeInts(out, rolled);
            return ACL_SUCCESS;
        }
        const std::vector<float> values = readFloats(in);
        std::vector<float> rolled(values.size());
        for (size_t i = 0; i < rolled.size(); ++i) rolled[i] = values[sources[i]];
        writeFloats(out, rolled);
        return ACL_SUCCESS;
    });
}
