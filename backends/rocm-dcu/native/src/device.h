// The device the addon drives: one per process, one stream, and an error flag that kernels raise for
// bad indices — the HIP runtime (a DCU, or an NVIDIA GPU through hip_to_cuda.h), or host memory under
// the CPU emulator. The same interface as the cuda backend's device.h, which the shared launch-program
// interpreter (backends/gpu-common/native/program.cpp) calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "platform.h"

namespace glm {

class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DeviceInfo {
  std::string name;
  std::string arch;           // "gfx906:sramecc+:xnack-" on AMD, "sm_90" on NVIDIA, "emulated"
  size_t total_memory = 0;
  int multiprocessors = 0;    // compute units on AMD
  int driver_version = 0;
  int runtime_version = 0;
  size_t l2_bytes = 0;
  int hw_wave = 0;            // the hardware's wavefront (warpSize)
  bool emulated = false;
};

namespace device {

// "" when a device can be used, else why not (no device, no driver, no code object for it). Never throws.
std::string probe(DeviceInfo* info);
void open(int index);
bool is_open();
const DeviceInfo& info();
Stream stream();

uint64_t allocate(size_t bytes);
void release(uint64_t address);
void write(uint64_t dst, const void* src, size_t bytes);
void read(void* dst, uint64_t src, size_t bytes);
void fill(uint64_t dst, int byte, size_t bytes);
void copy_async(uint64_t dst, uint64_t src, size_t bytes);
void memory_info(size_t* free_bytes, size_t* total_bytes);

// After a launch: throws naming `what` if the launch failed (or, with GLM_DCU_SYNC=1, if it faulted).
void check_launch(const char* what);
// Waits for the stream; throws on a device fault. Returns the error flag (0 = none) and clears it.
int finish(bool read_flag);
int* error_flag();

int event_create();
void event_record(int id);
float event_elapsed_ms(int start, int end);

}  // namespace device
}  // namespace glm
