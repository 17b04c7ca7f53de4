// The kernels' interface is shared with the rocm-dcu backend: backends/gpu-common/native/kernels.h.
#pragma once
#include "../../../gpu-common/native/kernels.h"
