// Helpers shared by the runtime_* tests.
#pragma once

#include <cstdint>

#include "engine/runtime/sluice_rt.h"

namespace sluice::runtime_test {

// Runs f() under sluice_rt_call_guarded. f must not hold C++ objects with destructors across
// the point where it traps: the trap longjmps over them.
template <typename F>
int Guarded(F&& f, sluice_trap_info* info = nullptr) {
  using Fn = std::remove_reference_t<F>;
  return sluice_rt_call_guarded([](void* p) { (*static_cast<Fn*>(p))(); }, &f, info);
}

// Reads a byte through a volatile pointer so the compiler can't drop or move the access.
inline uint8_t TouchByte(const uint8_t* p) { return *static_cast<const volatile uint8_t*>(p); }

}  // namespace sluice::runtime_test
