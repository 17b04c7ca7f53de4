#include "dtype.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "numeric.h"

namespace emu {
namespace {

template <typename T>
T read(const void *base, int64_t index) {
    T value;
    std::memcpy(&value, static_cast<const char *>(base) + index * static_cast<int64_t>(sizeof(T)), sizeof(T));
    return value;
}

template <typename T>
void write(void *base, int64_t index, T value) {
    std::memcpy(static_cast<char *>(base) + index * static_cast<int64_t>(sizeof(T)), &value, sizeof(T));
}

int64_t loadNibble(const void *base, int64_t index) {
    const uint8_t byte = static_cast<const uint8_t *>(base)[index >> 1];
    const int nibble = (index & 1) ? (byte >> 4) : (byte & 0x0f);
    return nibble >= 8 ? nibble - 16 : nibble;
}

void storeNibble(void *base, int64_t index, int64_t value) {
    uint8_t &byte = static_cast<uint8_t *>(base)[index >> 1];
    const uint8_t nibble = static_cast<uint8_t>(value) & 0x0f;
    byte = (index & 1) ? static_cast<uint8_t>((byte & 0x0f) | (nibble << 4)) : static_cast<uint8_t>((byte & 0xf0) | nibble);
}

// float -> integer: truncate toward zero, saturating (the hardware's conversion does not wrap).
template <typename T>
T truncateTo(float value) {
    if (std::isnan(value)) return 0;
    const double truncated = std::trunc(static_cast<double>(value));
    if (truncated <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (truncated >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(truncated);
}

}  // namespace

const char *dtypeName(aclDataType dtype) {
    switch (dtype) {
    case ACL_FLOAT: return "DT_FLOAT";
    case ACL_FLOAT16: return "DT_FLOAT16";
    case ACL_BF16: return "DT_BFLOAT16";
    case ACL_DOUBLE: return "DT_DOUBLE";
    case ACL_INT8: return "DT_INT8";
    case ACL_UINT8: return "DT_UINT8";
    case ACL_INT16: return "DT_INT16";
    case ACL_INT32: return "DT_INT32";
    case ACL_INT64: return "DT_INT64";
    case ACL_BOOL: return "DT_BOOL";
    case ACL_INT4: return "DT_INT4";
    default: return "DT_UNDEFINED";
    }
}

bool isKnownDtype(aclDataType dtype) { return std::strcmp(dtypeName(dtype), "DT_UNDEFINED") != 0; }

bool isFloating(aclDataType dtype) {
    return dtype == ACL_FLOAT || dtype == ACL_FLOAT16 || dtype == ACL_BF16 || dtype == ACL_DOUBLE;
}

bool isIntegral(aclDataType dtype) { return isKnownDtype(dtype) && !isFloating(dtype); }

int64_t storageBytes(aclDataType dtype, int64_t count) {
    switch (dtype) {
    case ACL_INT4: return (count + 1) / 2;
    case ACL_INT8: case ACL_UINT8: case ACL_BOOL: return count;
    case ACL_FLOAT16: case ACL_BF16: case ACL_INT16: return 2 * count;
    case ACL_FLOAT: case ACL_INT32: return 4 * count;
    default: return 8 * count;
    }
}

float loadFloat(aclDataType dtype, const void *base, int64_t index) {
    switch (dtype) {
    case ACL_FLOAT: return read<float>(base, index);
    case ACL_FLOAT16: return halfToFloat(read<uint16_t>(base, index));
    case ACL_BF16: return bf16ToFloat(read<uint16_t>(base, index));
    case ACL_DOUBLE: return static_cast<float>(read<double>(base, index));
    default: return static_cast<float>(loadInt(dtype, base, index));
    }
}

int64_t loadInt(aclDataType dtype, const void *base, int64_t index) {
    switch (dtype) {
    case ACL_INT8: return read<int8_t>(base, index);
    case ACL_UINT8: return read<uint8_t>(base, index);
    case ACL_BOOL: return read<uint8_t>(base, index) != 0;
    case ACL_INT16: return read<int16_t>(base, index);
    case ACL_INT32: return read<int32_t>(base, index);
    case ACL_INT64: return read<int64_t>(base, index);
    case ACL_INT4: return loadNibble(base, index);
    default: return truncateTo<int64_t>(loadFloat(dtype, base, index));
    }
}

void storeFloat(aclDataType dtype, void *base, int64_t index, float value) {
    switch (dtype) {
    case ACL_FLOAT: write<float>(base, index, value); return;
    case ACL_FLOAT16: write<uint16_t>(base, index, floatToHalf(value)); return;
    case ACL_BF16: write<uint16_t>(base, index, floatToBf16(value)); return;
    case ACL_DOUBLE: write<double>(base, index, value); return;
    case ACL_BOOL: write<uint8_t>(base, index, value != 0.0f); return;
    case ACL_INT8: write<int8_t>(base, index, truncateTo<int8_t>(value)); return;
    case ACL_UINT8: write<uint8_t>(base, index, truncateTo<uint8_t>(value)); return;
    case ACL_INT16: write<int16_t>(base, index, truncateTo<int16_t>(value)); return;
    case ACL_INT32: write<int32_t>(base, index, truncateTo<int32_t>(value)); return;
    case ACL_INT64: write<int64_t>(base, index, truncateTo<int64_t>(value)); return;
    case ACL_INT4: storeNibble(base, index, truncateTo<int8_t>(value)); return;
    default: return;
    }
}

void storeInt(aclDataType dtype, void *base, int64_t index, int64_t value) {
    switch (dtype) {
    case ACL_INT8: write<int8_t>(base, index, static_cast<int8_t>(value)); return;
    case ACL_UINT8: write<uint8_t>(base, index, static_cast<uint8_t>(value)); return;
    case ACL_BOOL: write<uint8_t>(base, index, value != 0); return;
    case ACL_INT16: write<int16_t>(base, index, static_cast<int16_t>(value)); return;
    case ACL_INT32: write<int32_t>(base, index, static_cast<int32_t>(value)); return;
    case ACL_INT64: write<int64_t>(base, index, value); return;
    case ACL_INT4: storeNibble(base, index, value); return;
    default: storeFloat(dtype, base, index, static_cast<float>(value)); return;
    }
}

float roundTo(aclDataType dtype, float value) {
    switch (dtype) {
    case ACL_FLOAT16: return roundToHalf(value);
    case ACL_BF16: return roundToBf16(value);
    default: return value;
    }
}

}  // namespace emu
