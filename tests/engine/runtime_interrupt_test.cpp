// Interrupt flag and deadlines of the sluice runtime.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "tests/engine/runtime_test_util.h"

namespace sluice::runtime_test {
namespace {

class RuntimeInterrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    wasm_rt_init();
    sluice_rt_interrupt_flag = 0;
  }
};

// What injected code does at a loop header.
void PollInterrupt() {
  if (UNLIKELY(sluice_rt_interrupt_flag)) sluice_rt_interrupted();
}

// Waits (without asserting on time) until pred holds; gives up after a minute so a broken
// implementation fails instead of hanging.
template <typename Pred>
bool WaitFor(Pred pred) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST_F(RuntimeInterrupt, FlagAddressIsPerThread) {
  volatile uint32_t* mine = sluice_rt_interrupt_flag_address();
  EXPECT_EQ(mine, &sluice_rt_interrupt_flag);
  volatile uint32_t* theirs = nullptr;
  std::thread([&] { theirs = sluice_rt_interrupt_flag_address(); }).join();
  EXPECT_NE(mine, theirs);
}

TEST_F(RuntimeInterrupt, InterruptedRaisesTrap) {
  sluice_trap_info info{};
  EXPECT_EQ(Guarded([] { sluice_rt_interrupted(); }, &info), SLUICE_TRAP_INTERRUPTED);
  EXPECT_STREQ(info.message, sluice_rt_trap_message(SLUICE_TRAP_INTERRUPTED));
}

TEST_F(RuntimeInterrupt, DeadlineStopsOnlyItsOwnThread) {
  std::atomic<bool> bystander_running{false}, stop_bystander{false};
  std::atomic<int> bystander_kind{-1};
  std::atomic<uint32_t> bystander_flag_seen{0};
  std::thread bystander([&] {
    // Spins in "guest code" polling its own flag until told to stop from outside.
    bystander_kind = Guarded([&] {
      bystander_running = true;
      while (!stop_bystander.load()) {
        bystander_flag_seen = bystander_flag_seen | sluice_rt_interrupt_flag;
        PollInterrupt();
      }
    });
  });
  ASSERT_TRUE(WaitFor([&] { return bystander_running.load(); }));

  std::atomic<int> victim_kind{-1};
  std::atomic<int> victim_fired{-1};
  std::thread victim([&] {
    sluice_rt_deadline* deadline = sluice_rt_deadline_start(0.05);
    ASSERT_NE(deadline, nullptr);
    victim_kind = Guarded([] {
      for (;;) PollInterrupt();
    });
    victim_fired = sluice_rt_deadline_cancel(deadline);
    // Cleared once the outermost guarded call returned.
    EXPECT_EQ(sluice_rt_interrupt_flag, 0u);
  });
  victim.join();
  stop_bystander = true;
  bystander.join();

  EXPECT_EQ(victim_kind.load(), SLUICE_TRAP_INTERRUPTED);
  EXPECT_EQ(victim_fired.load(), 1);
  EXPECT_EQ(bystander_kind.load(), 0);
  EXPECT_EQ(bystander_flag_seen.load(), 0u);
  EXPECT_EQ(sluice_rt_interrupt_flag, 0u);  // nor the test's own thread
}

TEST_F(RuntimeInterrupt, CancelBeforeExpiryNeverFires) {
  sluice_rt_deadline* deadline = sluice_rt_deadline_start(3600);
  EXPECT_EQ(sluice_rt_deadline_cancel(deadline), 0);
  EXPECT_EQ(sluice_rt_interrupt_flag, 0u);
  EXPECT_EQ(sluice_rt_deadline_cancel(nullptr), 0);
}

TEST_F(RuntimeInterrupt, CancelAfterExpiryClearsTheFlag) {
  // The deadline fires while no guest runs (after the guarded call, before cancel): the next
  // guest call must not be interrupted by it.
  sluice_rt_deadline* deadline = sluice_rt_deadline_start(0.001);
  ASSERT_TRUE(WaitFor([] { return sluice_rt_interrupt_flag != 0; }));
  EXPECT_EQ(sluice_rt_deadline_cancel(deadline), 1);
  EXPECT_EQ(sluice_rt_interrupt_flag, 0u);
  EXPECT_EQ(Guarded([] { PollInterrupt(); }), 0);
}

TEST_F(RuntimeInterrupt, ExpiredDeadlineStaysInForceUntilCancelled) {
  // A deadline covers a whole job of several guarded calls. If it fires after the guest's last
  // check, clearing the flag at the end of that call must not let the next call run unbounded.
  sluice_rt_deadline* deadline = sluice_rt_deadline_start(0.001);
  ASSERT_TRUE(WaitFor([] { return sluice_rt_interrupt_flag != 0; }));
  EXPECT_EQ(Guarded([] {}), 0);  // a call that never polls returns normally...
  EXPECT_EQ(sluice_rt_interrupt_flag, 1u);
  EXPECT_EQ(Guarded([] { PollInterrupt(); }), SLUICE_TRAP_INTERRUPTED);  // ...the next stops
  EXPECT_EQ(sluice_rt_deadline_cancel(deadline), 1);
  EXPECT_EQ(sluice_rt_interrupt_flag, 0u);
  EXPECT_EQ(Guarded([] { PollInterrupt(); }), 0);
}

