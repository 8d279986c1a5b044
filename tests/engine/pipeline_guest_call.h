// Running artifact code in tests: through engine/runtime's guarded calls when it is linked
// (SLUICE_TEST_HAVE_RUNTIME), else through stand-ins for the runtime's interrupt symbols on top
// of Debian's libwasm-rt-impl.a.
#pragma once

#include <cstdint>
#include <type_traits>

#include <wasm-rt.h>

#if SLUICE_TEST_HAVE_RUNTIME
#include "engine/runtime/sluice_rt.h"
#endif

namespace sluice::pipeline_test {

inline constexpr int kInterrupted = 100;  // SLUICE_TRAP_INTERRUPTED

// 0 if fn(arg) returned, else the trap kind.
int guest_call(void (*fn)(void*), void* arg);

template <typename F>
int guest(F&& f) {
  using Fn = std::remove_reference_t<F>;
  return guest_call([](void* p) { (*static_cast<Fn*>(p))(); }, &f);
}

// Sets the calling thread's interrupt flag.
void set_interrupt_flag();

void init_runtime_once();

}  // namespace sluice::pipeline_test
