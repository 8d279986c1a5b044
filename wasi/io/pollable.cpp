#include "wasi/io/pollable.h"

#include <poll.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "component/guest_error.h"
#include "engine/runtime/sluice_rt.h"

namespace sluice::wasi {
namespace {

class FunctionPollable final : public Pollable {
 public:
  explicit FunctionPollable(std::function<Readiness()> readiness)
      : readiness_(std::move(readiness)) {}
  Readiness readiness() override { return readiness_(); }

 private:
  std::function<Readiness()> readiness_;
};

constexpr uint64_t kNanosPerMilli = 1'000'000;

}  // namespace

uint64_t monotonic_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

std::unique_ptr<Pollable> make_pollable(std::function<Readiness()> readiness) {
  return std::make_unique<FunctionPollable>(std::move(readiness));
}

std::vector<uint32_t> poll_ready(std::span<Pollable* const> pollables, bool block) {
  std::vector<Readiness> wanted(pollables.size());
  std::vector<pollfd> fds;
  std::vector<uint32_t> ready;
  for (;;) {
    bool any_now = false;
    std::optional<uint64_t> earliest;
    fds.clear();
    for (size_t i = 0; i < pollables.size(); ++i) {
      wanted[i] = pollables[i]->readiness();
      any_now |= wanted[i].now;
      if (wanted[i].fd >= 0) fds.push_back({wanted[i].fd, wanted[i].events, 0});
      if (wanted[i].deadline)
        earliest = std::min(earliest.value_or(UINT64_MAX), *wanted[i].deadline);
    }

    // Wait in slices so the interrupt flag is noticed; never longer than the earliest deadline.
    uint64_t wait_ns = (any_now || !block) ? 0 : kInterruptCheckMs * kNanosPerMilli;
    if (earliest && wait_ns > 0) {
      uint64_t now = monotonic_now_ns();
      wait_ns = *earliest <= now ? 0 : std::min(wait_ns, *earliest - now);
    }
    timespec timeout{static_cast<time_t>(wait_ns / 1'000'000'000u),
                     static_cast<long>(wait_ns % 1'000'000'000u)};
    // With nothing to watch and nothing to wait for (only ready-now pollables), skip the syscall.
    bool must_poll = !fds.empty() || wait_ns > 0;
    if (must_poll && ppoll(fds.data(), fds.size(), &timeout, nullptr) < 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "ppoll");
    }

    uint64_t now = monotonic_now_ns();
    ready.clear();
    size_t fd_index = 0;
    for (size_t i = 0; i < pollables.size(); ++i) {
      bool fd_ready = false;
      if (wanted[i].fd >= 0) fd_ready = fds[fd_index++].revents != 0;
      if (wanted[i].now || fd_ready || (wanted[i].deadline && *wanted[i].deadline <= now)) {
        ready.push_back(static_cast<uint32_t>(i));
      }
    }
    if (!ready.empty() || !block) return ready;
    if (sluice_rt_interrupt_flag != 0) {
      throw component::GuestTrap("interrupted while blocked in a wasi:io wait",
                                 SLUICE_TRAP_INTERRUPTED);
    }
  }
}

bool Pollable::ready() {
  Pollable* self = this;
  return !poll_ready({&self, 1}, false).empty();
}

void Pollable::block() {
  Pollable* self = this;
  poll_ready({&self, 1}, true);
}

}  // namespace sluice::wasi
