// The fault counter of fault_injection.h for emulated devices; GLM_FAULT is read at the first event.
#include "fault_injection.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace glm::fault {
namespace {

const char* const kNames[kKinds] = {"alloc", "launch", "sync", "dma"};

struct State {
  long armed[kKinds] = {0, 0, 0, 0};
  long seen[kKinds] = {0, 0, 0, 0};
  long fired_at[kKinds] = {0, 0, 0, 0};
};

// GLM_FAULT="alloc:3,launch:10": a malformed entry is reported once on stderr and ignored (the
// variable is a test switch; refusing to start would hide the test's real failure).
void read_environment(State& s) {
  const char* spec = std::getenv("GLM_FAULT");
  if (!spec || !*spec) return;
  std::string all(spec);
  size_t at = 0;
  while (at <= all.size()) {
    const size_t end = std::min(all.find_first_of(",|", at), all.size());
    const std::string item = all.substr(at, end - at);
    const size_t colon = item.find(':');
    int kind = -1;
    for (int k = 0; k < kKinds && colon != std::string::npos; ++k)
      if (item.compare(0, colon, kNames[k]) == 0 && std::strlen(kNames[k]) == colon) kind = k;
    char* tail = nullptr;
    const long n = kind >= 0 ? std::strtol(item.c_str() + colon + 1, &tail, 10) : 0;
    if (kind < 0 || n < 1 || !tail || *tail) {
      if (!item.empty()) std::fprintf(stderr, "GLM_FAULT: ignoring \"%s\" (expected alloc:N, launch:N, sync:N or dma:N, N >= 1)\n", item.c_str());
    } else {
      s.armed[kind] = n;
    }
    at = end + 1;
  }
}

std::mutex mutex;

State& state() {
  static State s = [] {
    State fresh;
    read_environment(fresh);
    return fresh;
  }();
  return s;
}

}  // namespace

const char* kind_name(int kind) { return kind >= 0 && kind < kKinds ? kNames[kind] : "unknown"; }

void arm(int kind, long n) {
  if (kind < 0 || kind >= kKinds) return;
  std::lock_guard<std::mutex> lock(mutex);
  State& s = state();
  s.armed[kind] = n > 0 ? n : 0;
  s.seen[kind] = 0;
}

bool hit(int kind) {
  std::lock_guard<std::mutex> lock(mutex);
  State& s = state();
  const long n = ++s.seen[kind];
  if (s.armed[kind] == 0 || n != s.armed[kind]) return false;
  s.armed[kind] = 0;
  s.fired_at[kind] = n;
  return true;
}

void counts(long out[kKinds]) {
  std::lock_guard<std::mutex> lock(mutex);
  for (int k = 0; k < kKinds; ++k) out[k] = state().seen[k];
}

std::string injected_text(int kind) {
  std::lock_guard<std::mutex> lock(mutex);
  return std::string("(injected: GLM_FAULT ") + kind_name(kind) + " #" + std::to_string(state().fired_at[kind]) + ")";
}

}  // namespace glm::fault
