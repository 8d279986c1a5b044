// Generated code in a dlopen'ed shared object, runtime in the executable (ENABLE_EXPORTS): the
// way sluice runs artifacts. Checks the wasm_rt_* symbols and the initial-exec TLS interrupt
// flag resolve across that boundary.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/engine/runtime_test_util.h"

namespace sluice::runtime_test {
namespace {

// The guest's instance is opaque here; 4 KiB is far more than its few fields.
struct alignas(16) Instance {
  unsigned char bytes[4096];
};

struct GuestApi {
  void (*init_module)();
  void (*instantiate)(Instance*, void*);
  void (*free)(Instance*);
  uint32_t (*load)(Instance*, uint32_t);
  void (*spin)(Instance*);
  uint32_t (*rec)(Instance*, uint32_t);
};

class RuntimeDlopen : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    wasm_rt_init();
    handle_ = dlopen(RUNTIME_DL_GUEST_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    auto sym = [](const char* name) {
      void* p = dlsym(handle_, name);
      EXPECT_NE(p, nullptr) << name;
      return p;
    };
    api_.init_module = reinterpret_cast<void (*)()>(sym("Z_guest_init_module"));
    api_.instantiate = reinterpret_cast<void (*)(Instance*, void*)>(sym("Z_guest_instantiate"));
    api_.free = reinterpret_cast<void (*)(Instance*)>(sym("Z_guest_free"));
    api_.load = reinterpret_cast<uint32_t (*)(Instance*, uint32_t)>(sym("Z_guestZ_load"));
    api_.spin = reinterpret_cast<void (*)(Instance*)>(sym("Z_guestZ_spin"));
    api_.rec = reinterpret_cast<uint32_t (*)(Instance*, uint32_t)>(sym("Z_guestZ_rec"));
    api_.init_module();
  }
  void SetUp() override {
    ASSERT_NE(handle_, nullptr);
    ASSERT_EQ(Guarded([&] { api_.instantiate(&instance_, nullptr); }), 0);
  }
  void TearDown() override { api_.free(&instance_); }

  static void* handle_;
  static GuestApi api_;
  Instance instance_{};
};

void* RuntimeDlopen::handle_ = nullptr;
GuestApi RuntimeDlopen::api_{};

TEST_F(RuntimeDlopen, TrapsAndMemoryWorkThroughTheExecutablesRuntime) {
  EXPECT_EQ(Guarded([&] { api_.load(&instance_, 65536); }), WASM_RT_TRAP_OOB);
  EXPECT_EQ(Guarded([&] { api_.rec(&instance_, 0); }), WASM_RT_TRAP_EXHAUSTION);
  uint32_t value = 1;
  EXPECT_EQ(Guarded([&] { value = api_.load(&instance_, 0); }), 0);
  EXPECT_EQ(value, 0u);
}

TEST_F(RuntimeDlopen, SharedObjectSeesThisThreadsInterruptFlag) {
  // On another thread too: the flag must be that thread's, not the loading thread's.
  int kind = -1;
  std::thread([&] {
    Instance mine{};
    ASSERT_EQ(Guarded([&] { api_.instantiate(&mine, nullptr); }), 0);
    sluice_rt_deadline* deadline = sluice_rt_deadline_start(0.02);
    kind = Guarded([&] { api_.spin(&mine); });
    sluice_rt_deadline_cancel(deadline);
    api_.free(&mine);
  }).join();
  EXPECT_EQ(kind, SLUICE_TRAP_INTERRUPTED);
  EXPECT_EQ(sluice_rt_interrupt_flag, 0u);
}

}  // namespace
}  // namespace sluice::runtime_test
