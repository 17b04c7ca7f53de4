// One generated token's worth of device work with a single wait: small host inputs go in through
// pinned memory, the launch program runs (replayed from a CUDA Graph once the same program has come
// twice in a row), small outputs and the error flag come back, and the host synchronises once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace glm {
namespace step {

struct Upload {
  uint64_t dst;
  const void* src;
  size_t bytes;
};

struct Download {
  void* dst;
  uint64_t src;
  size_t bytes;
};

struct Stats {
  uint64_t captures = 0;      // programs recorded as a CUDA Graph
  uint64_t replays = 0;       // runs served by a recorded graph
  uint64_t direct = 0;        // runs launched record by record
  uint64_t syncs = 0;         // host waits for the device made by run_step
  std::string last_capture_error;  // why the last capture failed ("" when none did)
};

// `repeated`: the caller will run the same program again (a decode loop), so recording it pays off.
// Returns the error flag (0 = none, else the failing record's tag + 1). Events < 0 are not recorded.
int run(const double* words, size_t count, const std::vector<Upload>& uploads, const std::vector<Download>& downloads,
        bool repeated, bool read_flag, int start_event, int end_event);

const Stats& stats();

}  // namespace step
}  // namespace glm
