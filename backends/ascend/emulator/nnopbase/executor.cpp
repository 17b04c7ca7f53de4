// Executor reuse (aclnn/acl_meta.h): repeatable executors, their destruction, and rebinding a
// tensor slot's address. Slot indices follow the ABI table (abi.ts tensorSlots): aclSetTensorAddr
// counts all tensor parameters in argument order (inputs, then outputs), aclSetInputTensorAddr the
// inputs only, aclSetOutputTensorAddr the outputs only. As in nnopbase, the call also sets the given
// tensor's own address; the emulator insists that the tensor is the one the slot was made from.
#include <string>

#include "acl_abi.h"
#include "core/executor.h"
#include "core/status.h"

namespace {

aclnnStatus requireLive(const char *api, const aclOpExecutor *executor) {
    using namespace emu;
    if (!executor) return reportf(ACLNN_ERR_PARAM_NULLPTR, "%s: executor is null.", api);
    switch (executorState(executor)) {
    case ExecutorState::Live:
        return ACL_SUCCESS;
    case ExecutorState::Consumed:
        return reportf(ACLNN_ERR_PARAM_INVALID,
                       "%s: executor %p was consumed by its launch; only an executor made repeatable "
                       "(aclSetAclOpExecutorRepeatable) outlives its launch.",
                       api, static_cast<const void *>(executor));
    default:
        return reportf(ACLNN_ERR_PARAM_INVALID, "%s: %p is not an executor.", api, static_cast<const void *>(executor));
    }
}

size_t inputCount(const aclOpExecutor &executor) {
    size_t inputs = 0;
    for (const emu::Slot &slot : executor.slots) inputs += slot.output ? 0 : 1;
    return inputs;
}

aclnnStatus rebind(const char *api, aclOpExecutor *executor, size_t slotIndex, aclTensor *tensor, void *addr) {
    using namespace emu;
    if (!tensor) return reportf(ACLNN_ERR_INNER_NULLPTR, "%s: tensor is null.", api);
    tensor->data = addr;
    if (aclnnStatus status = requireLive(api, executor)) return status;
    if (slotIndex >= executor->slots.size()) {
        return reportf(ACLNN_ERR_PARAM_INVALID, "%s: index out of range: the %s executor has %zu tensor slots.", api,
                       executor->op.c_str(), executor->slots.size());
    }
    Slot &slot = executor->slots[slotIndex];
    if (!slot.present || slot.list) {
        return reportf(ACLNN_ERR_PARAM_INVALID, "%s: slot %zu (%s) of the %s executor is %s.", api, slotIndex,
                       slot.name.c_str(), executor->op.c_str(), slot.list ? "a tensor list" : "an absent optional tensor");
    }
    if (slot.source != tensor) {
        return reportf(ACLNN_ERR_PARAM_INVALID, "%s: slot %zu of the %s executor is %s, made from tensor %p, not %p.", api,
                       slotIndex, executor->op.c_str(), slot.name.c_str(), slot.source, static_cast<void *>(tensor));
    }
    slot.tensor.data = addr;
    return ACL_SUCCESS;
}

}  // namespace

extern "C" aclnnStatus aclSetAclOpExecutorRepeatable(aclOpExecutor *executor) {
    if (aclnnStatus status = requireLive("aclSetAclOpExecutorRepeatable", executor)) return status;
    executor->repeatable = true;
    return ACL_SUCCESS;
}

extern "C" aclnnStatus aclDestroyAclOpExecutor(aclOpExecutor *executor) {
    if (aclnnStatus status = requireLive("aclDestroyAclOpExecutor", executor)) return status;
    emu::releaseExecutor(executor, false);
    return ACL_SUCCESS;
}

extern "C" aclnnStatus aclSetTensorAddr(aclOpExecutor *executor, const size_t index, aclTensor *tensor, void *addr) {
    return rebind("aclSetTensorAddr", executor, index, tensor, addr);
}

extern "C" aclnnStatus aclSetInputTensorAddr(aclOpExecutor *executor, const size_t index, aclTensor *tensor, void *addr) {
    const char *api = "aclSetInputTensorAddr";
    if (executor && emu::executorState(executor) == emu::ExecutorState::Live && index >= inputCount(*executor)) {
        return emu::reportf(ACLNN_ERR_PARAM_INVALID, "%s: input index %zu out of range: the %s executor has %zu inputs.",
                            api, index, executor->op.c_str(), inputCount(*executor));
    }
    return rebind(api, executor, index, tensor, addr);
}

extern "C" aclnnStatus aclSetOutputTensorAddr(aclOpExecutor *executor, const size_t index, aclTensor *tensor, void *addr) {
    const char *api = "aclSetOutputTensorAddr";
    if (aclnnStatus status = requireLive(api, executor)) return status;
    return rebind(api, executor, inputCount(*executor) + index, tensor, addr);
}