TEST_F(RuntimeInterrupt, FlagStaysWhileAnotherExpiredDeadlineIsOutstanding) {
  sluice_rt_deadline* a = sluice_rt_deadline_start(0);
  sluice_rt_deadline* b = sluice_rt_deadline_start(0);
  EXPECT_EQ(sluice_rt_deadline_cancel(a), 1);
  EXPECT_EQ(sluice_rt_interrupt_flag, 1u);  // b still says stop
  EXPECT_EQ(sluice_rt_deadline_cancel(b), 1);
  EXPECT_EQ(sluice_rt_interrupt_flag, 0u);
}

TEST_F(RuntimeInterrupt, ZeroOrNegativeDeadlineFiresImmediately) {
  for (double seconds : {0.0, -1.0}) {
    sluice_rt_deadline* deadline = sluice_rt_deadline_start(seconds);
    EXPECT_EQ(sluice_rt_interrupt_flag, 1u);
    EXPECT_EQ(Guarded([] { PollInterrupt(); }), SLUICE_TRAP_INTERRUPTED);
    EXPECT_EQ(sluice_rt_deadline_cancel(deadline), 1);
    EXPECT_EQ(sluice_rt_interrupt_flag, 0u);
  }
}

TEST_F(RuntimeInterrupt, EarlierDeadlineArmedLaterFiresFirst) {
  // The watchdog is asleep until the long deadline; a shorter one must wake it.
  sluice_rt_deadline* slow = sluice_rt_deadline_start(3600);
  sluice_rt_deadline* fast = sluice_rt_deadline_start(0.01);
  EXPECT_EQ(Guarded([] {
              for (;;) PollInterrupt();
            }),
            SLUICE_TRAP_INTERRUPTED);
  EXPECT_EQ(sluice_rt_deadline_cancel(fast), 1);
  EXPECT_EQ(sluice_rt_deadline_cancel(slow), 0);
}

TEST_F(RuntimeInterrupt, OnlyOutermostGuardedCallClearsTheFlag) {
  int inner_kind = -1;
  uint32_t flag_after_inner = 0;
  int outer = Guarded([&] {
    inner_kind = Guarded([] { sluice_rt_interrupt_flag = 1; });  // returns normally
    flag_after_inner = sluice_rt_interrupt_flag;
    PollInterrupt();  // the outer guest must stop too
  });
  EXPECT_EQ(inner_kind, 0);
  EXPECT_EQ(flag_after_inner, 1u);
  EXPECT_EQ(outer, SLUICE_TRAP_INTERRUPTED);
  EXPECT_EQ(sluice_rt_interrupt_flag, 0u);
}

TEST_F(RuntimeInterrupt, ManyConcurrentDeadlines) {
  // Threads arm and cancel deadlines of random lengths, some expiring, some not; every guest
  // call either returns or is interrupted, and no flag is left set after cancel.
  std::atomic<int> problems{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 300; ++i) {
        const double seconds = (rng() % 2000) * 1e-6;  // 0..2 ms
        sluice_rt_deadline* deadline = sluice_rt_deadline_start(seconds);
        const int spins = static_cast<int>(rng() % 2000000);  // up to ~2 ms too
        int kind = Guarded([&] {
          for (int s = 0; s < spins; ++s) PollInterrupt();  // the flag read is volatile
        });
        const int fired = sluice_rt_deadline_cancel(deadline);
        if (kind != 0 && kind != SLUICE_TRAP_INTERRUPTED) problems.fetch_add(1);
        if (kind == SLUICE_TRAP_INTERRUPTED && !fired) problems.fetch_add(1);
        if (sluice_rt_interrupt_flag != 0) problems.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(problems.load(), 0);
}

TEST_F(RuntimeInterrupt, WatchdogWorksInForkedChild) {
  GTEST_FLAG_SET(death_test_style, "fast");  // fork without exec: the watchdog is not copied
  sluice_rt_deadline_cancel(sluice_rt_deadline_start(3600));  // make sure it runs in the parent
  EXPECT_EXIT(
      {
        sluice_rt_deadline* deadline = sluice_rt_deadline_start(0.01);
        int kind = Guarded([] {
          for (;;) PollInterrupt();
        });
        sluice_rt_deadline_cancel(deadline);
        std::exit(kind == SLUICE_TRAP_INTERRUPTED ? 7 : 1);
      },
      ::testing::ExitedWithCode(7), "");
}

}  // namespace
}  // namespace sluice::runtime_test
