// Deadlines: one shared watchdog thread sets a thread's interrupt flag when its deadline
// passes.
//
// Why one thread and not timer_create: a POSIX timer per guest call costs two syscalls plus a
// signal or a thread per expiry; here starting and cancelling a deadline is a lock and an
// O(log n) set operation, and the watchdog sleeps until the earliest deadline. Pending
// deadlines are kept in a std::set ordered by (time, sequence) rather than a heap because
// cancel must remove arbitrary entries.
//
// All deadline state is guarded by one mutex, which is what makes cancel race-free: the
// watchdog fires a deadline only while holding it, and cancel removes the deadline under it, so
// after cancel returns nothing refers to the deadline any more.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <set>

#include "rt_internal.h"
#include "sluice_rt.h"

using Clock = std::chrono::steady_clock;

struct sluice_rt_deadline {
  Clock::time_point when;
  uint64_t sequence;         // tie-breaker: equal times stay distinct in the set
  volatile uint32_t* flag;   // the arming thread's interrupt flag
  volatile uint32_t* fired_count;  // the arming thread's count of expired, uncancelled deadlines
  bool pending;              // in the watchdog's set
  bool fired;
};

namespace {

struct Earlier {
  bool operator()(const sluice_rt_deadline* a, const sluice_rt_deadline* b) const {
    if (a->when != b->when) return a->when < b->when;
    return a->sequence < b->sequence;
  }
};

// Both run with the watchdog mutex held, so the count and the flag change together with
// respect to other deadlines; the count goes first (see sluice_rt_call_guarded).
void fire(sluice_rt_deadline* deadline) {
  deadline->fired = true;
  __atomic_add_fetch(deadline->fired_count, 1, __ATOMIC_SEQ_CST);
  __atomic_store_n(deadline->flag, 1, __ATOMIC_SEQ_CST);
}

void unfire(sluice_rt_deadline* deadline) {
  if (__atomic_sub_fetch(deadline->fired_count, 1, __ATOMIC_SEQ_CST) == 0) {
    __atomic_store_n(deadline->flag, 0, __ATOMIC_SEQ_CST);
  }
}

struct Watchdog {
  std::mutex mutex;
  std::condition_variable wake;
  std::set<sluice_rt_deadline*, Earlier> pending;
  uint64_t next_sequence = 0;
  bool running = false;  // a watchdog thread exists in this process

  [[noreturn]] void run() {
    std::unique_lock lock(mutex);
    for (;;) {
      if (pending.empty()) {
        wake.wait(lock);
        continue;
      }
      sluice_rt_deadline* first = *pending.begin();
      if (Clock::now() < first->when) {
        // Copy the time: cancel may free `first` while we wait, and wait_until reads its
        // argument again after waking. Early wake-ups just loop: the set is re-read each time.
        const Clock::time_point when = first->when;
        wake.wait_until(lock, when);
        continue;
      }
      pending.erase(pending.begin());
      first->pending = false;
      fire(first);
    }
  }

  // Called with the mutex held.
  void ensure_running() {
    if (running) return;
    // Block every signal in the watchdog (it inherits the mask): process-directed signals
    // such as SIGINT must go to threads that expect them.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t thread;
    const int err = pthread_create(&thread, nullptr, &Watchdog::entry, this);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (err != 0) sluice_rt_fatal("cannot start the deadline watchdog thread");
    pthread_detach(thread);
    running = true;
  }

  static void* entry(void* self) { static_cast<Watchdog*>(self)->run(); }
};

Watchdog* watchdog_instance;

// fork() copies only the forking thread: the child has no watchdog. Hold the mutex across fork
// so the child's copy is consistent, and let the child start a new watchdog on demand.
void before_fork() { watchdog_instance->mutex.lock(); }
void after_fork_parent() { watchdog_instance->mutex.unlock(); }
void after_fork_child() {
  watchdog_instance->running = false;
  watchdog_instance->mutex.unlock();
}

Watchdog& watchdog() {
  // Leaked on purpose: the detached watchdog thread may still be waiting on it at exit.
  static Watchdog* instance = [] {
    watchdog_instance = new Watchdog;
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    return watchdog_instance;
  }();
  return *instance;
}

}  // namespace

extern "C" sluice_rt_deadline* sluice_rt_deadline_start(double seconds) {
  auto* deadline = new (std::nothrow) sluice_rt_deadline{};
  if (deadline == nullptr) return nullptr;
  deadline->flag = sluice_rt_interrupt_flag_address();
  deadline->fired_count = sluice_rt_fired_deadlines_address();
  Watchdog& dog = watchdog();
  std::lock_guard lock(dog.mutex);
  if (!(seconds > 0)) {  // also NaN: there is no sensible future to wait for
    fire(deadline);
    return deadline;
  }
  // Clamp so the time_point arithmetic cannot overflow (about 30 years).
  if (seconds > 1e9) seconds = 1e9;
  deadline->when = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(seconds));
  deadline->sequence = dog.next_sequence++;
  try {
    dog.ensure_running();
    auto it = dog.pending.insert(deadline).first;
    deadline->pending = true;
    // The watchdog sleeps until the earliest deadline: only a new earliest needs to wake it.
    if (it == dog.pending.begin()) dog.wake.notify_one();
  } catch (...) {
    delete deadline;
    return nullptr;
  }
  return deadline;
}

extern "C" int sluice_rt_deadline_cancel(sluice_rt_deadline* deadline) {
  if (deadline == nullptr) return 0;
  bool fired;
  {
    Watchdog& dog = watchdog();
    std::lock_guard lock(dog.mutex);
    if (deadline->pending) dog.pending.erase(deadline);
    fired = deadline->fired;
    // A deadline that fired after its guarded call returned must not interrupt the next one.
    if (fired) unfire(deadline);
  }
  delete deadline;
  return fired ? 1 : 0;
}
