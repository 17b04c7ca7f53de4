// aclDataType facts: names as CANN prints them, sizes, and element loads and stores that apply the
// storage rounding (fp32 -> fp16/bf16 round to nearest even; float -> integer truncates toward zero).
// INT4 packs two elements a byte, element 2i in the low nibble, signed (the layout WQBMM reads).
#pragma once

#include <cstdint>

#include "acl_abi.h"
#include "export.h"

namespace emu {

EMU_CORE_API const char *dtypeName(aclDataType dtype);  // "DT_FLOAT16"
EMU_CORE_API bool isKnownDtype(aclDataType dtype);
EMU_CORE_API bool isFloating(aclDataType dtype);
EMU_CORE_API bool isIntegral(aclDataType dtype);  // bool included

// Bytes covering elements [0, count) of a tensor of this dtype (INT4: half a byte each).
EMU_CORE_API int64_t storageBytes(aclDataType dtype, int64_t count);

// Element `index` of the storage at `base`.
EMU_CORE_API float loadFloat(aclDataType dtype, const void *base, int64_t index);
EMU_CORE_API int64_t loadInt(aclDataType dtype, const void *base, int64_t index);
EMU_CORE_API void storeFloat(aclDataType dtype, void *base, int64_t index, float value);
EMU_CORE_API void storeInt(aclDataType dtype, void *base, int64_t index, int64_t value);

// The value `value` takes when stored as `dtype` and read back.
EMU_CORE_API float roundTo(aclDataType dtype, float value);

}  // namespace emu
