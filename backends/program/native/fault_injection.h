// Fault injection for emulated devices (never compiled into a hardware build: the build defines
// GLM_FAULT_INJECTION only for emulators). GLM_FAULT=alloc:N,launch:N,sync:N,dma:N fails the Nth
// device allocation, kernel launch, stream synchronisation or DMA of the process, once; setFault(kind,
// n), which the addon exports, arms the same counter in-process (the conformance suite's fault cases do
// that). A failure goes through the device's normal error path with the vendor's own status, so what
// the SDK sees is what a failing device would give it. Counting restarts at each arm, and counts()
// tells how many events of each kind happened since, so a caller can aim a fault at the middle of a
// step it measured.
#pragma once

#include <string>

// Exported even from a library built with hidden visibility: an emulator made of several libraries
// shares one counter from its core library.
#define GLM_FAULT_API __attribute__((visibility("default")))

namespace glm::fault {

enum Kind : int { kAlloc = 0, kLaunch = 1, kSync = 2, kDma = 3 };
constexpr int kKinds = 4;

// "alloc", "launch", "sync", "dma".
GLM_FAULT_API const char* kind_name(int kind);

// The `n`th event of `kind` from now fails, once (n = 0: none; counting restarts either way).
GLM_FAULT_API void arm(int kind, long n);

// Counts one event of `kind`; true when it is the armed one (which disarms it).
GLM_FAULT_API bool hit(int kind);

// Events of each kind since its counter last restarted (the last arm, or the process start).
GLM_FAULT_API void counts(long out[kKinds]);

// What an injected failure's message ends with: "(injected: GLM_FAULT alloc #3)".
GLM_FAULT_API std::string injected_text(int kind);

// The runtime call that fails for `kind` ("cudaMalloc") and the status it returns, as the runtime
// names it ("cudaErrorMemoryAllocation (2)"): the family's, defined beside its emulated device.
GLM_FAULT_API std::string vendor_call(int kind);
GLM_FAULT_API bool supported(int kind);  // whether the family's device has such an event (the SIMT model has no DMA)
GLM_FAULT_API std::string vendor_status(int kind);

}  // namespace glm::fault
