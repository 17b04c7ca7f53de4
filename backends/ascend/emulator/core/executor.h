// aclOpExecutor: what an op's GetWorkspaceSize prepared for its launch. It keeps a copy of each
// tensor argument (its "slot"), so the caller may destroy its tensors once the executor exists;
// slots follow the ABI table's order — the aclTensor / aclTensorList parameters in argument order,
// inputs then outputs — and aclSetTensorAddr rebinds one by that index.
//
// An executor is single-use, as in CANN: its launch consumes it. One made repeatable
// (aclSetAclOpExecutorRepeatable) may launch any number of times until aclDestroyAclOpExecutor.
// The registry remembers recently consumed executors so that a second launch of one fails with a
// message instead of touching freed memory.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "export.h"
#include "objects.h"

namespace emu {

struct Slot {
    std::string name;
    bool output = false;
    bool present = false;             // false: an absent optional argument
    bool list = false;                // an aclTensorList
    const void *source = nullptr;     // the caller's object, for aclSetTensorAddr's identity check
    aclTensor tensor;                 // the copy (single tensor)
    std::vector<aclTensor> members;  // the copies (list)
};

}  // namespace emu

struct aclOpExecutor {
    std::string op;
    std::vector<emu::Slot> slots;
    uint64_t workspaceSize = 0;
    bool repeatable = false;
    std::function<aclnnStatus(const aclOpExecutor &)> run;

    const aclTensor &tensor(size_t slot) const { return slots[slot].tensor; }
    const aclTensor *optional(size_t slot) const { return slots[slot].present ? &slots[slot].tensor : nullptr; }
    const std::vector<aclTensor> &list(size_t slot) const { return slots[slot].members; }
};

namespace emu {

enum class ExecutorState { Live, Consumed, Unknown };

EMU_CORE_API aclOpExecutor *registerExecutor(std::unique_ptr<aclOpExecutor> executor);
EMU_CORE_API ExecutorState executorState(const aclOpExecutor *executor);
// Frees a live executor; `consumed` remembers it as launched (for the second-launch message).
EMU_CORE_API void releaseExecutor(aclOpExecutor *executor, bool consumed);

}  // namespace emu
