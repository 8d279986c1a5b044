#include "component/call_context.h"

#include <string>

#include "component/guest_error.h"
#include "engine/runtime/sluice_rt.h"

namespace sluice::component {
namespace {

struct ReallocCall {
  const sluice_func_binding* realloc;
  uint64_t values[4];
};

void call_realloc(void* arg) {
  auto* call = static_cast<ReallocCall*>(arg);
  call->realloc->call(call->realloc->target, call->values);
}

}  // namespace

uint32_t CallContext::realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align,
                              uint32_t new_size) const {
  if (import_.realloc.call == nullptr) {
    throw GuestTrap("canonical ABI: returning this value needs a realloc option");
  }
  ReallocCall call{&import_.realloc, {old_ptr, old_size, align, new_size}};
  sluice_trap_info info{};
  // A nested guard: a trap in the guest's allocator lands here, not in an outer frame, so the
  // host function's C++ objects are unwound by the exception below rather than skipped.
  if (sluice_rt_call_guarded(&call_realloc, &call, &info) != 0) {
    if (info.kind == SLUICE_TRAP_EXIT) throw GuestExit(info.exit_status);
    throw GuestTrap(std::string("trap in guest cabi_realloc: ") +
                        (info.message ? info.message : sluice_rt_trap_message(info.kind)),
                    info.kind);
  }
  uint32_t ptr = static_cast<uint32_t>(call.values[0]);
  memory_.check(ptr, new_size, align);
  return ptr;
}

}  // namespace sluice::component
