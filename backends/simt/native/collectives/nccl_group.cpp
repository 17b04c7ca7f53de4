// NCCL for the cuda addon and rocm-dcu's HIP-on-NVIDIA build, RCCL (the same nccl* C API) for
// rocm-dcu on AMD (group.h). Opened with dlopen on first use, never linked: a host without the library
// still runs every single-rank backend, and the error says which file was looked for and the variable
// that overrides it. The unique id is made once and handed to every rank inside this process
// (ncclGetUniqueId → ncclCommInitRank per rank, each with its device current, inside one
// ncclGroupStart/End: NCCL's way for one thread to make the communicators of several GPUs).
// One rank: ncclAllReduce is issued on its device's stream when the record runs, so a captured decode
// step (CUDA Graphs) holds it. Several ranks (one GPU each, driven by this one thread in turns): a
// rank's record leaves its buffers and stream and stops (WaitForPeers) until the last rank arrives,
// which issues every rank's ncclAllReduce — its device current, on its stream — inside one
// ncclGroupStart/End, as NCCL requires when one thread drives several GPUs (issuing them one by one
// would block in the first). The other ranks, run again, take the completion and go on.
#include "platform.h"  // the build's dialect: says whether GLM_SIMT_EMULATE is on

#ifndef GLM_SIMT_EMULATE
#include "collectives/group.h"

#include <dlfcn.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

#include "program.h"
#include "simt_device.h"

namespace glm::collectives {
namespace {

#if defined(GLM_DCU_AMD)
constexpr const char* kName = "RCCL";
constexpr const char* kVariable = "GLM_RCCL_LIBRARY";
constexpr const char* kFiles[] = {"librccl.so.1", "librccl.so"};
#else
constexpr const char* kName = "NCCL";
constexpr const char* kVariable = "GLM_NCCL_LIBRARY";
constexpr const char* kFiles[] = {"libnccl.so.2", "libnccl.so"};
#endif

struct UniqueId {
  char internal[128];  // NCCL_UNIQUE_ID_BYTES
};
using Comm = void*;

// The subset of nccl.h tensor parallelism needs, as function pointers resolved at run time.
struct Library {
  std::string path;
  int version = 0;
  int (*get_version)(int*);
  int (*get_unique_id)(UniqueId*);
  int (*comm_init_rank)(Comm*, int, UniqueId, int);
  int (*all_reduce)(const void*, void*, size_t, int, int, Comm, Stream);
  int (*group_start)();
  int (*group_end)();
  int (*comm_destroy)(Comm);
  const char* (*error_string)(int);
};

constexpr int kSum = 0;  // ncclSum
// ncclDataType_t of the family's dtype codes f32 (0), f16 (1), bf16 (2).
int nccl_dtype(int dtype) {
  switch (dtype) {
    case 0: return 7;  // ncclFloat32
    case 1: return 6;  // ncclFloat16
    case 2: return 9;  // ncclBfloat16
  }
  throw std::runtime_error("all-reduce: dtype code " + std::to_string(dtype) + " is not f32, f16 or bf16");
}

template <typename F>
void resolve(void* handle, const char* symbol, F* out, const std::string& path) {
  *out = reinterpret_cast<F>(dlsym(handle, symbol));
  if (!*out) throw DeviceError(path + " has no " + symbol);
}

Library load() {
  const char* own = std::getenv(kVariable);
  std::vector<std::string> candidates = own && *own ? std::vector<std::string>{own} : std::vector<std::string>(std::begin(kFiles), std::end(kFiles));
  std::string tried;
  for (const std::string& path : candidates) {
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* why = dlerror();
      tried += (tried.empty() ? "" : "; ") + path + ": " + (why ? why : "not found");
      continue;
    }
    Library l;
    l.path = path;
    resolve(h, "ncclGetVersion", &l.get_version, path);
    resolve(h, "ncclGetUniqueId", &l.get_unique_id, path);
    resolve(h, "ncclCommInitRank", &l.comm_init_rank, path);
    resolve(h, "ncclAllReduce", &l.all_reduce, path);
    resolve(h, "ncclGroupStart", &l.group_start, path);
    resolve(h, "ncclGroupEnd", &l.group_end, path);
    resolve(h, "ncclCommDestroy", &l.comm_destroy, path);
    resolve(h, "ncclGetErrorString", &l.error_string, path);
    l.get_version(&l.version);
    return l;
  }
  throw DeviceError(std::string(kName) + " is not available (" + tried + "); set " + kVariable + " to " + kFiles[0] + "'s path");
}

Library& library_instance() {
  static Library l = load();  // a failed load throws and is tried again at the next call
  return l;
}

void check(const Library& l, int status, const std::string& what) {
  if (status != 0) throw DeviceError(what + " failed: " + l.error_string(status) + " (ncclResult " + std::to_string(status) + ")");
}

// A rank's all-reduce waiting for the group's last rank.
struct Arrival {
  const void* send;
  void* recv;
  size_t count;
  int dtype;
  Stream stream;
};

struct Group {
  std::vector<Comm> comms;                      // by rank
  std::vector<int> devices;                     // by rank
  std::vector<std::optional<Arrival>> waiting;  // this round's arrivals, by rank
  std::vector<bool> done;                       // the rank's last collective was issued, not yet taken
  std::string aborted;                          // why, once a rank failed
};

std::map<int, Group>& groups() {
  static std::map<int, Group> table;
  return table;
}

// Every rank has arrived: each one's ncclAllReduce on its own stream with its device current, grouped.
void issue_grouped(Library& l, Group& g, int last_rank) {
  std::string failed;
  if (const int s = l.group_start(); s != 0) failed = std::string("ncclGroupStart: ") + l.error_string(s);
  for (size_t r = 0; r < g.comms.size() && failed.empty(); ++r) {
    const Arrival& a = *g.waiting[r];
    if (cudaSetDevice(g.devices[r]) != cudaSuccess) failed = GLM_RUNTIME_NAME "SetDevice(" + std::to_string(g.devices[r]) + ")";
    else if (const int s = l.all_reduce(a.send, a.recv, a.count, nccl_dtype(a.dtype), kSum, g.comms[r], a.stream); s != 0)
      failed = "ncclAllReduce (rank " + std::to_string(r) + "): " + l.error_string(s);
  }
  const int ended = l.group_end();
  // The selected context's device (the last rank's) is current again, as the device layer expects.
  const cudaError_t back = cudaSetDevice(g.devices[last_rank]);
  for (auto& a : g.waiting) a.reset();
  if (failed.empty() && ended != 0) failed = std::string("ncclGroupEnd: ") + l.error_string(ended);
  if (failed.empty() && back != cudaSuccess) failed = GLM_RUNTIME_NAME "SetDevice(" + std::to_string(g.devices[last_rank]) + ")";
  if (!failed.empty()) {
    g.aborted = failed;
    throw DeviceError(failed);
  }
  for (size_t r = 0; r < g.done.size(); ++r) g.done[r] = static_cast<int>(r) != last_rank;
}

}  // namespace

