#include "tests/engine/pipeline_guest_call.h"

#include <setjmp.h>

#include <mutex>

namespace sluice::pipeline_test {

void init_runtime_once() {
  static std::once_flag once;
  std::call_once(once, [] { wasm_rt_init(); });
}

#if SLUICE_TEST_HAVE_RUNTIME

int guest_call(void (*fn)(void*), void* arg) { return sluice_rt_call_guarded(fn, arg, nullptr); }

void set_interrupt_flag() { *sluice_rt_interrupt_flag_address() = 1; }

#else
// TEMPORARY stand-ins until engine/runtime's sluice_runtime target exists: the artifact's
// interrupt checks need these two symbols in the executable.
namespace {
thread_local sigjmp_buf* t_landing = nullptr;
}
}  // namespace sluice::pipeline_test

extern "C" {
__thread volatile uint32_t sluice_rt_interrupt_flag __attribute__((tls_model("initial-exec")));
[[noreturn]] void sluice_rt_interrupted(void) {
  sluice_rt_interrupt_flag = 0;
  siglongjmp(*sluice::pipeline_test::t_landing, sluice::pipeline_test::kInterrupted);
}
}

namespace sluice::pipeline_test {

int guest_call(void (*fn)(void*), void* arg) {
  sigjmp_buf buf;
  sigjmp_buf* prev = t_landing;
  t_landing = &buf;
  int kind = sigsetjmp(buf, 1);
  if (kind == 0) fn(arg);
  t_landing = prev;
  return kind;
}

void set_interrupt_flag() { sluice_rt_interrupt_flag = 1; }

#endif

}  // namespace sluice::pipeline_test
