#include "elementwise.h"

#include <cmath>

#include "core/dtype.h"
#include "core/tensor_access.h"

namespace emu {

float geluErf(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }

float geluTanh(float x) {
    const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + std::tanh(inner));
}

aclnnStatus unaryFloat(Prepare &prepare, const aclTensor *self, const aclTensor *out, FloatFn f, uint64_t *workspaceSize,
                       aclOpExecutor **executor, std::initializer_list<aclDataType> types) {
    prepare.dtypeIn("self", self, types).dtypeIn("out", out, types);
    if (!prepare.ok()) return prepare.status();
    prepare.shapeIs("out", out, self->viewDims);
    if (!prepare.ok()) return prepare.status();
    return prepare.finish(workspaceSize, executor, [f](const aclOpExecutor &ex) {
        std::vector<float> values = readFloats(ex.tensor(0));
        for (float &value : values) value = f(value);
        writeFloats(ex.tensor(1), values);
        return ACL_SUCCESS;
    });
}

// Reads a broadcast operand as int64 or float and combines, writing the output.
static void combine(const aclTensor &a, const View &va, const aclTensor &b, const View &vb, const aclTensor &out,
                    const FloatPairFn &f, const IntPairFn &integral) {
    if (integral && isIntegral(out.dtype) && isIntegral(a.dtype) && isIntegral(b.dtype)) {
        const std::vector<int64_t> x = readInts(a, va);
        const std::vector<int64_t> y = readInts(b, vb);
        std::vector<int64_t> result(x.size());
        for (size_t i = 0; i < x.size(); ++i) result[i] = integral(x[i], y[i]);
        writeInts(out, result);
        return;
    }
    const std::vector<float> x = readFloats(a, va);
    const std::vector<float> y = readFloats(b, vb);
    std::vector<float> result(x.size());
    for (size_t i = 0; i < x.size(); ++i) result[i] = f(x[i], y[i]);
    writeFloats(out, result);
}

aclnnStatus binary(Prepare &prepare, const aclTensor *self, const aclTensor *other, const aclTensor *out, FloatPairFn f,
                   IntPairFn integral, uint64_t *workspaceSize, aclOpExecutor **executor) {
    prepare.dtypeIn("self", self, kNumericTypes).dtypeIn("other", other, kNumericTypes).dtypeIn("out", out, kNumericTypes);
    if (!prepare.ok()) return prepare.status();
    const auto shape = broadcastShapes(self->viewDims, other->viewDims);
    prepare.check(shape.has_value(), ACLNN_ERR_PARAM_INVALID, "self %s and other %s do not broadcast.",
                  shapeText(self->viewDims).c_str(), shapeText(other->viewDims).c_str());
    if (shape) prepare.shapeIs("out", out, *shape);
    if (!prepare.ok()) return prepare.status();
    return prepare.finish(workspaceSize, executor, [f, integral](const aclOpExecutor &ex) {
        const aclTensor &out = ex.tensor(2);
        combine(ex.tensor(0), broadcastView(ex.tensor(0), out.viewDims), ex.tensor(1),
                broadcastView(ex.tensor(1), out.viewDims), out, f, integral);
        return ACL_SUCCESS;
    });
}

aclnnStatus withScalar(Prepare &prepare, const aclTensor *self, const aclScalar *scalar, const aclTensor *out, FloatPairFn f,
                       IntPairFn integral, uint64_t *workspaceSize, aclOpExecutor **executor) {
    prepare.notNull("other", scalar);
    prepare.dtypeIn("self", self, kNumericTypes).dtypeIn("out", out, kNumericTypes);
    if (!prepare.ok()) return prepare.status();
    prepare.shapeIs("out", out, self->viewDims);
    if (!prepare.ok()) return prepare.status();
    const bool integralScalar = isIntegral(scalar->dtype);
    const double value = scalar->value;
    return prepare.finish(workspaceSize, executor, [=](const aclOpExecutor &ex) {
        const aclTensor &in = ex.tensor(0);
        const aclTensor &out = ex.tensor(1);
        if (integral && integralScalar && isIntegral(in.dtype) && isIntegral(out.dtype)) {
            std::vector<int64_t> values = readInts(in);
            for (int64_t &v : values) v = integral(v, static_cast<int64_t>(value));
            writeInts(out, values);
            return ACL_SUCCESS;
        }
        std::vector<float> values = readFloats(in);
        for (float &v : values) v = f(v, static_cast<float>(value));
        writeFloats(out, values);
        return ACL_SUCCESS;
    });
}

}  // namespace emu
