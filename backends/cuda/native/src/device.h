// The device the addon drives: one per process (the CUDA runtime's current device), one stream,
// a cuBLASLt handle and workspace, and an error flag that kernels raise for bad indices. Every
// failure is a DeviceError whose text names what failed (the op, the library, the bytes asked).
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
  int major = 0, minor = 0;
  size_t total_memory = 0;
  int multiprocessors = 0;
  int driver_version = 0;   // e.g. 13000
  int runtime_version = 0;
  size_t l2_bytes = 0;
  bool emulated = false;
};

namespace device {

// "" when a device can be used, else why not (no driver, no device, ...). Never throws.
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

// After a launch: throws naming `what` if the launch failed (or, with GLM_CUDA_SYNC=1, if it faulted).
void check_launch(const char* what);
// True under GLM_CUDA_SYNC=1 (every launch waits, to name a faulting kernel): nothing is recorded then.
bool syncs_each_launch();
// Waits for the stream; throws on a device fault. Returns the error flag (0 = none) and clears it.
int finish(bool read_flag);
int* error_flag();

// cuBLASLt workspace (null when cuBLASLt is absent).
void* lt_workspace();
size_t lt_workspace_bytes();

int event_create();
void event_record(int id);
float event_elapsed_ms(int start, int end);

}  // namespace device
}  // namespace glm
