// The sluice runtime driven by real wasm2c 1.0.32 output (runtime_guest*.wat, translated at
// build time).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "guest.h"
#include "guest_eh.h"
#include "tests/engine/runtime_test_util.h"

// The guest's only import. Stands in for the interrupt check sluice injects at loop headers.
extern "C" void Z_envZ_poll(struct Z_env_instance_t*) {
  if (UNLIKELY(sluice_rt_interrupt_flag)) sluice_rt_interrupted();
}

namespace sluice::runtime_test {
namespace {

constexpr uint32_t kPage = 65536;

class RuntimeWasm : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    wasm_rt_init();
    Z_guest_init_module();
    Z_guest_eh_init_module();
  }
  void SetUp() override {
    sluice_rt_set_memory_limit(0);
    sluice_rt_reset_memory_limit_hit();
    ASSERT_EQ(Guarded([&] { Z_guest_instantiate(&guest_, nullptr); }), 0);
  }
  void TearDown() override {
    Z_guest_free(&guest_);
    sluice_rt_set_memory_limit(0);
  }
  Z_guest_instance_t guest_{};
};

TEST_F(RuntimeWasm, LoadsAndStoresInBounds) {
  uint32_t value = 0;
  EXPECT_EQ(Guarded([&] {
              Z_guestZ_store(&guest_, kPage - 4, 0xdeadbeef);
              value = Z_guestZ_load(&guest_, kPage - 4);
            }),
            0);
  EXPECT_EQ(value, 0xdeadbeefu);
}

TEST_F(RuntimeWasm, OutOfBoundsLoadTraps) {
  sluice_trap_info info{};
  EXPECT_EQ(Guarded([&] { Z_guestZ_load(&guest_, kPage - 3); }, &info), WASM_RT_TRAP_OOB);
  EXPECT_EQ(info.fault_address, reinterpret_cast<uintptr_t>(guest_.w2c_mem.data + kPage));
  // Largest address + largest offset: lands in the far guard of the reservation.
  EXPECT_EQ(Guarded([&] { Z_guestZ_load_far(&guest_, 0xffffffffu); }), WASM_RT_TRAP_OOB);
  // Bulk memory is range-checked by the generated code itself.
  EXPECT_EQ(Guarded([&] { Z_guestZ_fill(&guest_, kPage - 10, 11); }), WASM_RT_TRAP_OOB);
}

TEST_F(RuntimeWasm, MemoryGrowHonoursMaxAndLimit) {
  uint32_t results[4] = {};
  EXPECT_EQ(Guarded([&] {
              results[0] = Z_guestZ_grow(&guest_, 2);  // 1 -> 3 pages
              results[1] = Z_guestZ_grow(&guest_, 2);  // 5 > max 4: refused
              results[2] = Z_guestZ_size(&guest_);
              Z_guestZ_store(&guest_, 3 * kPage - 4, 1);  // the new pages are usable
              results[3] = Z_guestZ_load(&guest_, 3 * kPage - 4);
            }),
            0);
  EXPECT_EQ(results[0], 1u);
  EXPECT_EQ(results[1], UINT32_MAX);
  EXPECT_EQ(results[2], 3u);
  EXPECT_EQ(results[3], 1u);

  Z_guest_free(&guest_);
  sluice_rt_set_memory_limit(2 * kPage);
  ASSERT_EQ(Guarded([&] { Z_guest_instantiate(&guest_, nullptr); }), 0);
  EXPECT_EQ(Guarded([&] {
              results[0] = Z_guestZ_grow(&guest_, 1);
              results[1] = Z_guestZ_grow(&guest_, 1);
            }),
            0);
  EXPECT_EQ(results[0], 1u);
  EXPECT_EQ(results[1], UINT32_MAX);
  EXPECT_TRUE(sluice_rt_memory_limit_hit());
}

TEST_F(RuntimeWasm, InstantiationAboveLimitTraps) {
  Z_guest_free(&guest_);
  sluice_rt_set_memory_limit(kPage / 2);
  EXPECT_EQ(Guarded([&] { Z_guest_instantiate(&guest_, nullptr); }), SLUICE_TRAP_HOST);
  EXPECT_TRUE(sluice_rt_memory_limit_hit());
  // Freeing a half-instantiated instance is safe: a failed allocation leaves a zeroed memory.
  Z_guest_free(&guest_);
  sluice_rt_set_memory_limit(0);
  ASSERT_EQ(Guarded([&] { Z_guest_instantiate(&guest_, nullptr); }), 0);
}

