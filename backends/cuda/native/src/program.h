// The launch-program interpreter is shared with the rocm-dcu backend: backends/gpu-common/native/program.h.
#pragma once
#include "../../../gpu-common/native/program.h"
