// The record loop, the launcher table and the launch profile (see program.h for the format).
#include "program.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>
#include <vector>

#include "device.h"

namespace glm {
namespace {

// Indexed by opcode; an entry without a launcher is a code nobody registered.
std::vector<LauncherEntry>& launchers() {
  static std::vector<LauncherEntry> table;
  return table;
}

const LauncherEntry* launcher_for(int op) {
  const auto& table = launchers();
  if (op < 0 || static_cast<size_t>(op) >= table.size() || !table[op].launch) return nullptr;
  return &table[op];
}

}  // namespace

void register_launcher(const LauncherEntry& entry) {
  if (entry.code < 0) throw std::invalid_argument("a launcher's opcode is negative");
  auto& table = launchers();
  if (static_cast<size_t>(entry.code) >= table.size()) table.resize(entry.code + 1, LauncherEntry{-1, nullptr, nullptr, nullptr});
  table[entry.code] = entry;
}

std::vector<LauncherEntry> registered_launchers() {
  std::vector<LauncherEntry> out;
  for (const auto& entry : launchers()) {
    if (entry.launch) out.push_back(entry);
  }
  return out;
}

const char* op_name(int op) {
  const LauncherEntry* entry = launcher_for(op);
  return entry ? entry->label : "unknown";
}

bool profiling_launches() {
  static const bool on = [] {
    const char* v = std::getenv("GLM_PROFILE_LAUNCHES");
    return v && v[0] == '1';
  }();
  return on;
}

namespace {

// GLM_PROFILE_LAUNCHES=1 (benchmarks only): an event pair around every record, and after the run one
// stderr line per record with its device time — a profile where no profiler is installed. Waits for
// the device, so never on in normal runs.
struct LaunchProfile {
  std::vector<int> events;  // reused: two per record
  std::vector<std::pair<int, int>> records;  // (op, tag)

  void begin() {
    while (events.size() < 2 * (records.size() + 1)) events.push_back(device::event_create());
    device::event_record(events[2 * records.size()]);
  }
  void end(int op, int tag) {
    device::event_record(events[2 * records.size() + 1]);
    records.emplace_back(op, tag);
  }
  void report() const {
    float total = 0.f;
    for (size_t r = 0; r < records.size(); ++r) {
      const float ms = device::event_elapsed_ms(events[2 * r], events[2 * r + 1]);
      total += ms;
      std::fprintf(stderr, "profile %-18s tag %4d %9.4f ms\n", op_name(records[r].first), records[r].second, ms);
    }
    std::fprintf(stderr, "profile total %9.4f ms over %zu records\n", total, records.size());
  }
};

void launch_record(int op, Reader& r) {
  const LauncherEntry* entry = launcher_for(op);
  try {
    if (!entry) throw ProgramError("unknown launch opcode " + std::to_string(op), r.tag());
    entry->launch(r);
  } catch (const ProgramError&) {
    throw;
  } catch (const std::exception& e) {
    throw ProgramError(e.what(), r.tag());
  }
}

}  // namespace

void run_program(const double* words, size_t count) {
  if (run_program_from(words, count, 0) != count) throw ProgramError("a record waits for other ranks inside a single-run program (a collective in a captured step?)", -1);
}

size_t run_program_from(const double* words, size_t count, size_t start) {
  static LaunchProfile prof;
  const bool profile = profiling_launches();
  prof.records.clear();
  size_t i = start;
  while (i < count) {
    if (i + 3 > count) throw ProgramError("truncated launch program", -1);
    const int op = static_cast<int>(words[i]);
    const int tag = static_cast<int>(words[i + 1]);
    const size_t args = static_cast<size_t>(words[i + 2]);
    if (i + 3 + args > count) throw ProgramError(std::string("truncated launch record for ") + op_name(op), tag);
    Reader r(words + i + 3, args, op_name(op), tag);
    if (profile) prof.begin();
    try {
      launch_record(op, r);
    } catch (const WaitForPeers&) {
      return i;
    }
    if (profile) prof.end(op, tag);
    i += 3 + args;
  }
  if (profile) prof.report();
  return count;
}

}  // namespace glm
