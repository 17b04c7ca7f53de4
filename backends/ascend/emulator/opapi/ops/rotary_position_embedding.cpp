// aclnnRotaryPositionEmbedding (ops-transformer posembedding/rotary_position_embedding):
// y = x * cos + rotate(x) * sin in fp32, x 4-D (any of BSND, BNSD, SBND), cos and sin 4-D
// broadcasting to x with x's last dim. Mode 0 (half): rotate(x) = cat(-x2, x1) of the two halves;
// mode 1 (interleave): pairs (a, b) become (-b, a). Modes 2 and 3 are not modelled. Not on the 910.
// Interleave's layouts are narrower (MindSpore's rotary_position_embedding, which calls this op, lists
// them): cos and sin vary over the sequence axis only (11SD for BNSD x, 1S1D for BSND, S11D for
// SBND), x's two other leading dims multiply to fewer than 1000, and D < 896 in both modes.
#include "acl_abi.h"
#include "core/tensor_access.h"
#include "opapi/elementwise.h"

namespace {

// x rotated along its last dim (of size d), in place of a copy.
std::vector<float> rotated(const std::vector<float> &x, int64_t d, int64_t mode) {
    std::vector<float> out(x.size());
    const int64_t half = d / 2;
    for (size_t row = 0; row < x.size() / static_cast<size_t>(d); ++row) {
        const float *in = x.data() + row * d;
        float *to = out.data() + row * d;
        for (int64_t i = 0; i < half; ++i) {
            if (mode == 0) {
                to[i] = -in[half + i];
                to[half + i] = in[i];
            } else {
                to[2 * i] = -in[2 * i + 1];
                to[2 * i + 1] = in[2 * i];
            }
        }
    }
    return out;
}

}  // namespace

extern "C" aclnnStatus aclnnRotaryPositionEmbeddingGetWorkspaceSize(const aclTensor *x, const aclTensor *cos, const aclTensor *sin,
                                                         int64_t mode, aclTensor *out, uint64_t *workspaceSize,
                                                         aclOpExecutor **executor) {
    using namespace emu;
    Prepare prepare("RotaryPositionEmbedding");
    prepare.input("x", x).input("cos", cos).input("sin", sin).output("out", out);
    prepare.dtypeIn("x", x, kFloatTypes).sameDtype("cos", cos, "x", x).sameDtype("sin", sin, "x", x).sameDtype("out", out, "x", x);
    prepare.check(mode == 0 || mode == 1, ACLNN_ERR_PARAM_INVALID,
                  "mode %lld: the emulator models 0 (half) and 1 (interleave) only.", static_cast<long long>(mode));
    if (!prepare.ok()) return prepare.status();
    prepare.check(x->rank() == 4 && cos->rank() == 4 && sin->rank() == 4, ACLNN_ERR_PARAM_INVALID, "x, cos and sin must be 4-D.");
    if (!prepare.ok()) return prepare.status();
    const int64_t d = x->viewDims[3];
    prepare.check(d % 2 == 0, ACLNN_ERR_PARAM_INVALID, "x's last dim %lld must be even.", static_cast<long long>(d));
    prepare.check(broadcastsTo(cos->viewDims, x->viewDims) && cos->viewDims[3] == d && cos->viewDims == sin->viewDims,
                  ACLNN_ERR_PARAM_INVALID, "cos and sin %s must match and broadcast to x %s with its last dim.",
                  shapeText(cos->viewDims).c_str(), shapeText(x->viewDims).c_str());
    prepare.check(d < 896, ACLNN_ERR_PARAM_INVALID, "x's last dim %lld must be below 896.", static_cast<long long>(d));
    if (mode == 1) {
        int varying = 0, seqAxis = 0;
        for (int axis = 0; axis < 3; ++axis) {
            if (cos->viewDims[axis] != 1) varying++, seqAxis = axis;
        }
        const int64_t others = x->viewDims[0] * x->viewDims[1] * x->viewDims[2] / x->viewDims[seqAxis];
        prepare.check(varying <= 1, ACLNN_ERR_PARAM_INVALID, "interleave mode: cos %s may vary over the sequence axis only (11SD, 1S1D, S11D).",
                      shapeText(cos->viewDims).c_str());
        prepare.check(others < 1000, ACLNN_ERR_PARAM_INVALID, "interleave mode: x %s has %lld batch x head rows, the op takes fewer than 1000.",
                      shapeText(x->viewDims).c_str(), static_cast<long long>(others));
    }
    prepare.shapeIs("out", out, x->viewDims);
    if (!prepare.ok()) return prepare.status();
    return prepare.finish(workspaceSize, executor, [d, mode](const aclOpExecutor &ex) {
        const Shape &shape = ex.tensor(0).viewDims;
        const std::vector<float> values = readFloats(ex.tensor(0));
        const std::vector<float> turned = rotated(values, d, mode);
        const std::vector<float> c = readFloats(ex.tensor(1), broadcastView(ex.tensor(1), shape));
        const std::vector<float> s = readFloats(ex.tensor(2), broadcastView(ex.tensor(2), shape));
        std::vector<float> y(values.size());
        for (size_t i = 0; i < y.size(); ++i) y[i] = values[i] * c[i] + turned[i] * s[i];
        writeFloats(ex.tensor(3), y);
        return ACL_SUCCESS;
    });
}
