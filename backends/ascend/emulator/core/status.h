// Error reporting in CANN's shape: a failing call returns a status and leaves a message that
// aclGetRecentErrMsg returns once, per thread, as "<code>: [PID: <pid>] <time> <text>".
#pragma once

#include <string>

#include "export.h"

namespace emu {

// Records `message` for the calling thread and returns `status`. The code follows the status as
// nnopbase's error manager maps it (op_log.h: 1xxxxx EZ1001, 3xxxxx EZ9903, 5xxxxx EZ9999 for aclnn
// statuses); runtime statuses get EE1001 (invalid argument) or EE9999.
EMU_CORE_API int report(int status, const std::string &message);

// printf-style report.
EMU_CORE_API int reportf(int status, const char *format, ...) __attribute__((format(printf, 2, 3)));

// The messages recorded on this thread since the last call, newline-joined; nullptr when none.
// The returned text stays valid until the thread's next call.
EMU_CORE_API const char *takeRecentErrors();

}  // namespace emu
