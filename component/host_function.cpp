#include "component/host_function.h"

#include <exception>

#include "component/guest_error.h"
#include "engine/runtime/sluice_rt.h"

namespace sluice::component {
namespace {
thread_local std::string trap_message;
}  // namespace

const std::string& last_trap_message() noexcept { return trap_message; }

PendingUnwind capture_current_exception() noexcept {
  try {
    throw;
  } catch (const GuestExit& exit) {
    trap_message = "guest exited";
    return {SLUICE_TRAP_EXIT, exit.status()};
  } catch (const GuestTrap& trap) {
    trap_message = trap.what();
    return {trap.kind(), 0};
  } catch (const std::exception& error) {
    trap_message = std::string("host error: ") + error.what();
    return {SLUICE_TRAP_HOST, 0};
  } catch (...) {
    trap_message = "host error: unknown exception";
    return {SLUICE_TRAP_HOST, 0};
  }
}

void unwind_guest(PendingUnwind unwind) noexcept {
  sluice_rt_raise(unwind.kind, unwind.exit_status, trap_message.c_str());
}

void resource_drop_adapter(void* target, uint64_t* values) noexcept {
  PendingUnwind unwind;
  try {
    auto* drop = static_cast<const ResourceDropTarget*>(target);
    drop->resources->drop(static_cast<uint32_t>(values[0]), *drop->type);
    return;
  } catch (...) {
    unwind = capture_current_exception();
  }
  unwind_guest(unwind);
}

}  // namespace sluice::component
