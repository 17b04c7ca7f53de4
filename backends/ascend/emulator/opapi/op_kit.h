// What every op's first phase (aclnnXxxGetWorkspaceSize) shares: the SoC gate, the tensor slots,
// the argument checks all ops make, and the executor it hands back. An op file reads:
//
//   Prepare prepare("Matmul");
//   prepare.input("self", self).input("mat2", mat2).output("out", out);
//   prepare.dtypeIn("self", self, {ACL_FLOAT16, ACL_BF16, ACL_FLOAT}) ...;
//   if (!prepare.ok()) return prepare.status();
//   return prepare.finish(workspaceSize, executor, [=](const aclOpExecutor &ex) { ...compute... });
//
// Checks stop at the first failure, which is what the op returns, with its message recorded for
// aclGetRecentErrMsg.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

#include "acl_abi.h"
#include "core/executor.h"
#include "core/objects.h"

namespace emu {

using RunFn = std::function<aclnnStatus(const aclOpExecutor &)>;

// Workspace sizes the emulator asks for: nonzero where real kernels need scratch (Cube products,
// reductions, fused attention), so a binding's workspace path is exercised. Nothing is written there.
constexpr uint64_t kCubeWorkspace = 16 << 10;
constexpr uint64_t kReduceWorkspace = 4 << 10;
constexpr uint64_t kAttentionWorkspace = 64 << 10;

class Prepare {
public:
    explicit Prepare(const char *op);

    bool ok() const { return status_ == ACL_SUCCESS; }
    aclnnStatus status() const { return status_; }
    const char *op() const { return op_; }

    // Tensor slots, in the ABI table's order (argument order: inputs, then outputs).
    Prepare &input(const char *name, const aclTensor *tensor);
    Prepare &optionalInput(const char *name, const aclTensor *tensor);
    Prepare &inputList(const char *name, const aclTensorList *list);
    Prepare &output(const char *name, const aclTensor *tensor);
    Prepare &optionalOutput(const char *name, const aclTensor *tensor);

    // Fails with `status` and the formatted message unless `condition` holds.
    Prepare &check(bool condition, aclnnStatus status, const char *format, ...) __attribute__((format(printf, 4, 5)));
    // The tensor's dtype is one of `allowed`; the original 910 has no BF16 in any op.
    Prepare &dtypeIn(const char *name, const aclTensor *tensor, std::initializer_list<aclDataType> allowed);
    Prepare &sameDtype(const char *name, const aclTensor *tensor, const char *otherName, const aclTensor *other);
    Prepare &shapeIs(const char *name, const aclTensor *tensor, const Shape &expected);
    Prepare &notNull(const char *name, const void *value);

    // Makes the executor (workspace: bytes the launch must be given).
    aclnnStatus finish(uint64_t *workspaceSize, aclOpExecutor **executor, RunFn run, uint64_t workspace = 0);

private:
    Prepare &slot(const char *name, const aclTensor *tensor, bool output, bool optional);
    bool checkTensor(const char *name, const aclTensor &tensor);
    Prepare &fail(aclnnStatus status, const std::string &message);

    const char *op_;
    aclnnStatus status_ = ACL_SUCCESS;
    std::unique_ptr<aclOpExecutor> executor_;
};

// The op's second phase (aclnnXxx): checks the executor, stream, workspace and that every tensor
// lies in device memory, runs the op, and consumes a single-use executor.
aclnnStatus launch(const char *op, void *workspace, uint64_t workspaceSize, aclOpExecutor *executor, aclrtStream stream);

// Reports a failure found while the op runs (an index out of range, say): the launch returns
// ACLNN_ERR_RUNTIME_ERROR and the launching stream's next synchronisation an AI Core exception, as
// on an NPU.
aclnnStatus runtimeFault(const std::string &message);

}  // namespace emu
