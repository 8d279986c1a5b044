// Traps, guarded calls, the fault handler and exceptions of the sluice runtime.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "tests/engine/runtime_test_util.h"

namespace sluice::runtime_test {
namespace {

class RuntimeTrap : public ::testing::Test {
 protected:
  void SetUp() override { wasm_rt_init(); }
};

TEST_F(RuntimeTrap, InitIsIdempotent) {
  wasm_rt_init();
  wasm_rt_init();
  EXPECT_TRUE(wasm_rt_is_initialized());
  sluice_rt_thread_init();
  EXPECT_EQ(wasm_rt_get_unwind_target(), nullptr);
  EXPECT_FALSE(sluice_rt_in_guest());
}

TEST_F(RuntimeTrap, NormalReturnReportsNoTrap) {
  sluice_trap_info info{};
  info.kind = -1;
  int ran = 0;
  EXPECT_EQ(Guarded([&] { ran = sluice_rt_in_guest(); }, &info), 0);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(info.kind, 0);
  EXPECT_EQ(info.message, nullptr);
  EXPECT_EQ(sluice_rt_call_guarded([](void*) {}, nullptr, nullptr), 0);  // info is optional
}

TEST_F(RuntimeTrap, EveryWasmTrapKindComesBack) {
  for (int kind : {WASM_RT_TRAP_OOB, WASM_RT_TRAP_INT_OVERFLOW, WASM_RT_TRAP_DIV_BY_ZERO,
                   WASM_RT_TRAP_INVALID_CONVERSION, WASM_RT_TRAP_UNREACHABLE,
                   WASM_RT_TRAP_CALL_INDIRECT, WASM_RT_TRAP_EXHAUSTION}) {
    sluice_trap_info info{};
    EXPECT_EQ(Guarded([&] { wasm_rt_trap(static_cast<wasm_rt_trap_t>(kind)); }, &info), kind);
    EXPECT_EQ(info.kind, kind);
    EXPECT_STREQ(info.message, wasm_rt_strerror(static_cast<wasm_rt_trap_t>(kind)));
    EXPECT_EQ(info.fault_address, 0u);
  }
  // WASM_RT_TRAP_NONE can't be a longjmp value; it becomes a host trap, not "success".
  EXPECT_EQ(Guarded([] { wasm_rt_trap(WASM_RT_TRAP_NONE); }), SLUICE_TRAP_HOST);
  EXPECT_EQ(wasm_rt_get_unwind_target(), nullptr);
}

TEST_F(RuntimeTrap, RaiseCarriesExitStatusAndCopiesMessage) {
  sluice_trap_info info{};
  EXPECT_EQ(Guarded([] { sluice_rt_raise(SLUICE_TRAP_EXIT, 3, "exit"); }, &info),
            SLUICE_TRAP_EXIT);
  EXPECT_EQ(info.exit_status, 3);
  EXPECT_STREQ(info.message, "exit");

  EXPECT_EQ(Guarded([] {
              char temporary[32];
              std::snprintf(temporary, sizeof temporary, "bad pointer %d", 17);
              sluice_rt_raise(SLUICE_TRAP_HOST, 0, temporary);
            }, &info),
            SLUICE_TRAP_HOST);
  EXPECT_STREQ(info.message, "bad pointer 17");
  EXPECT_EQ(info.exit_status, 0);

  EXPECT_EQ(Guarded([] { sluice_rt_raise(SLUICE_TRAP_HOST, 0, nullptr); }, &info),
            SLUICE_TRAP_HOST);
  EXPECT_STREQ(info.message, sluice_rt_trap_message(SLUICE_TRAP_HOST));

  const std::string long_message(1000, 'x');
  EXPECT_EQ(Guarded([&] { sluice_rt_raise(SLUICE_TRAP_HOST, 0, long_message.c_str()); }, &info),
            SLUICE_TRAP_HOST);
  EXPECT_EQ(std::strlen(info.message), 255u);
}

TEST_F(RuntimeTrap, NestedGuardedCallsRestoreTheOuterTarget) {
  int inner_kind = -1, depth_in_inner = 0, depth_after_inner = 0;
  sluice_trap_info outer_info{};
  int outer = Guarded([&] {
    // host -> guest -> host -> guest (like cabi_realloc called from a host function)
    jmp_buf* outer_unwind = wasm_rt_get_unwind_target();
    inner_kind = Guarded([&] {
      depth_in_inner = sluice_rt_in_guest();
      wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
    });
    depth_after_inner = sluice_rt_in_guest();
    EXPECT_EQ(wasm_rt_get_unwind_target(), outer_unwind);
    // The outer guest's trap must land in the outer call, not in the dead inner frame.
    sluice_rt_raise(SLUICE_TRAP_EXIT, 9, "outer");
  }, &outer_info);
  EXPECT_EQ(inner_kind, WASM_RT_TRAP_UNREACHABLE);
  EXPECT_EQ(depth_in_inner, 1);
  EXPECT_EQ(depth_after_inner, 1);
  EXPECT_EQ(outer, SLUICE_TRAP_EXIT);
  EXPECT_EQ(outer_info.exit_status, 9);
  EXPECT_FALSE(sluice_rt_in_guest());
  EXPECT_EQ(wasm_rt_get_unwind_target(), nullptr);
}

TEST_F(RuntimeTrap, TrapWithoutGuardedCallAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE), "outside sluice_rt_call_guarded.*unreachable");
  EXPECT_DEATH(sluice_rt_raise(SLUICE_TRAP_HOST, 0, "nobody to catch me"), "nobody to catch me");
  EXPECT_DEATH(wasm_rt_throw(), "exception");
}

