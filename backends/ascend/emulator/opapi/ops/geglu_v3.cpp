// aclnnGeGluV3 (ops-nn activation/ge_glu_v2): self is split along `dim` into halves A (left) and B
// (right); activateLeft true: out = GELU(A) * B, false: out = A * GELU(B) — GLM's GeGLU activates
// the SECOND half. outGelu is the activated half's GELU; approximate 0 = erf, 1 = tanh. Not on the
// original 910.
#include "acl_abi.h"
#include "core/tensor_access.h"
#include "opapi/axis.h"
#include "opapi/elementwise.h"

extern "C" aclnnStatus aclnnGeGluV3GetWorkspaceSize(const aclTensor *self, int64_t dim, int64_t approximate, bool activateLeft,
                                         aclTensor *out, aclTensor *outGelu, uint64_t *workspaceSize,
                                         aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("GeGluV3");
    prepare.input("self", self).output("out", out).output("outGelu", outGelu);
    prepare.dtypeIn("self", self, kFloatTypes).sameDtype("out", out, "self", self).sameDtype("outGelu", outGelu, "self", self);
    prepare.check(approximate == 0 || approximate == 1, ACLNN_ERR_PARAM_INVALID,
                  "approximate %lld is not 0 (none: erf) or 1 (tanh).", static_cast<long long>(approximate));
    if (!prepare.ok()) return prepare.status();
    prepare.check(normaliseDim(dim, self->rank()) && self->rank() > 0 && self->viewDims[dim] % 2 == 0,
                  ACLNN_ERR_PARAM_INVALID, "dim must name an even-sized dim of self %s.", shapeText(self->viewDims).c_str());
    if (!prepare.ok()) return prepare.status();
    Shape half = self->viewDims;
    half[dim] /= 2;
    prepare.shapeIs("out", out, half).shapeIs("outGelu", outGelu, half);
    if (!prepare.ok()) return prepare.status();
    const Axis axis = axisOf(half, dim);
    const FloatFn gelu = approximate == 0 ? FloatFn(geluErf) : FloatFn(geluTanh);
    return prepare.finish(workspaceSize, executor, [=](const aclOpExecutor &ex) {
        const std::vector<float> x = readFloats(ex.tensor(0));
        const Axis full{axis.outer, 2 * axis.size, axis.inner};
        std::vector<float> y(static_cast<size_t>(elementCount(half))), g(y.size());
        for (int64_t o = 0; o < axis.outer; ++o) {
            for (int64_t i = 0; i < axis.size; ++i) {
                for (int64_t r = 0; r < axis.inner; ++r) {
                    const float left = x[full.at(o, i, r)];
                    const float right = x[full.at(o, axis.size + i, r)];
                    const float activated = gelu(activateLeft ? left : right);
                    g[axis.at(o, i, r)] = activated;
                    y[axis.at(o, i, r)] = activated * (activateLeft ? right : left);
                }
            }
        }
        writeFloats(ex.tensor(1), y);
        writeFloats(ex.tensor(2), g);
        return ACL_SUCCESS;
    });
}
