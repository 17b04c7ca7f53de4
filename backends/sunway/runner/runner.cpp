// The runner's C interface (runner.h) over the program runtime's record loop and the launchers.
#include "runner.h"

#include <string>

#include "chip.h"
#include "device.h"
#include "launchers/launchers.h"
#include "program.h"

namespace glm::device {
// Device memory is host memory (backends/program/native/host_memory.cpp); open once a chip is.
bool is_open() { return sunway::chip_open(); }
}  // namespace glm::device

namespace {

std::string last_error;

int fail(const std::string& message) {
  last_error = message;
  return -1;
}

}  // namespace

extern "C" int glm_sw_open(const char* chip) {
  try {
    glm::sunway::open_chip(chip ? chip : glm::sunway::built_for());
    glm::sunway::launchers::register_all();
    return 0;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

extern "C" const char* glm_sw_built_for(void) { return glm::sunway::built_for(); }

extern "C" const char* glm_sw_error(void) { return last_error.c_str(); }

extern "C" void* glm_sw_alloc(size_t bytes) {
  try {
    return reinterpret_cast<void*>(glm::device::allocate(bytes));
  } catch (const std::exception& e) {
    fail(e.what());
    return nullptr;
  }
}

extern "C" void glm_sw_free(void* p) {
  if (p) glm::device::release(reinterpret_cast<uint64_t>(p));
}

extern "C" int glm_sw_run(const double* words, size_t count, int* tag) {
  try {
    glm::run_program(words, count);
    return 0;
  } catch (const glm::ProgramError& e) {
    if (tag) *tag = e.tag;
    return fail(e.what());
  } catch (const std::exception& e) {
    if (tag) *tag = -1;
    return fail(e.what());
  }
}

extern "C" int glm_sw_flag(void) { return glm::device::finish(true); }
