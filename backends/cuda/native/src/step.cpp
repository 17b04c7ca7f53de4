// See step.h. The emulator runs the same sequence on the host without graphs. The counters, pinned
// staging and recorded graphs belong to the selected device (a context each, device_contexts.h): a
// graph replays on the stream it was captured from.
#include "step.h"

#include <cstring>
#include <list>

#include "device_contexts.h"
#include "program.h"
#include "simt_device.h"

namespace glm {
namespace step {
namespace {

Stats& counters() { return device::per_device<Stats>(); }

size_t total_bytes(const std::vector<Upload>& uploads, const std::vector<Download>& downloads) {
  size_t n = sizeof(int);  // the error flag
  for (const auto& u : uploads) n += (u.bytes + 15) & ~size_t{15};
  for (const auto& d : downloads) n += (d.bytes + 15) & ~size_t{15};
  return n;
}

}  // namespace

const Stats& stats() { return counters(); }

#ifdef GLM_CUDA_EMULATE

int run(const double* words, size_t count, const std::vector<Upload>& uploads, const std::vector<Download>& downloads,
        bool, bool read_flag, int, int) {
  for (const auto& u : uploads) device::write(u.dst, u.src, u.bytes);
  run_program(words, count);
  counters().direct++;
  for (const auto& d : downloads) device::read(d.dst, d.src, d.bytes);
  counters().syncs++;
  return device::finish(read_flag);
}

#else

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    cudaGetLastError();
    throw DeviceError(std::string(what) + " failed (" + cudaGetErrorName(e) + ": " + cudaGetErrorString(e) + ")");
  }
}

struct Recorded {
  std::vector<double> words;
  cudaGraphExec_t exec;
};

// A few recorded programs (a session has one decode program per batch size and head); most recent first.
constexpr size_t kMaxRecorded = 8;

// One device's step state.
struct DeviceSteps {
  // Pinned host memory for the step's transfers: pageable copies would each wait for the device.
  char* pinned = nullptr;
  size_t pinned_bytes = 0;
  std::list<Recorded> recorded;
  std::vector<double> last_direct;  // the last program launched directly: a second identical run is recorded
};

DeviceSteps& steps_here() { return device::per_device<DeviceSteps>(); }

char* pinned_at_least(size_t bytes) {
  DeviceSteps& d = steps_here();
  if (bytes <= d.pinned_bytes) return d.pinned;
  if (d.pinned) cudaFreeHost(d.pinned);
  d.pinned = nullptr;
  d.pinned_bytes = 0;
  const size_t size = (bytes + (1 << 16) - 1) & ~size_t{(1 << 16) - 1};
  check(cudaHostAlloc(reinterpret_cast<void**>(&d.pinned), size, cudaHostAllocDefault), "allocating pinned staging memory");
  d.pinned_bytes = size;
  return d.pinned;
}

bool same(const std::vector<double>& a, const double* words, size_t count) {
  return a.size() == count && std::memcmp(a.data(), words, count * sizeof(double)) == 0;
}

// Records the program as a graph and launches it; on a capture failure launches directly instead
// and remembers why (stats().last_capture_error), so the caller can see it did not replay.
void capture_and_launch(const double* words, size_t count, cudaStream_t s) {
  Stats& counters = step::counters();
  std::list<Recorded>& recorded = steps_here().recorded;
  cudaGraph_t graph = nullptr;
  check(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  try {
    run_program(words, count);
  } catch (...) {
    cudaStreamEndCapture(s, &graph);
    if (graph) cudaGraphDestroy(graph);
    cudaGetLastError();
    throw;
  }
  cudaError_t e = cudaStreamEndCapture(s, &graph);
  cudaGraphExec_t exec = nullptr;
  if (e == cudaSuccess) e = cudaGraphInstantiate(&exec, graph, 0);
  if (graph) cudaGraphDestroy(graph);
  if (e != cudaSuccess) {
    cudaGetLastError();
    counters.last_capture_error = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
    run_program(words, count);
    counters.direct++;
    return;
  }
  counters.captures++;
  recorded.push_front(Recorded{std::vector<double>(words, words + count), exec});
  if (recorded.size() > kMaxRecorded) {
    cudaGraphExecDestroy(recorded.back().exec);
    recorded.pop_back();
  }
  check(cudaGraphLaunch(exec, s), "cudaGraphLaunch");
  counters.replays++;
}

void launch(const double* words, size_t count, bool repeated, cudaStream_t s) {
  Stats& counters = step::counters();
  std::list<Recorded>& recorded = steps_here().recorded;
  std::vector<double>& last_direct = steps_here().last_direct;
  if (repeated && !device::syncs_each_launch() && !profiling_launches()) {
    for (auto it = recorded.begin(); it != recorded.end(); ++it) {
      if (!same(it->words, words, count)) continue;
      recorded.splice(recorded.begin(), recorded, it);
      check(cudaGraphLaunch(recorded.front().exec, s), "cudaGraphLaunch");
      counters.replays++;
      return;
    }
    if (same(last_direct, words, count)) {
      last_direct.clear();
      capture_and_launch(words, count, s);
      return;
    }
    last_direct.assign(words, words + count);
  }
  run_program(words, count);
  counters.direct++;
}

}  // namespace

int run(const double* words, size_t count, const std::vector<Upload>& uploads, const std::vector<Download>& downloads,
        bool repeated, bool read_flag, int start_event, int end_event) {
  const cudaStream_t s = device::stream();
  char* stage = pinned_at_least(total_bytes(uploads, downloads));
  size_t at = 0;
  for (const auto& u : uploads) {
    std::memcpy(stage + at, u.src, u.bytes);
    check(cudaMemcpyAsync(reinterpret_cast<void*>(u.dst), stage + at, u.bytes, cudaMemcpyHostToDevice, s), "copy to the device");
    at += (u.bytes + 15) & ~size_t{15};
  }
  if (start_event >= 0) device::event_record(start_event);
  launch(words, count, repeated, s);
  if (end_event >= 0) device::event_record(end_event);
  const size_t downloads_at = at;
  for (const auto& d : downloads) {
    check(cudaMemcpyAsync(stage + at, reinterpret_cast<const void*>(d.src), d.bytes, cudaMemcpyDeviceToHost, s), "copy from the device");
    at += (d.bytes + 15) & ~size_t{15};
  }
  int* flag_host = reinterpret_cast<int*>(stage + at);
  *flag_host = 0;
  if (read_flag) {
    check(cudaMemcpyAsync(flag_host, device::error_flag(), sizeof(int), cudaMemcpyDeviceToHost, s), "reading the error flag");
    check(cudaMemsetAsync(device::error_flag(), 0, sizeof(int), s), "clearing the error flag");
  }
  check(cudaStreamSynchronize(s), "the device (a kernel faulted; run with GLM_CUDA_SYNC=1 to name it)");
  counters().syncs++;
  at = downloads_at;
  for (const auto& d : downloads) {
    std::memcpy(d.dst, stage + at, d.bytes);
    at += (d.bytes + 15) & ~size_t{15};
  }
  return *flag_host;
}

#endif

}  // namespace step
}  // namespace glm
