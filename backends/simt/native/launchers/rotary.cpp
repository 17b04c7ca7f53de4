// Launchers of the rotary-embedding records: the cos/sin table, rope through strides, and the fused
// QKV bias + rope split (optionally writing K and V straight into the KV cache).
#include "fields.h"
#include "launchers.h"

namespace glm::launchers {

void rotary_table(Reader& r) {
  float* cos_out = r.ptr<float>();
  float* sin_out = r.ptr<float>();
  const int32_t* positions = r.ptr<const int32_t>();
  const int64_t tokens = r.i64(), dim = r.i64();
  const double base = r.f64();
  r.finish();
  launch_rotary_table(cos_out, sin_out, positions, tokens, dim, base, device::stream());
  device::check_launch("rotary-table");
}

void rope(Reader& r) {
  const int dtype = r.i32();
  RopeParams p{};
  p.out = r.ptr();
  p.x = r.ptr();
  p.positions = r.ptr<const int32_t>();
  p.block_positions = r.ptr<const int32_t>();
  read_strides4(r, p.x_strides);
  read_strides4(r, p.out_strides);
  read_rotary_shape(r, p);
  r.finish();
  launch_rope(dtype, p, device::stream());
  device::check_launch("rope");
}

namespace {

void read_qkv_bias_rope(Reader& r, QkvRopeParams& p) {
  for (void*& out : p.out) out = r.ptr();
  p.qkv = r.ptr();
  p.bias = r.ptr();
  p.positions = r.ptr<const int32_t>();
  p.block_positions = r.ptr<const int32_t>();
  for (auto& strides : p.out_strides) read_strides4(r, strides);
  read_rotary_shape(r, p);
  for (int part = 0; part < 2; ++part) {
    p.cache[part] = r.ptr();
    read_strides4(r, p.cache_strides[part]);
  }
  p.cache_offset = r.ptr<const int32_t>();
  p.max_offset = r.i64();
  r.finish();
}

}  // namespace

void qkv_bias_rope(Reader& r) {
  const int dtype = r.i32();
  QkvRopeParams p{};
  read_qkv_bias_rope(r, p);
  if ((p.cache[0] || p.cache[1]) && !p.cache_offset) throw ProgramError("qkv-bias-rope: a cache without an offset tensor", r.tag());
  if (!p.out[0] || (!p.out[1] && !p.cache[0]) || (!p.out[2] && !p.cache[1])) throw ProgramError("qkv-bias-rope: an output goes nowhere", r.tag());
  flag_errors(r, p);
  launch_qkv_bias_rope(dtype, p, device::stream());
  device::check_launch("qkv-bias-rope");
}

}  // namespace glm::launchers