TEST_F(RuntimeWasm, ArithmeticTraps) {
  EXPECT_EQ(Guarded([&] { Z_guestZ_div(&guest_, 1, 0); }), WASM_RT_TRAP_DIV_BY_ZERO);
  EXPECT_EQ(Guarded([&] { Z_guestZ_div(&guest_, 0x80000000u, UINT32_MAX); }),
            WASM_RT_TRAP_INT_OVERFLOW);
  EXPECT_EQ(Guarded([&] { Z_guestZ_trap(&guest_); }), WASM_RT_TRAP_UNREACHABLE);
}

TEST_F(RuntimeWasm, InfiniteRecursionTrapsExhaustion) {
  EXPECT_EQ(Guarded([&] { Z_guestZ_rec(&guest_, 0); }), WASM_RT_TRAP_EXHAUSTION);
  std::thread([] {
    Z_guest_instance_t other{};
    ASSERT_EQ(Guarded([&] { Z_guest_instantiate(&other, nullptr); }), 0);
    EXPECT_EQ(Guarded([&] { Z_guestZ_rec(&other, 0); }), WASM_RT_TRAP_EXHAUSTION);
    Z_guest_free(&other);
  }).join();
}

TEST_F(RuntimeWasm, CallIndirectAcrossModulesUsesSharedTypeIds) {
  Z_guest_eh_instance_t eh{};
  ASSERT_EQ(Guarded([&] { Z_guest_eh_instantiate(&eh); }), 0);
  // Put the other module's (i32)->i32 function into this module's table.
  Z_guestZ_tab(&guest_)->data[2] = Z_guest_ehZ_tab(&eh)->data[0];
  uint32_t results[2] = {};
  EXPECT_EQ(Guarded([&] {
              results[0] = Z_guestZ_call_unary(&guest_, 0, 41);  // own $inc
              results[1] = Z_guestZ_call_unary(&guest_, 2, 21);  // other module's $double
            }),
            0);
  EXPECT_EQ(results[0], 42u);
  EXPECT_EQ(results[1], 42u);
  // $add has the wrong type, slot 3 is null, slot 9 is past the end.
  for (uint32_t slot : {1u, 3u, 9u}) {
    EXPECT_EQ(Guarded([&] { Z_guestZ_call_unary(&guest_, slot, 1); }),
              WASM_RT_TRAP_CALL_INDIRECT)
        << "slot " << slot;
  }
  Z_guest_eh_free(&eh);
}

TEST_F(RuntimeWasm, ExceptionsCatchThrowAndTrapsAreNotCaught) {
  Z_guest_eh_instance_t eh{};
  ASSERT_EQ(Guarded([&] { Z_guest_eh_instantiate(&eh); }), 0);
  uint32_t caught = 0, from_try = 0;
  EXPECT_EQ(Guarded([&] { caught = Z_guest_ehZ_catch_own(&eh, 41); }), 0);
  EXPECT_EQ(caught, 42u);
  EXPECT_EQ(Guarded([&] { Z_guest_ehZ_uncaught(&eh, 1); }), WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
  EXPECT_EQ(Guarded([&] { from_try = Z_guest_ehZ_trap_in_try(&eh); }),
            WASM_RT_TRAP_UNREACHABLE);
  EXPECT_EQ(from_try, 0u);
  EXPECT_EQ(wasm_rt_get_unwind_target(), nullptr);
  Z_guest_eh_free(&eh);
}

TEST_F(RuntimeWasm, DeadlineInterruptsSpinningGuest) {
  sluice_rt_deadline* deadline = sluice_rt_deadline_start(0.02);
  EXPECT_EQ(Guarded([&] { Z_guestZ_spin(&guest_); }), SLUICE_TRAP_INTERRUPTED);
  EXPECT_EQ(sluice_rt_deadline_cancel(deadline), 1);
}

TEST_F(RuntimeWasm, GuestsOnManyThreadsTrapIndependently) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Z_guest_instance_t mine{};
      if (Guarded([&] { Z_guest_instantiate(&mine, nullptr); }) != 0) {
        wrong.fetch_add(1);
        return;
      }
      for (int i = 0; i < 200; ++i) {
        uint32_t value = 0;
        int kind = Guarded([&] {
          Z_guestZ_store(&mine, 0, static_cast<uint32_t>(t * 1000 + i));
          value = Z_guestZ_load(&mine, 0);
          switch (i % 3) {
            case 0: Z_guestZ_load(&mine, kPage); break;
            case 1: Z_guestZ_trap(&mine); break;
            default: Z_guestZ_rec(&mine, 0); break;
          }
        });
        const int expected = i % 3 == 0   ? WASM_RT_TRAP_OOB
                             : i % 3 == 1 ? WASM_RT_TRAP_UNREACHABLE
                                          : WASM_RT_TRAP_EXHAUSTION;
        if (kind != expected || value != static_cast<uint32_t>(t * 1000 + i)) {
          wrong.fetch_add(1);
        }
      }
      Z_guest_free(&mine);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace sluice::runtime_test