// ---- Host faults stay crashes ------------------------------------------------------------

// A host fault must kill the process (with SIGSEGV, or through ASan's report when it owns the
// signal), never come back as a trap: the child prints TRAPPED and exits 0 if it does.
bool DiedOfHostFault(int status) {
  if (WIFSIGNALED(status)) return WTERMSIG(status) == SIGSEGV;
  return WIFEXITED(status) && WEXITSTATUS(status) != 0;
}

// Not NULL itself: UBSan's null check would kill the process before the signal handler runs.
// Page 0 is never mapped, so this faults just like a NULL dereference.
int* const kNearNull = reinterpret_cast<int*>(16);

void WriteTo(int* p) {
  asm volatile("" : "+r"(p));  // hide the constant address from the compiler's diagnostics
  *static_cast<volatile int*>(p) = 1;
}

TEST_F(RuntimeTrap, HostNullDerefOutsideGuestCrashes) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        wasm_rt_init();
        WriteTo(kNearNull);
        std::fprintf(stderr, "SURVIVED\n");
        std::exit(0);
      },
      DiedOfHostFault, "");
}

TEST_F(RuntimeTrap, HostNullDerefInsideGuestCallCrashes) {
  // A host function called by the guest faulting outside any guest memory is a host bug.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        wasm_rt_init();
        int kind = Guarded([] { WriteTo(kNearNull); });
        std::fprintf(stderr, "TRAPPED %d\n", kind);
        std::exit(0);
      },
      DiedOfHostFault, "");
}

TEST_F(RuntimeTrap, HostFaultOnUnregisteredMappingCrashes) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        wasm_rt_init();
        void* page = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        int kind = Guarded([&] { WriteTo(static_cast<int*>(page)); });
        std::fprintf(stderr, "TRAPPED %d\n", kind);
        std::exit(0);
      },
      DiedOfHostFault, "");
}

// Not a fixture test: the handler must be installed before the runtime initialises, and the
// death test child re-runs the test from the start.
TEST(RuntimeTrapChain, FaultChainsToPreviousHandler) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        // Installed before the runtime: must still see host faults.
        struct sigaction sa {};
        sa.sa_handler = [](int) { _exit(42); };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, nullptr);
        wasm_rt_init();
        wasm_rt_memory_t mem;
        wasm_rt_allocate_memory(&mem, 1, 1);
        // ...while guest faults are still ours.
        if (Guarded([&] { TouchByte(mem.data + mem.size); }) != WASM_RT_TRAP_OOB) _exit(1);
        WriteTo(kNearNull);
        _exit(2);
      },
      ::testing::ExitedWithCode(42), "");
}

TEST_F(RuntimeTrap, SegvSentByKillIsNotATrap) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        wasm_rt_init();
        int kind = Guarded([] { kill(getpid(), SIGSEGV); });
        std::fprintf(stderr, "TRAPPED %d\n", kind);
        std::exit(0);
      },
      DiedOfHostFault, "");
}

// ---- Stack exhaustion ----------------------------------------------------------------------

volatile uint64_t g_never = UINT64_MAX;

// Recurses until the stack runs out. Not tail-recursive (uses the result) and keeps a local
// array live, so neither the compiler nor ASan can turn it into a loop.
__attribute__((noinline)) uint64_t Recurse(uint64_t depth) {
  volatile char frame[128];
  frame[depth % sizeof frame] = static_cast<char>(depth);
  if (depth == g_never) return 0;
  return Recurse(depth + 1) + frame[depth % sizeof frame];
}

int ExhaustStack() {
  volatile uint64_t sink = 0;
  return Guarded([&] { sink = Recurse(0); });
}

