// Launchers of the records that move bytes: strided copies (and gathers) and the in-place KV-cache
// append (kernels/copy.c).
#include <algorithm>

#include "chip.h"
#include "kernels.h"
#include "launchers.h"

namespace glm::sunway::launchers {
namespace {

// The part a copy record and a cache-write record share: element size, rank, shape, the two stride
// lists, then dst and src.
void read_strided_copy(Reader& r, sw_copy_args& a) {
  a.elem_bytes = r.i32();
  a.rank = read_rank(r);
  read_dims(r, a.rank, a.shape);
  read_dims(r, a.rank, a.dst_strides);
  read_dims(r, a.rank, a.src_strides);
  a.dst = read_ptr(r);
  a.src = read_ptr<const char>(r);
}

void launch_copy(Reader& r, sw_copy_args& a) {
  int64_t rows = 1;
  for (int d = 0; d + 1 < a.rank; ++d) rows *= a.shape[d];
  // A staging buffer: the whole LDM budget is the copy's, but longer DMAs gain nothing.
  a.chunk_bytes = static_cast<int32_t>(std::min<int64_t>(64 << 10, static_cast<int64_t>(chip().ldm_budget) / 2) / 16 * 16);
  set_common(a.c, r.tag(), core_groups_for(rows));
  spawn(SLAVE_FUN(sw_copy_kernel), "copy", &a, a.c);
}

}  // namespace

void copy(Reader& r) {
  sw_copy_args a{};
  read_strided_copy(r, a);
  a.index_dim = r.i32();
  a.index_limit = r.i64();
  a.indices = read_ptr<const int32_t>(r);
  r.finish();
  launch_copy(r, a);
}

void cache_write(Reader& r) {
  sw_copy_args a{};
  read_strided_copy(r, a);
  a.index_dim = -1;
  a.offset = read_ptr<const int32_t>(r);
  a.offset_stride = r.i64();
  a.max_offset = r.i64();
  r.finish();
  if (!a.offset) throw ProgramError("cache-write: no offset tensor", r.tag());
  launch_copy(r, a);
}

}  // namespace glm::sunway::launchers
