// Element-wise ops: computed in fp32 from the inputs' stored values and rounded once to the output
// dtype (integer inputs and outputs stay in int64 arithmetic); inputs broadcast to the output.
#pragma once

#include <functional>

#include "op_kit.h"

namespace emu {

constexpr std::initializer_list<aclDataType> kFloatTypes = {ACL_FLOAT, ACL_FLOAT16, ACL_BF16};
constexpr std::initializer_list<aclDataType> kNumericTypes = {ACL_FLOAT, ACL_FLOAT16, ACL_BF16, ACL_INT32, ACL_INT64};

using FloatFn = std::function<float(float)>;
using FloatPairFn = std::function<float(float, float)>;
using IntPairFn = std::function<int64_t(int64_t, int64_t)>;

// out = f(self): slots self (0), out (1); `types` the dtypes both may have.
aclnnStatus unaryFloat(Prepare &prepare, const aclTensor *self, const aclTensor *out, FloatFn f,
                       uint64_t *workspaceSize, aclOpExecutor **executor,
                       std::initializer_list<aclDataType> types = kFloatTypes);

// out = f(self, other) with broadcasting: slots self (0), other (1), out (2). Integral outputs use
// `integral` when given, else the float function.
aclnnStatus binary(Prepare &prepare, const aclTensor *self, const aclTensor *other, const aclTensor *out, FloatPairFn f,
                   IntPairFn integral, uint64_t *workspaceSize, aclOpExecutor **executor);

// out = f(self, scalar): slots self (0), out (1).
aclnnStatus withScalar(Prepare &prepare, const aclTensor *self, const aclScalar *scalar, const aclTensor *out, FloatPairFn f,
                       IntPairFn integral, uint64_t *workspaceSize, aclOpExecutor **executor);

// GELU in fp32: the erf form (GeluV2 approximate 0) and the tanh form (aclnnGelu; GeluV2 approximate 1).
float geluErf(float x);
float geluTanh(float x);

}  // namespace emu
