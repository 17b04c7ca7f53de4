// aclnnInit / aclnnFinalize (aclnn/aclnn_base.h). nnopbase reads only op_debug_config from the JSON
// file it is given and logs, but does not fail, on a path it cannot read (opbase aclnn_init.cpp);
// the emulator has no debug kernels, so the file is not read at all.
#include "acl_abi.h"

extern "C" aclnnStatus aclnnInit(const char *configPath) {
    (void)configPath;
    return ACL_SUCCESS;
}

extern "C" aclnnStatus aclnnFinalize() { return ACL_SUCCESS; }
