// Launchers of the records that move bytes: strided copies (and gathers), device copies, and the
// in-place KV-cache append.
#include "fields.h"
#include "launchers.h"

namespace glm::launchers {

void copy(Reader& r) {
  CopyParams p{};
  const int64_t count = read_strided_copy(r, p);
  p.index_dim = r.i32();
  p.index_limit = r.i64();
  p.indices = r.ptr<const int32_t>();
  r.finish();
  flag_errors(r, p);
  launch_copy(p, count, device::stream());
  device::check_launch("copy");
}

void memcpy(Reader& r) {
  const uint64_t dst = static_cast<uint64_t>(r.f64());
  const uint64_t src = static_cast<uint64_t>(r.f64());
  const uint64_t bytes = static_cast<uint64_t>(r.f64());
  r.finish();
  if (bytes > 0) device::copy_async(dst, src, bytes);
}

void cache_write(Reader& r) {
  CacheWriteParams p{};
  const int64_t count = read_strided_copy(r, p);
  p.offset = r.ptr<const int32_t>();
  p.offset_stride = r.i64();
  p.max_offset = r.i64();
  r.finish();
  if (!p.offset) throw ProgramError("cache-write: no offset tensor", r.tag());
  flag_errors(r, p);
  launch_cache_write(p, count, device::stream());
  device::check_launch("cache-write");
}

}  // namespace glm::launchers