TEST_F(RuntimeTrap, StackExhaustionOnWorkerThreadTraps) {
  // On worker threads of two stack sizes, twice each: the second time proves the altstack and
  // the signal mask are usable again after a trap.
  for (size_t stack_size : {size_t{256} << 10, size_t{8} << 20}) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_size);
    struct Result {
      int first = -1, second = -1, after = -1;
    } result;
    pthread_t thread;
    ASSERT_EQ(pthread_create(
                  &thread, &attr,
                  [](void* p) -> void* {
                    auto* r = static_cast<Result*>(p);
                    r->first = ExhaustStack();
                    r->second = ExhaustStack();
                    r->after = Guarded([] { wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE); });
                    return nullptr;
                  },
                  &result),
              0);
    pthread_join(thread, nullptr);
    pthread_attr_destroy(&attr);
    EXPECT_EQ(result.first, WASM_RT_TRAP_EXHAUSTION) << "stack " << stack_size;
    EXPECT_EQ(result.second, WASM_RT_TRAP_EXHAUSTION) << "stack " << stack_size;
    EXPECT_EQ(result.after, WASM_RT_TRAP_UNREACHABLE);
  }
}

TEST_F(RuntimeTrap, StackExhaustionOnMainThreadTraps) {
  EXPECT_EQ(ExhaustStack(), WASM_RT_TRAP_EXHAUSTION);
}

TEST_F(RuntimeTrap, HostStackOverflowOutsideGuestCrashes) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        wasm_rt_init();
        volatile uint64_t sink = Recurse(0);
        std::fprintf(stderr, "SURVIVED %d\n", static_cast<int>(sink));
        std::exit(0);
      },
      DiedOfHostFault, "");
}

// ---- Many threads ----------------------------------------------------------------------------

uint64_t Collatz(uint64_t n) {
  uint64_t steps = 0;
  while (n != 1) {
    n = (n % 2) ? 3 * n + 1 : n / 2;
    ++steps;
  }
  return steps;
}

TEST_F(RuntimeTrap, ConcurrentTrapsStayOnTheirOwnThread) {
  constexpr int kTrappers = 4, kIterations = 300;
  std::atomic<bool> stop{false};
  std::atomic<int> bad_traps{0}, wrong_sums{0};

  // Reference value computed before any trapping starts.
  uint64_t expected = 0;
  for (uint64_t n = 1; n < 20000; ++n) expected += Collatz(n);

  std::vector<std::thread> computers;
  for (int c = 0; c < 2; ++c) {
    computers.emplace_back([&] {
      // Computes inside a guarded call too, so a stray longjmp from another thread would land
      // in a live frame here and be noticed.
      while (!stop.load()) {
        uint64_t sum = 0;
        int kind = Guarded([&] {
          for (uint64_t n = 1; n < 20000; ++n) sum += Collatz(n);
        });
        if (kind != 0 || sum != expected) wrong_sums.fetch_add(1);
      }
    });
  }

  std::vector<std::thread> trappers;
  for (int t = 0; t < kTrappers; ++t) {
    trappers.emplace_back([&, t] {
      wasm_rt_memory_t mem;
      wasm_rt_allocate_memory(&mem, 1, 1);
      mem.data[0] = static_cast<uint8_t>(t);
      for (int i = 0; i < kIterations; ++i) {
        const pthread_t self = pthread_self();
        pthread_t landed = 0;
        sluice_trap_info info{};
        int kind;
        if (i % 3 == 0) {
          kind = Guarded([&] { wasm_rt_trap(WASM_RT_TRAP_DIV_BY_ZERO); }, &info);
          if (kind != WASM_RT_TRAP_DIV_BY_ZERO) bad_traps.fetch_add(1);
        } else if (i % 3 == 1) {
          kind = Guarded([&] { TouchByte(mem.data + mem.size + i); }, &info);
          if (kind != WASM_RT_TRAP_OOB ||
              info.fault_address != reinterpret_cast<uintptr_t>(mem.data + mem.size + i)) {
            bad_traps.fetch_add(1);
          }
        } else {
          kind = Guarded([&] { sluice_rt_raise(SLUICE_TRAP_EXIT, t, nullptr); }, &info);
          if (kind != SLUICE_TRAP_EXIT || info.exit_status != t) bad_traps.fetch_add(1);
        }
        landed = pthread_self();
        if (!pthread_equal(self, landed) || mem.data[0] != t) bad_traps.fetch_add(1);
      }
      wasm_rt_free_memory(&mem);
    });
  }
  for (auto& thread : trappers) thread.join();
  stop.store(true);
  for (auto& thread : computers) thread.join();
  EXPECT_EQ(bad_traps.load(), 0);
  EXPECT_EQ(wrong_sums.load(), 0);
}