int open_group(int world_size, const int* devices) {
  static int next = 1;
  Library& l = library_instance();
  UniqueId id{};
  check(l, l.get_unique_id(&id), "ncclGetUniqueId");
  std::vector<Comm> comms(world_size, nullptr);
  int current = 0;
  (void)cudaGetDevice(&current);
  check(l, l.group_start(), "ncclGroupStart");
  std::string failed;
  for (int r = 0; r < world_size && failed.empty(); ++r) {
    if (cudaSetDevice(devices[r]) != cudaSuccess) failed = GLM_RUNTIME_NAME "SetDevice(" + std::to_string(devices[r]) + ")";
    else if (const int s = l.comm_init_rank(&comms[r], world_size, id, r); s != 0)
      failed = "ncclCommInitRank (rank " + std::to_string(r) + " of " + std::to_string(world_size) + "): " + l.error_string(s);
  }
  const int ended = l.group_end();
  (void)cudaSetDevice(current);
  if (!failed.empty()) throw DeviceError(failed);
  check(l, ended, "ncclGroupEnd");
  Group& g = groups()[next];
  g.comms = std::move(comms);
  g.devices.assign(devices, devices + world_size);
  g.waiting.resize(world_size);
  g.done.assign(world_size, false);
  return next++;
}

void close_group(int id) {
  auto it = groups().find(id);
  if (it == groups().end()) return;
  for (Comm c : it->second.comms)
    if (c) library_instance().comm_destroy(c);
  groups().erase(it);
}

// A failed rank: the ranks waiting in (or later entering) a collective fail with its reason instead of
// waiting for it. Nothing was issued to NCCL for a round that never completed, so nothing hangs on a
// device; the session is closed and ncclCommDestroy frees the communicators.
void abort_group(int id, const std::string& why) {
  auto it = groups().find(id);
  if (it != groups().end() && it->second.aborted.empty()) it->second.aborted = why;
}

void all_reduce(int id, int rank, const void* send, void* recv, int64_t count, int dtype) {
  auto it = groups().find(id);
  if (it == groups().end()) throw DeviceError("all-reduce: no collective group " + std::to_string(id) + " (closed?)");
  Group& g = it->second;
  const int world = static_cast<int>(g.comms.size());
  if (rank < 0 || rank >= world) throw DeviceError("all-reduce: rank " + std::to_string(rank) + " outside its group");
  Library& l = library_instance();
  if (world == 1) {  // the one rank issues at once: the captured decode step holds the call
    check(l, l.all_reduce(send, recv, static_cast<size_t>(count), nccl_dtype(dtype), kSum, g.comms[0], device::stream()), "ncclAllReduce");
    return;
  }
  if (!g.aborted.empty()) throw DeviceError("the tensor-parallel group was aborted because a rank failed: " + g.aborted);
  if (g.done[rank]) {  // run again after the last rank issued the round: this rank's part is on its stream
    g.done[rank] = false;
    return;
  }
  if (!g.waiting[rank]) g.waiting[rank] = Arrival{send, recv, static_cast<size_t>(count), dtype, device::stream()};
  for (const auto& a : g.waiting)
    if (!a) throw WaitForPeers{};
  const Arrival& first = *g.waiting[0];
  for (int r = 1; r < world; ++r) {
    if (g.waiting[r]->count != first.count || g.waiting[r]->dtype != first.dtype) {
      g.aborted = "all-reduce: rank " + std::to_string(r) + " gave " + std::to_string(g.waiting[r]->count) + " elements of dtype " +
                  std::to_string(g.waiting[r]->dtype) + ", rank 0 " + std::to_string(first.count) + " of dtype " + std::to_string(first.dtype);
      throw DeviceError(g.aborted);
    }
  }
  issue_grouped(l, g, rank);
}

std::string library() {
  const Library& l = library_instance();
  const int v = l.version;  // 2.19+ encodes X*10000 + Y*100 + Z
  const std::string text = v >= 10000 ? std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100) : std::to_string(v);
  return std::string(kName) + " " + text + " (" + l.path + ")";
}

}  // namespace glm::collectives
#endif
