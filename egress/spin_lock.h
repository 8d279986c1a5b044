// The ledger's lock. The guest thread takes it a few times per connection for a few dozen
// instructions; other threads (the socket reaper's kernel cross-checks, a report's snapshot)
// take it rarely. Uncontended, a spin lock is one exchange and one store where a mutex is two
// library calls, which is a third of what metering a connection costs. Contended, it spins
// briefly and then yields the CPU, so a holder that was preempted gets to run.
#pragma once

#include <sched.h>

#include <atomic>

namespace sluice::egress {

class SpinLock {
 public:
  void lock() noexcept {
    for (unsigned spins = 0; locked_.exchange(true, std::memory_order_acquire); ++spins) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins >= kSpinsBeforeYield) {
          sched_yield();
          spins = 0;
        } else {
          cpu_relax();
        }
      }
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  static constexpr unsigned kSpinsBeforeYield = 64;
  static void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  std::atomic<bool> locked_{false};
};

}  // namespace sluice::egress
