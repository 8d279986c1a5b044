// Drives WASI host functions exactly as a guest's canon-lowered imports would: flat values in a
// uint64_t array, a 1 MiB fake linear memory, a cabi_realloc bound to a bump allocator, the
// call made inside sluice_rt_call_guarded so that a trap comes back as a trap kind.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "component/call_context.h"
#include "component/host_interfaces.h"
#include "component/resource_table.h"
#include "wasi/wasi.h"

namespace sluice::wasi::testing {

// What one call left: the trap kind (0 if it returned), the trap message and the flat results.
struct CallOutcome {
  int trap = 0;
  int exit_status = 0;
  std::string message;
  std::vector<uint64_t> values;

  uint32_t i32(size_t i = 0) const { return static_cast<uint32_t>(values.at(i)); }
  uint64_t i64(size_t i = 0) const { return values.at(i); }
};

class FakeGuest {
 public:
  static constexpr uint32_t kMemorySize = 1 << 20;

  explicit FakeGuest(WasiCtx& wasi);
  FakeGuest(const FakeGuest&) = delete;
  FakeGuest& operator=(const FakeGuest&) = delete;

  // Calls the import `name` of `interface` ("wasi:io/streams@0.2.12") with core arguments.
  // Fails the test (and returns a trap of -1) when the host does not define it.
  CallOutcome call(std::string_view interface, std::string_view name,
                   std::initializer_list<uint64_t> args);

  // The core signature the host registered for an import ("" when it has none).
  std::string signature(std::string_view interface, std::string_view name) const;
  const component::HostInterfaces& host() const { return host_; }
  component::ResourceTable& table() { return table_; }

  // ---- guest memory ----
  uint32_t alloc(uint32_t size, uint32_t align = 8);
  // Copies `bytes` into a fresh allocation; returns its address.
  uint32_t put(std::string_view bytes);
  uint8_t u8(uint32_t ptr) const { return data_[ptr]; }
  uint32_t u32(uint32_t ptr) const { return load<uint32_t>(ptr); }
  uint64_t u64(uint32_t ptr) const { return load<uint64_t>(ptr); }
  void store_u32(uint32_t ptr, uint32_t value) { std::memcpy(&data_[ptr], &value, 4); }
  // A list<u32> (e.g. of handles) in a fresh allocation; returns its address.
  uint32_t put_u32s(const std::vector<uint32_t>& values);
  // The bytes of the (ptr, len) pair stored at `ptr` (a string or list<u8>).
  std::string bytes_at(uint32_t ptr) const;
  std::string bytes(uint32_t ptr, uint32_t len) const {
    return std::string(reinterpret_cast<const char*>(data_.data() + ptr), len);
  }

 private:
  template <typename T>
  T load(uint32_t ptr) const {
    T value;
    std::memcpy(&value, data_.data() + ptr, sizeof value);
    return value;
  }
  static void bump_realloc(void* target, uint64_t* values);

  component::HostInterfaces host_;
  component::ResourceTable table_;
  std::vector<uint8_t> data_;
  wasm_rt_memory_t memory_{};
  component::LoweredImport import_{};
  uint32_t next_free_ = 64 * 1024;  // the low 64 KiB stay free for pointers tests pick
};

}  // namespace sluice::wasi::testing
