#include "tests/wasi/guest_harness.h"

#include <gtest/gtest.h>

#include "engine/runtime/sluice_rt.h"

namespace sluice::wasi::testing {
namespace {

struct PendingCall {
  const component::HostFunc* func;
  component::LoweredImport* import;
  uint64_t* values;
};

// Runs as "guest code" under the guard: no C++ object with a destructor lives in this frame,
// since a trap longjmps out of it.
void run_call(void* arg) {
  auto* call = static_cast<PendingCall*>(arg);
  call->func->call(call->import, call->values);
}

}  // namespace

FakeGuest::FakeGuest(WasiCtx& wasi) : data_(kMemorySize) {
  add_wasi_to(host_);
  memory_.data = data_.data();
  memory_.pages = kMemorySize / 65536;
  memory_.max_pages = memory_.pages;
  memory_.size = kMemorySize;
  import_.resources = &table_;
  import_.memory = &memory_;
  import_.realloc = sluice_func_binding{&FakeGuest::bump_realloc, this};
  import_.embedder = &wasi;
}

void FakeGuest::bump_realloc(void* target, uint64_t* values) {
  auto* guest = static_cast<FakeGuest*>(target);
  uint32_t old_ptr = static_cast<uint32_t>(values[0]);
  uint32_t old_size = static_cast<uint32_t>(values[1]);
  uint32_t align = static_cast<uint32_t>(values[2]);
  uint32_t new_size = static_cast<uint32_t>(values[3]);
  uint32_t ptr = guest->alloc(new_size, align);
  if (old_ptr != 0) std::memcpy(&guest->data_[ptr], &guest->data_[old_ptr], old_size);
  values[0] = ptr;
}

uint32_t FakeGuest::alloc(uint32_t size, uint32_t align) {
  uint32_t ptr = (next_free_ + align - 1) / align * align;
  next_free_ = ptr + size;
  // Past the end: hand out the address anyway; the host's bounds check must catch it.
  return ptr;
}

uint32_t FakeGuest::put(std::string_view bytes) {
  uint32_t ptr = alloc(static_cast<uint32_t>(bytes.size()), 1);
  std::memcpy(&data_[ptr], bytes.data(), bytes.size());
  return ptr;
}

uint32_t FakeGuest::put_u32s(const std::vector<uint32_t>& values) {
  uint32_t ptr = alloc(static_cast<uint32_t>(values.size() * 4), 4);
  for (size_t i = 0; i < values.size(); ++i)
    store_u32(ptr + static_cast<uint32_t>(i * 4), values[i]);
  return ptr;
}

std::string FakeGuest::bytes_at(uint32_t ptr) const { return bytes(u32(ptr), u32(ptr + 4)); }

std::string FakeGuest::signature(std::string_view interface, std::string_view name) const {
  const component::HostFunc* func = host_.find_func(interface, name);
  return func == nullptr ? "" : func->core_signature;
}

CallOutcome FakeGuest::call(std::string_view interface, std::string_view name,
                            std::initializer_list<uint64_t> args) {
  CallOutcome outcome;
  const component::HostFunc* func = host_.find_func(interface, name);
  if (func == nullptr) {
    ADD_FAILURE() << "host does not define " << interface << " " << name;
    outcome.trap = -1;
    return outcome;
  }
  outcome.values.assign(32, 0);
  std::copy(args.begin(), args.end(), outcome.values.begin());
  PendingCall call{func, &import_, outcome.values.data()};
  sluice_trap_info info{};
  outcome.trap = sluice_rt_call_guarded(&run_call, &call, &info);
  if (outcome.trap != 0) {
    outcome.exit_status = info.exit_status;
    outcome.message = info.message ? info.message : "";
  }
  return outcome;
}

}  // namespace sluice::wasi::testing