TEST_F(RuntimeTrap, ConcurrentStackExhaustion) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 3; ++i) {
        if (ExhaustStack() != WASM_RT_TRAP_EXHAUSTION) wrong.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(RuntimeTrap, ThreadResourcesAreReleasedAtExit) {
  // Thousands of short-lived threads each get an altstack; leaking them would show up as
  // mmap failure (or, under ASan, as a leak).
  for (int i = 0; i < 2000; ++i) {
    std::thread([] {
      EXPECT_EQ(Guarded([] { wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE); }),
                WASM_RT_TRAP_UNREACHABLE);
    }).join();
  }
  // wasm_rt_free releases this thread's state; the next guarded call re-creates it.
  wasm_rt_free();
  EXPECT_EQ(ExhaustStack(), WASM_RT_TRAP_EXHAUSTION);
}

// ---- Exceptions ----------------------------------------------------------------------------

TEST_F(RuntimeTrap, TagsAreDistinct) {
  uint32_t a = wasm_rt_register_tag(4), b = wasm_rt_register_tag(4);
  EXPECT_NE(a, b);
  EXPECT_NE(a, 0u);
}

TEST_F(RuntimeTrap, UncaughtExceptionEndsTheGuardedCall) {
  const uint32_t tag = wasm_rt_register_tag(sizeof(uint32_t));
  sluice_trap_info info{};
  EXPECT_EQ(Guarded([&] {
              uint32_t value = 5;
              wasm_rt_load_exception(tag, sizeof value, &value);
              wasm_rt_throw();
            }, &info),
            WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
  EXPECT_EQ(info.kind, WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
  EXPECT_EQ(wasm_rt_exception_tag(), tag);
  EXPECT_EQ(wasm_rt_exception_size(), sizeof(uint32_t));
}

// What wasm2c emits for try/catch, written out by hand.
TEST_F(RuntimeTrap, ExceptionIsCaughtByTryAndTrapsAreNot) {
  const uint32_t tag = wasm_rt_register_tag(8);
  uint64_t caught = 0;
  int kind = Guarded([&] {
    WASM_RT_UNWIND_TARGET* outer = wasm_rt_get_unwind_target();
    WASM_RT_UNWIND_TARGET target;
    if (!wasm_rt_try(target)) {
      wasm_rt_set_unwind_target(&target);
      uint64_t value = 0x1122334455667788ull;
      wasm_rt_load_exception(tag, sizeof value, &value);
      wasm_rt_throw();
    } else {
      wasm_rt_set_unwind_target(outer);
      if (wasm_rt_exception_tag() == tag) {
        std::memcpy(&caught, wasm_rt_exception(), sizeof caught);
      }
    }
  });
  EXPECT_EQ(kind, 0);
  EXPECT_EQ(caught, 0x1122334455667788ull);

  int reached_catch = 0;
  kind = Guarded([&] {
    WASM_RT_UNWIND_TARGET target;
    if (!wasm_rt_try(target)) {
      wasm_rt_set_unwind_target(&target);
      wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
    } else {
      reached_catch = 1;
    }
  });
  EXPECT_EQ(kind, WASM_RT_TRAP_UNREACHABLE);
  EXPECT_EQ(reached_catch, 0);
  EXPECT_EQ(wasm_rt_get_unwind_target(), nullptr);  // restored despite the dead try frame
}

TEST_F(RuntimeTrap, ExceptionsArePerThread) {
  const uint32_t tag_a = wasm_rt_register_tag(4);
  const uint32_t tag_b = wasm_rt_register_tag(4);
  uint32_t value = 1;
  wasm_rt_load_exception(tag_a, sizeof value, &value);
  std::thread([&] {
    uint32_t other = 2;
    wasm_rt_load_exception(tag_b, sizeof other, &other);
  }).join();
  EXPECT_EQ(wasm_rt_exception_tag(), tag_a);
  uint32_t read;
  std::memcpy(&read, wasm_rt_exception(), sizeof read);
  EXPECT_EQ(read, 1u);
  // Too big for an exception: traps rather than overflowing anything.
  std::vector<char> huge(1 << 20);
  EXPECT_EQ(Guarded([&] { wasm_rt_load_exception(tag_a, 1 << 20, huge.data()); }),
            WASM_RT_TRAP_EXHAUSTION);
}

TEST_F(RuntimeTrap, StrerrorCoversAllKinds) {
  EXPECT_STREQ(wasm_rt_strerror(WASM_RT_TRAP_OOB), "out of bounds memory or table access");
  EXPECT_STRNE(sluice_rt_trap_message(SLUICE_TRAP_INTERRUPTED), "unknown trap");
  EXPECT_STRNE(sluice_rt_trap_message(SLUICE_TRAP_EXIT), "unknown trap");
  EXPECT_STREQ(sluice_rt_trap_message(12345), "unknown trap");
}

}  // namespace
}  // namespace sluice::runtime_test
