// The device a launch program runs on, as the program runtime and the addon surface see it: memory
// at numeric addresses, one in-order queue of work, an error flag that kernels raise for bad indices
// (0 = none, else the failing record's tag + 1), and events for timing. A process may drive several
// devices (tensor-parallel ranks, one per GPU): each device ordinal has its own context
// (device_contexts.h), and every call below acts on the selected one. A family implements it for its
// runtime (the SIMT family: backends/simt/native/device.cpp); an emulated build takes host_memory.cpp,
// with a context per ordinal on host memory. Every failure is a DeviceError whose text names what failed
// (the op, the call, the bytes asked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace glm {

class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace device {

// A byte count as messages give it: "N bytes (G.GG GiB)".
inline std::string bytes_text(size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%zu bytes (%.2f GiB)", n, static_cast<double>(n) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

// Makes `ordinal`'s context the one every call below acts on (and the runtime's current device): the
// addon selects on entry to each call for a device. Selecting the selected ordinal costs a comparison,
// so a process with one device does no extra work. Throws when the runtime cannot make it current.
void select(int ordinal);
// The selected context's ordinal (0 until something selects another).
int selected();

bool is_open();

uint64_t allocate(size_t bytes);
void release(uint64_t address);
void write(uint64_t dst, const void* src, size_t bytes);
void read(void* dst, uint64_t src, size_t bytes);
void fill(uint64_t dst, int byte, size_t bytes);
void copy_async(uint64_t dst, uint64_t src, size_t bytes);
void memory_info(size_t* free_bytes, size_t* total_bytes);
// The device allocations live now (count and bytes asked): what the SDK's leak checks compare before
// and after a failure. Everything allocate() handed out and release() did not take back.
void allocation_stats(size_t* live_bytes, size_t* live_allocations);

// After a launch: throws naming `what` if the launch failed (or, when the backend's sync switch is
// on, if it faulted).
void check_launch(const char* what);
// True when every launch waits (the sync switch, to name a faulting kernel; always under an emulator).
bool syncs_each_launch();
// Waits for the queue; throws on a device fault. Returns the error flag (0 = none) and clears it.
int finish(bool read_flag);
int* error_flag();

int event_create();
void event_record(int id);
float event_elapsed_ms(int start, int end);

}  // namespace device
}  // namespace glm
