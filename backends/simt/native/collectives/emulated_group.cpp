// The CPU emulator's collective (group.h): the ranks' programs run in turns on the JS thread
// (ProgramAddon.runFrom), so an all-reduce is a rendezvous, not a lock: each rank leaves its buffers and
// stops (WaitForPeers); the last to arrive sums every rank's tensor in float64 in rank order 0..N-1
// (deterministic), rounds once to the dtype and writes every rank's receive buffer; each rank, run
// again, takes its completion and goes on.
#include "platform.h"  // the build's dialect: says whether GLM_SIMT_EMULATE is on

#ifdef GLM_SIMT_EMULATE
#include "collectives/group.h"

#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

#include "collectives/float_bits.h"
#include "program.h"

namespace glm::collectives {
namespace {

struct Arrival {
  const void* send;
  void* recv;
  int64_t count;
  int dtype;
};

struct Group {
  int world = 0;
  std::vector<std::optional<Arrival>> waiting;  // this round's arrivals, by rank
  std::vector<bool> done;                      // the rank's last collective completed, not yet taken
  std::string aborted;                         // why, once a rank failed
};

std::map<int, Group>& groups() {
  static std::map<int, Group> table;
  return table;
}

Group& group_of(int id) {
  auto it = groups().find(id);
  if (it == groups().end()) throw std::runtime_error("all-reduce: no collective group " + std::to_string(id) + " (closed?)");
  return it->second;
}

void reduce(Group& g) {
  const Arrival& first = *g.waiting[0];
  for (int r = 1; r < g.world; ++r) {
    const Arrival& a = *g.waiting[r];
    if (a.count != first.count || a.dtype != first.dtype) {
      g.aborted = "all-reduce: rank " + std::to_string(r) + " gave " + std::to_string(a.count) + " elements of dtype " + std::to_string(a.dtype) +
                  ", rank 0 " + std::to_string(first.count) + " of dtype " + std::to_string(first.dtype);
      throw std::runtime_error(g.aborted);
    }
  }
  std::vector<double> sum(static_cast<size_t>(first.count), 0.0);
  for (int r = 0; r < g.world; ++r) {
    for (int64_t i = 0; i < first.count; ++i) sum[i] += load_element(g.waiting[r]->send, first.dtype, i);
  }
  for (int r = 0; r < g.world; ++r) {
    for (int64_t i = 0; i < first.count; ++i) store_element(g.waiting[r]->recv, first.dtype, i, sum[i]);
    g.waiting[r].reset();
    g.done[r] = true;
  }
}

}  // namespace

int open_group(int world_size, const int*) {
  static int next = 1;
  if (world_size < 1) throw std::runtime_error("a collective group needs at least one rank");
  Group g;
  g.world = world_size;
  g.waiting.resize(world_size);
  g.done.assign(world_size, false);
  groups()[next] = std::move(g);
  return next++;
}

void close_group(int id) { groups().erase(id); }

void abort_group(int id, const std::string& why) {
  auto it = groups().find(id);
  if (it != groups().end() && it->second.aborted.empty()) it->second.aborted = why;
}

void all_reduce(int id, int rank, const void* send, void* recv, int64_t count, int dtype) {
  Group& g = group_of(id);
  if (!g.aborted.empty()) throw std::runtime_error("the tensor-parallel group was aborted because a rank failed: " + g.aborted);
  if (rank < 0 || rank >= g.world) throw std::runtime_error("all-reduce: rank " + std::to_string(rank) + " outside a group of " + std::to_string(g.world));
  if (g.done[rank]) {  // run again after the sum was made: this rank's collective is complete
    g.done[rank] = false;
    return;
  }
  if (!g.waiting[rank]) g.waiting[rank] = Arrival{send, recv, count, dtype};
  for (const auto& a : g.waiting)
    if (!a) throw WaitForPeers{};
  reduce(g);
  g.done[rank] = false;  // the last to arrive goes on at once
}

std::string library() { return "the emulator's in-process all-reduce (float64 sum in rank order, NCCL's semantics)"; }

}  // namespace glm::collectives
#endif
