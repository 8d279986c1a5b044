// Bounds-checked access to a guest's linear memory for host code.
//
// Every pointer and length that comes from a guest is checked here before the host touches a
// byte. The base and size are re-read on every access because a call back into the guest
// (cabi_realloc) may grow, and so move, the memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "component/guest_error.h"
#include "wasm-rt.h"

namespace sluice::component {

class GuestMemory {
 public:
  explicit GuestMemory(wasm_rt_memory_t* memory) : memory_(memory) {}

  bool valid() const { return memory_ != nullptr; }

  // The bytes [ptr, ptr+len). Throws GuestTrap when any of them is outside the memory.
  std::span<uint8_t> bytes(uint32_t ptr, uint32_t len) const {
    check(ptr, len);
    return {memory_->data + ptr, len};
  }

  // Checks that [ptr, ptr+len) is inside the memory and that ptr is aligned, as the canonical
  // ABI requires for every load and store of a value of that alignment.
  void check(uint32_t ptr, uint64_t len, uint32_t align = 1) const {
    if (memory_ == nullptr) throw GuestTrap("canonical ABI: function needs a memory option");
    if (uint64_t(ptr) + len > memory_->size) {
      throw GuestTrap("guest pointer out of bounds: " + std::to_string(ptr) + "+" +
                      std::to_string(len) + " > memory size " + std::to_string(memory_->size));
    }
    if (align > 1 && ptr % align != 0) {
      throw GuestTrap("guest pointer " + std::to_string(ptr) + " not aligned to " +
                      std::to_string(align));
    }
  }

  template <typename T>
  T load(uint32_t ptr) const {
    check(ptr, sizeof(T));
    T value;
    std::memcpy(&value, memory_->data + ptr, sizeof(T));  // wasm and x86-64 are little-endian
    return value;
  }

  template <typename T>
  void store(uint32_t ptr, T value) const {
    check(ptr, sizeof(T));
    std::memcpy(memory_->data + ptr, &value, sizeof(T));
  }

 private:
  wasm_rt_memory_t* memory_;
};

}  // namespace sluice::component
