// aclnnSwiGlu (ops-nn activation/swi_glu): x is split along `dim` into halves A (first) and B (second);
// out = Swish(A) · B with Swish(a) = a · sigmoid(a) = a / (1 + e^−a), in fp32, rounded once to out's
// dtype. CANN gates the FIRST half, as ChatGLM2's swiglu does (geglu's GeGluV3 is told which half by
// activateLeft; SwiGlu has no such switch). Atlas A2/A3 only, not the original 910.
#include <cmath>

#include "acl_abi.h"
#include "core/tensor_access.h"
#include "opapi/axis.h"
#include "opapi/elementwise.h"

extern "C" aclnnStatus aclnnSwiGluGetWorkspaceSize(const aclTensor *x, int64_t dim, const aclTensor *out, uint64_t *workspaceSize,
                                                   aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("SwiGlu");
    prepare.input("x", x).output("out", out);
    prepare.dtypeIn("x", x, kFloatTypes).sameDtype("out", out, "x", x);
    if (!prepare.ok()) return prepare.status();
    prepare.check(normaliseDim(dim, x->rank()) && x->rank() > 0 && x->viewDims[dim] % 2 == 0, ACLNN_ERR_PARAM_INVALID,
                  "dim must name an even-sized dim of x %s.", shapeText(x->viewDims).c_str());
    if (!prepare.ok()) return prepare.status();
    Shape half = x->viewDims;
    half[dim] /= 2;
    prepare.shapeIs("out", out, half);
    if (!prepare.ok()) return prepare.status();
    const Axis axis = axisOf(half, dim);
    return prepare.finish(workspaceSize, executor, [=](const aclOpExecutor &ex) {
        const std::vector<float> values = readFloats(ex.tensor(0));
        const Axis full{axis.outer, 2 * axis.size, axis.inner};
        std::vector<float> y(static_cast<size_t>(elementCount(half)));
        for (int64_t o = 0; o < axis.outer; ++o) {
            for (int64_t i = 0; i < axis.size; ++i) {
                for (int64_t r = 0; r < axis.inner; ++r) {
                    const float a = values[full.at(o, i, r)];
                    const float b = values[full.at(o, axis.size + i, r)];
                    y[axis.at(o, i, r)] = a / (1.0f + std::exp(-a)) * b;
                }
            }
        }
        writeFloats(ex.tensor(1), y);
        return ACL_SUCCESS;
    });
}
