// The second phase of every op: one definition per op_list.h line, each checked by the compiler
// against the ABI table's prototype in acl_abi.h.
#include "acl_abi.h"
#include "op_kit.h"

#define EMU_OP(Op)                                                                                          \
    extern "C" aclnnStatus aclnn##Op(void *workspace, uint64_t workspaceSize, aclOpExecutor *executor, aclrtStream stream) { \
        return emu::launch(#Op, workspace, workspaceSize, executor, stream);                                   \
    }
#include "op_list.h"
#undef EMU_OP
