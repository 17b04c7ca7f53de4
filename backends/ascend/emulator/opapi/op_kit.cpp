#include "op_kit.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/device_memory.h"
#include "core/dtype.h"
#include "core/fault.h"
#include "core/runtime_state.h"
#include "core/soc.h"
#include "core/status.h"
#include "core/tensor_access.h"

namespace emu {
namespace {

thread_local aclrtStream launching = nullptr;  // the stream of the launch in progress

const acl_abi::OpEntry *findOp(const char *op) {
    for (const acl_abi::OpEntry &entry : acl_abi::kOps) {
        if (std::strcmp(entry.name, op) == 0) return &entry;
    }
    return nullptr;
}

std::string format(const char *text, va_list args) {
    va_list copy;
    va_copy(copy, args);
    const int length = std::vsnprintf(nullptr, 0, text, copy);
    va_end(copy);
    std::vector<char> buffer(static_cast<size_t>(length > 0 ? length : 0) + 1);
    std::vsnprintf(buffer.data(), buffer.size(), text, args);
    return buffer.data();
}

// Bytes [first, last] a tensor's view touches, from its un-offset base.
void byteExtent(const aclTensor &tensor, int64_t &first, int64_t &last) {
    storageExtent(viewOf(tensor), first, last);
    if (tensor.dtype == ACL_INT4) {
        first >>= 1;
        last >>= 1;
        return;
    }
    const int64_t size = storageBytes(tensor.dtype, 1);
    first *= size;
    last = last * size + size - 1;
}

// Whether a tensor's elements all lie in one device allocation.
bool onDevice(const aclTensor &tensor) {
    if (tensor.numel() == 0) return true;
    int64_t first = 0;
    int64_t last = 0;
    byteExtent(tensor, first, last);
    const char *base = static_cast<const char *>(tensor.data);
    return tensor.data && findAllocation(base + first, static_cast<size_t>(last - first + 1)).has_value();
}

aclnnStatus checkDeviceResidence(const aclOpExecutor &executor) {
    for (size_t i = 0; i < executor.slots.size(); ++i) {
        const Slot &slot = executor.slots[i];
        std::vector<const aclTensor *> tensors;
        if (slot.present) tensors.push_back(&slot.tensor);
        for (const aclTensor &member : slot.members) tensors.push_back(&member);
        for (const aclTensor *tensor : tensors) {
            if (onDevice(*tensor)) continue;
            char text[160];
            std::snprintf(text, sizeof text, "tensor %s (slot %zu) at %p", slot.name.c_str(), i, tensor->data);
            return runtimeFault("aclnn" + executor.op + ": " + text +
                                            " is not device memory (not inside one aclrtMalloc allocation).");
        }
    }
    return ACL_SUCCESS;
}

}  // namespace

Prepare::Prepare(const char *op) : op_(op), executor_(std::make_unique<aclOpExecutor>()) {
    executor_->op = op;
    const acl_abi::OpEntry *entry = findOp(op);
    if (!entry) {
        fail(ACLNN_ERR_INNER, std::string("emulator: ") + op + " is not in the ABI table.");
    } else if (!hasOp(entry->soc)) {
        // As op_api reports an op its SoC lacks (#18133: EZ9903 "support for Ascend910 is not implemented").
        report(ACLNN_ERR_RUNTIME_ERROR, "support for " + soc().platform + " is not implemented");
        status_ = ACLNN_ERR_RUNTIME_ERROR;
    }
}

Prepare &Prepare::fail(aclnnStatus status, const std::string &message) {
    if (!ok()) return *this;
    status_ = status;
    report(status, std::string("aclnn") + op_ + ": " + message);
    return *this;
}

Prepare &Prepare::check(bool condition, aclnnStatus status, const char *text, ...) {
    if (condition || !ok()) return *this;
    va_list args;
    va_start(args, text);
    const std::string message = format(text, args);
    va_end(args);
    return fail(status, message);
}

bool Prepare::checkTensor(const char *name, const aclTensor &tensor) {
    if (tensor.format == ACL_FORMAT_FRACTAL_NZ) {
        fail(ACLNN_ERR_PARAM_INVALID, std::string(name) + " is FRACTAL_NZ: " +
                                          (isOriginal910() ? "not supported on " + soc().platform + " (ND only)"
                                                           : std::string("the emulator models ND tensors only")));
        return false;
    }
    if (tensor.format != ACL_FORMAT_ND && tensor.format != ACL_FORMAT_NCHW && tensor.format != ACL_FORMAT_NHWC) {
        fail(ACLNN_ERR_PARAM_INVALID, std::string(name) + ": format " + std::to_string(tensor.format) + " is not modelled.");
        return false;
    }
    if (tensor.dtype == ACL_BF16 && isOriginal910()) {
        fail(ACLNN_ERR_PARAM_INVALID, std::string(name) + " dtype DT_BFLOAT16 is not supported on " + soc().platform + ".");
        return false;
    }
    return true;
}

Prepare &Prepare::slot(const char *name, const aclTensor *tensor, bool output, bool optional) {
    if (!ok()) return *this;
    if (!tensor && !optional) return fail(ACLNN_ERR_PARAM_NULLPTR, std::string(name) + " should not be nullptr.");
    if (tensor && !checkTensor(name, *tensor)) return *this;
    Slot slot;
    slot.name = name;
    slot.output = output;
    slot.present = tensor != nullptr;
    slot.source = tensor;
    if (tensor) slot.tensor = *tensor;
    executor_->slots.push_back(std::move(slot));
    return *this;
}

Prepare &Prepare::input(const char *name, const aclTensor *tensor) { return slot(name, tensor, false, false); }
Prepare &Prepare::optionalInput(const char *name, const aclTensor *tensor) { return slot(name, tensor, false, true); }
Prepare &Prepare::output(const char *name, const aclTensor *tensor) { return slot(name, tensor, true, false); }
Prepare &Prepare::optionalOutput(const char *name, const aclTensor *tensor) { return slot(name, tensor, true, true); }

Prepare &Prepare::inputList(const char *name, const aclTensorList *list) {
    if (!ok()) return *this;
    if (!list) return fail(ACLNN_ERR_PARAM_NULLPTR, std::string(name) + " should not be nullptr.");
    Slot slot;
    slot.name = name;
    slot.list = true;
    slot.source = list;
    for (const aclTensor *tensor : list->tensors) {
        if (!tensor) return fail(ACLNN_ERR_PARAM_NULLPTR, std::string(name) + " holds a null tensor.");
        if (!checkTensor(name, *tensor)) return *this;
        slot.members.push_back(*tensor);
    }
    executor_->slots.push_back(std::move(slot));
    return *this;
}

Prepare &Prepare::dtypeIn(const char *name, const aclTensor *tensor, std::initializer_list<aclDataType> allowed) {
    if (!ok() || !tensor) return *this;
    std::string list;
    bool found = false;
    for (aclDataType dtype : allowed) {
        if (dtype == ACL_BF16 && isOriginal910()) continue;
        list += std::string(dtypeName(dtype)) + ", ";
        found = found || dtype == tensor->dtype;
    }
    return check(found, ACLNN_ERR_PARAM_INVALID, "%s dtype %s should be in dtype support list [%s].", name,
                 dtypeName(tensor->dtype), list.c_str());
}

Prepare &Prepare::sameDtype(const char *name, const aclTensor *tensor, const char *otherName, const aclTensor *other) {
    if (!ok() || !tensor || !other) return *this;
    return check(tensor->dtype == other->dtype, ACLNN_ERR_PARAM_INVALID, "%s dtype %s and %s dtype %s should be the same.",
                 name, dtypeName(tensor->dtype), otherName, dtypeName(other->dtype));
}

Prepare &Prepare::shapeIs(const char *name, const aclTensor *tensor, const Shape &expected) {
    if (!ok() || !tensor) return *this;
    return check(tensor->viewDims == expected, ACLNN_ERR_PARAM_INVALID, "%s shape %s should be %s.", name,
                 shapeText(tensor->viewDims).c_str(), shapeText(expected).c_str());
}

Prepare &Prepare::notNull(const char *name, const void *value) {
    return check(value != nullptr, ACLNN_ERR_PARAM_NULLPTR, "%s should not be nullptr.", name);
}

aclnnStatus Prepare::finish(uint64_t *workspaceSize, aclOpExecutor **executor, RunFn run, uint64_t workspace) {
    notNull("workspaceSize", workspaceSize).notNull("executor", executor);
    const acl_abi::OpEntry *entry = findOp(op_);
    check(!entry || static_cast<size_t>(entry->tensorSlots) == executor_->slots.size(), ACLNN_ERR_INNER,
          "emulator: %zu tensor slots made, the ABI table lists %d.", executor_->slots.size(),
          entry ? entry->tensorSlots : -1);
    if (!ok()) return status_;
    executor_->run = std::move(run);
    executor_->workspaceSize = workspace;
    *workspaceSize = workspace;
    *executor = registerExecutor(std::move(executor_));
    return ACL_SUCCESS;
}

aclnnStatus runtimeFault(const std::string &message) {
    if (Stream *found = findStream(launching)) found->stickyError = ACL_ERROR_RT_AICORE_EXCEPTION;
    return report(ACLNN_ERR_RUNTIME_ERROR, message + " On an NPU the AI Core raises an exception (507015).");
}

static aclnnStatus checkExecutor(const char *op, const aclOpExecutor *executor) {
    const std::string api = std::string("aclnn") + op;
    if (!executor) return reportf(ACLNN_ERR_PARAM_NULLPTR, "%s: executor is null.", api.c_str());
    switch (executorState(executor)) {
    case ExecutorState::Consumed:
        return reportf(ACLNN_ERR_PARAM_INVALID,
                       "%s: executor %p already ran and was not made repeatable (aclSetAclOpExecutorRepeatable); "
                       "an executor is single-use by default.",
                       api.c_str(), static_cast<const void *>(executor));
    case ExecutorState::Unknown:
        return reportf(ACLNN_ERR_PARAM_INVALID, "%s: %p is not an executor.", api.c_str(), static_cast<const void *>(executor));
    default:
        break;
    }
    if (executor->op != op) {
        return reportf(ACLNN_ERR_PARAM_INVALID, "%s: the executor was made by aclnn%sGetWorkspaceSize.", api.c_str(),
                       executor->op.c_str());
    }
    return ACL_SUCCESS;
}

static aclnnStatus checkWorkspace(const aclOpExecutor &executor, void *workspace, uint64_t size) {
    if (executor.workspaceSize == 0) return ACL_SUCCESS;
    if (size < executor.workspaceSize) {
        return reportf(ACLNN_ERR_PARAM_INVALID, "aclnn%s: workspaceSize %llu is smaller than the %llu bytes asked for.",
                       executor.op.c_str(), static_cast<unsigned long long>(size),
                       static_cast<unsigned long long>(executor.workspaceSize));
    }
    if (workspace && findAllocation(workspace, size)) return ACL_SUCCESS;
    return runtimeFault("aclnn" + executor.op + ": the workspace is not device memory.");
}

aclnnStatus launch(const char *op, void *workspace, uint64_t workspaceSize, aclOpExecutor *executor, aclrtStream stream) {
    if (aclnnStatus status = checkExecutor(op, executor)) return status;
    if (!findStream(stream)) {
        return reportf(ACLNN_ERR_RUNTIME_ERROR, "aclnn%s: stream %p is not a live stream (or no device is set).", op, stream);
    }
    launching = stream;
    aclnnStatus status = checkWorkspace(*executor, workspace, workspaceSize);
    if (!status) status = checkDeviceResidence(*executor);
    if (!status && glm::fault::hit(glm::fault::kLaunch)) {
        status = runtimeFault(std::string("aclnn") + op + ": the launch failed " + glm::fault::injected_text(glm::fault::kLaunch) + ".");
    }
    if (!status) status = executor->run(*executor);
    if (!executor->repeatable) releaseExecutor(executor, true);
    return status;
}

}  // namespace emu
