// A launch program: what the TypeScript executable sends per run, as one Float64Array of records
// [opcode, tag, argCount, args...]; pointers travel as doubles (device addresses are below 2^53).
// This runtime frames the records, hands each to the launcher its family registered for the opcode,
// and names the op and the record's tag when something fails. It knows no op: the opcodes are
// generated from the family's TypeScript table at build time, and each family registers one launcher
// per opcode (the SIMT family's list: backends/simt/native/launchers/registry.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace glm {

class ProgramError : public std::runtime_error {
 public:
  ProgramError(const std::string& message, int tag) : std::runtime_error(message), tag(tag) {}
  int tag;
};

// One record's arguments, read in order. Reading past the end, or leaving arguments unread at
// finish(), is a malformed record: a ProgramError naming the op and carrying the tag.
class Reader {
 public:
  Reader(const double* words, size_t count, const char* op, int tag) : w_(words), n_(count), op_(op), tag_(tag) {}
  double f64() {
    if (i_ >= n_) throw ProgramError(std::string("malformed launch record for ") + op_ + ": too few arguments", tag_);
    return w_[i_++];
  }
  int64_t i64() { return static_cast<int64_t>(f64()); }
  int i32() { return static_cast<int>(f64()); }
  template <typename T = void>
  T* ptr() {
    const double v = f64();
    return reinterpret_cast<T*>(static_cast<uintptr_t>(static_cast<uint64_t>(v)));
  }
  void finish() const {
    if (i_ != n_) throw ProgramError(std::string("malformed launch record for ") + op_ + ": " + std::to_string(n_ - i_) + " extra arguments", tag_);
  }
  const char* op() const { return op_; }
  int tag() const { return tag_; }

 private:
  const double* w_;
  size_t n_;
  size_t i_ = 0;
  const char* op_;
  int tag_;
};

// Reads one record's arguments and launches its work on the device's queue (asynchronously).
using Launcher = void (*)(Reader& record);

struct LauncherEntry {
  int code;           // the opcode, from the generated header
  const char* name;   // the code's name in the TypeScript table (what launchCodes() reports)
  const char* label;  // what messages and profiles call the op
  Launcher launch;
};

// A family registers one launcher per opcode when its addon loads; registering a code again
// replaces its launcher.
void register_launcher(const LauncherEntry& entry);
// The registered launchers in opcode order.
std::vector<LauncherEntry> registered_launchers();
// The label of an opcode, or "unknown".
const char* op_name(int op);

// Launches every record (asynchronously). Throws ProgramError naming the op and carrying the
// record's tag when a record is malformed, its opcode has no launcher, or a launch fails.
void run_program(const double* words, size_t count);

// Thrown by a launcher whose work needs other programs of this process to reach a point first (a
// collective whose other ranks, run in turns on the same thread, have not arrived yet). The launcher
// has consumed nothing it cannot take again: the record is launched once more when the program resumes.
struct WaitForPeers {};

// run_program from the record at word `start`; returns the word where it stopped: `count` when every
// record launched, else the record whose launcher waits for peers (run it again from there later).
size_t run_program_from(const double* words, size_t count, size_t start);

// GLM_PROFILE_LAUNCHES=1: run_program times every record and prints the times (benchmarks only).
bool profiling_launches();

}  // namespace glm
