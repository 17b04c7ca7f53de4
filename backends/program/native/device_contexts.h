// The contexts behind device.h's select(): one per device ordinal this process uses. A context holds
// what belongs to one device — the family's queue, error flag, allocations and events, and whatever a
// library keeps per device (a BLAS handle and its workspace, recorded step graphs) — as slots made on
// first use (per_device<T>), so the program runtime need not know what they are. Only the thread that
// drives the addon (the JS thread) touches them: no locks.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace glm {
namespace device {

struct Context {
  explicit Context(int ordinal) : ordinal(ordinal) {}
  const int ordinal;
  std::vector<std::shared_ptr<void>> slots;  // by slot id (per_device<T>'s T)
};

namespace contexts {

inline std::vector<std::unique_ptr<Context>> table;  // by ordinal
inline Context* current = nullptr;
inline int slot_count = 0;

// The context of `ordinal`, made on first use.
inline Context& of(int ordinal) {
  if (ordinal < 0) throw std::invalid_argument("device ordinal " + std::to_string(ordinal) + " is negative");
  if (static_cast<size_t>(ordinal) >= table.size()) table.resize(ordinal + 1);
  if (!table[ordinal]) table[ordinal] = std::make_unique<Context>(ordinal);
  return *table[ordinal];
}

// The selected context; device 0's until something selects another (a single-device process never does).
inline Context& selected() {
  if (!current) current = &of(0);
  return *current;
}

}  // namespace contexts

// One T in each context, default-constructed the first time the selected context asks for it.
template <typename T>
T& per_device() {
  static const int id = contexts::slot_count++;
  Context& c = contexts::selected();
  if (static_cast<size_t>(id) >= c.slots.size()) c.slots.resize(id + 1);
  std::shared_ptr<void>& slot = c.slots[id];
  if (!slot) slot = std::make_shared<T>();
  return *static_cast<T*>(slot.get());
}

}  // namespace device
}  // namespace glm
