// What a host function sees of the guest that called it: its memory, its handle table, its
// allocator (the canon option `realloc`), and the embedder's per-sandbox state.
#pragma once

#include <cstdint>

#include "component/guest_memory.h"
#include "component/resource_table.h"
#include "engine/artifact_abi.h"

namespace sluice::component {

// Per canon-lowered import: fixed when the component is instantiated.
struct LoweredImport {
  ResourceTable* resources = nullptr;
  wasm_rt_memory_t* memory = nullptr;  // canon option `memory`, may be null
  sluice_func_binding realloc{};       // canon option `realloc`, call == null when absent
  void* embedder = nullptr;            // e.g. the sandbox's WASI state
};

class CallContext {
 public:
  explicit CallContext(const LoweredImport& import)
      : import_(import), memory_(import.memory) {}

  ResourceTable& resources() const { return *import_.resources; }
  const GuestMemory& memory() const { return memory_; }

  template <typename T>
  T& embedder() const {
    return *static_cast<T*>(import_.embedder);
  }

  // Calls the guest's cabi_realloc, checking the result is aligned and in bounds. A trap inside
  // the guest's allocator becomes a GuestTrap here, so C++ frames above unwind normally.
  uint32_t realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size) const;

 private:
  const LoweredImport& import_;
  GuestMemory memory_;
};

}  // namespace sluice::component
