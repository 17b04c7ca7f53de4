// The all-reduce launcher: one rank's part of a tensor-parallel sum, handed to its group's collective
// (collectives/group.h: NCCL / RCCL on the device's stream, or the emulator's in-process rendezvous,
// which may stop the program until the other ranks arrive).
#include "collectives/group.h"
#include "launchers.h"
#include "simt_device.h"

namespace glm::launchers {

void all_reduce(Reader& r) {
  const int group = r.i32();
  const int rank = r.i32();
  const void* send = r.ptr<const void>();
  void* recv = r.ptr();
  const int64_t count = r.i64();
  const int dtype = r.i32();
  r.finish();
  if (count == 0) return;
  collectives::all_reduce(group, rank, send, recv, count, dtype);
  device::check_launch("all-reduce");
}

}  // namespace glm::launchers
