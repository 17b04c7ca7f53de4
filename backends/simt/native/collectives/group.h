// The SIMT family's collective groups: tensor-parallel ranks joined so that an all-reduce record sums
// one tensor over all of them. Two implementations behind one interface, chosen by the build:
//   emulated_group.cpp  (GLM_SIMT_EMULATE) the ranks of one process run their programs in turns on one
//                       thread; an all-reduce waits (program.h's WaitForPeers) until every rank has
//                       reached it, then the last to arrive sums in float64 in rank order and writes
//                       every rank's result — NCCL's semantics (every rank gets the same sum; in place
//                       allowed; collectives matched by issue order), with one rounding to the dtype.
//   nccl_group.cpp      NCCL (libnccl.so.2), or RCCL (librccl.so.1) on AMD, opened with dlopen at run
//                       time: one communicator per rank, each on its own GPU. One rank: ncclAllReduce
//                       on the device's stream, so a CUDA Graph capture of the step holds it. Several
//                       ranks (one thread): each waits (WaitForPeers) until the last arrives, which
//                       issues every rank's ncclAllReduce on its own stream in one ncclGroupStart/End.
#pragma once

#include <cstdint>
#include <string>

namespace glm::collectives {

// A new group of `world_size` ranks, rank r on device devices[r]; returns its id (> 0).
int open_group(int world_size, const int* devices);
// Releases the group's communicators (no-op for an unknown id).
void close_group(int id);
// A rank failed: every rank of the group that waits in (or later enters) a collective fails with `why`.
void abort_group(int id, const std::string& why);
// Sum `count` elements of `dtype` (the family's dtype code: f32, f16, bf16) over the group into every
// rank's `recv` (may be `send`). Throws WaitForPeers until every rank has arrived (emulated; NCCL with
// several ranks); called with the rank's own device context selected.
void all_reduce(int id, int rank, const void* send, void* recv, int64_t count, int dtype);
// The library in words: "NCCL 2.27.3 (libnccl.so.2)", or the emulator's in-process collective.
std::string library();

}  // namespace glm::collectives
