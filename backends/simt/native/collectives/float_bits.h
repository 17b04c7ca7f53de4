// Host-side element access for the emulated collective: f32, f16 and bf16 (the family's dtype codes
// 0, 1, 2) read into a double and written back rounded to nearest even directly from the double, never
// through float (which would round twice).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace glm::collectives {

// A binary format with `mantissa` stored bits, exponent bias `bias` and all-ones exponent `max_field`.
struct SmallFloat {
  int mantissa;
  int bias;
  int max_field;
};
constexpr SmallFloat kHalf{10, 15, 31};
constexpr SmallFloat kBfloat{7, 127, 255};

inline double decode_small(uint16_t bits, SmallFloat f) {
  const bool negative = bits >> 15;
  const int field = (bits >> f.mantissa) & f.max_field;
  const int frac = bits & ((1 << f.mantissa) - 1);
  double v;
  if (field == f.max_field) v = frac ? NAN : INFINITY;
  else if (field == 0) v = std::ldexp(frac, 1 - f.bias - f.mantissa);
  else v = std::ldexp(frac + (1 << f.mantissa), field - f.bias - f.mantissa);
  return negative ? -v : v;
}

inline uint16_t encode_small(double x, SmallFloat f) {
  const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  const uint16_t inf = static_cast<uint16_t>(f.max_field << f.mantissa);
  if (std::isnan(x)) return static_cast<uint16_t>(inf | (1 << (f.mantissa - 1)));
  const double a = std::fabs(x);
  if (std::isinf(a)) return sign | inf;
  int e = 0;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1): the leading bit has weight 2^(e-1)
  const int exponent = std::max(e - 1, 1 - f.bias);  // below the normal range: the subnormal step
  double q = std::nearbyint(std::ldexp(a, f.mantissa - exponent));  // round to nearest even
  int field = exponent + f.bias;
  if (q >= std::ldexp(1.0, f.mantissa + 1)) {  // rounded up to the next power of two
    q /= 2;
    ++field;
  }
  if (q < std::ldexp(1.0, f.mantissa)) field = 0;  // subnormal (or zero)
  if (field >= f.max_field) return sign | inf;
  const int frac = static_cast<int>(q) & ((1 << f.mantissa) - 1);
  return static_cast<uint16_t>(sign | (field << f.mantissa) | frac);
}

inline double load_element(const void* base, int dtype, int64_t i) {
  if (dtype == 0) return static_cast<const float*>(base)[i];
  const uint16_t bits = static_cast<const uint16_t*>(base)[i];
  if (dtype == 1) return decode_small(bits, kHalf);
  if (dtype == 2) return decode_small(bits, kBfloat);
  throw std::runtime_error("all-reduce: dtype code " + std::to_string(dtype) + " is not f32, f16 or bf16");
}

inline void store_element(void* base, int dtype, int64_t i, double v) {
  if (dtype == 0) static_cast<float*>(base)[i] = static_cast<float>(v);
  else if (dtype == 1) static_cast<uint16_t*>(base)[i] = encode_small(v, kHalf);
  else static_cast<uint16_t*>(base)[i] = encode_small(v, kBfloat);
}

}  // namespace glm::collectives
