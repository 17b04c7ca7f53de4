// Reading the argument groups that several SIMT launch records share (each record's argument order is
// the order its launcher reads them in, written out once on the TypeScript side in the emit helpers of
// the family's lowerings).
#pragma once

#include <string>

#include "kernels.h"
#include "program.h"
#include "simt_device.h"

namespace glm::launchers {

inline int read_rank(Reader& r) {
  const int rank = r.i32();
  if (rank < 0 || rank > kMaxRank) throw ProgramError(std::string(r.op()) + ": rank " + std::to_string(rank) + " exceeds " + std::to_string(kMaxRank), r.tag());
  return rank;
}

// A shape of `rank` dims into `shape`; returns the element count.
inline int64_t read_shape(Reader& r, int rank, int64_t* shape) {
  int64_t count = 1;
  for (int d = 0; d < rank; ++d) count *= (shape[d] = r.i64());
  return count;
}

inline void read_strides(Reader& r, int rank, int64_t* strides) {
  for (int d = 0; d < rank; ++d) strides[d] = r.i64();
}

inline void read_strides4(Reader& r, int64_t (&s)[4]) { read_strides(r, 4, s); }

// The part a copy record and a cache-write record share: element size, rank, shape, the two stride
// lists, then dst and src. Returns the element count.
template <typename P>
int64_t read_strided_copy(Reader& r, P& p) {
  p.elem_bytes = r.i32();
  p.rank = read_rank(r);
  const int64_t count = read_shape(r, p.rank, p.shape);
  read_strides(r, p.rank, p.dst_strides);
  read_strides(r, p.rank, p.src_strides);
  p.dst = r.ptr();
  p.src = r.ptr();
  return count;
}

// The rotary ops' shape words (rope, qkv-bias-rope): batch, heads, sequence, head dim, then the base.
template <typename P>
void read_rotary_shape(Reader& r, P& p) {
  p.batch = r.i64();
  p.heads = r.i64();
  p.seq = r.i64();
  p.dim = r.i64();
  p.base = r.f64();
}

// What a record's kernels flag a bad index or offset with: the device's flag, set to the tag + 1.
template <typename P>
void flag_errors(const Reader& r, P& p) {
  p.error_flag = device::error_flag();
  p.tag = r.tag();
}

}  // namespace glm::launchers
