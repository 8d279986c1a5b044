// wasi:io/poll's pollable, as a domain object: something a guest can wait for.
//
// Every pollable describes, when asked, what would make it ready — an fd event, a deadline on
// the monotonic clock, or nothing because it is ready already (Readiness). That lets one
// poll(2) wait for any mix of timers, pipes, files and (later) sockets at once, with the
// earliest deadline as its timeout, instead of each kind of pollable blocking on its own.
//
// A pollable must stay valid after the object it was made from is dropped (the guest may drop a
// stream before its pollable): hold shared ownership (std::shared_ptr) of whatever it watches.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "component/resource_table.h"

namespace sluice::wasi {

// What a pollable is waiting for right now. Ready when any of the conditions holds.
struct Readiness {
  bool now = false;                  // ready already
  int fd = -1;                       // with `events`: ready when poll(2) reports any revents
  short events = 0;                  // POLLIN, POLLOUT...; POLLERR/POLLHUP always count
  std::optional<uint64_t> deadline;  // ready once CLOCK_MONOTONIC (ns) reaches it

  static Readiness immediately() {
    Readiness r;
    r.now = true;
    return r;
  }
  static Readiness on_fd(int fd, short events) {
    Readiness r;
    r.fd = fd;
    r.events = events;
    return r;
  }
  static Readiness at(uint64_t monotonic_ns) {
    Readiness r;
    r.deadline = monotonic_ns;
    return r;
  }
};

class Pollable : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "pollable";

  // Asked again before every wait: the answer may change as the source's state changes.
  virtual Readiness readiness() = 0;

  // pollable.ready: checks without waiting.
  bool ready();
  // pollable.block: waits until ready.
  void block();
};

// A pollable whose readiness is computed by a function: the usual way for a stream or socket to
// implement subscribe(), capturing a shared_ptr to its state.
std::unique_ptr<Pollable> make_pollable(std::function<Readiness()> readiness);

// Indices of the pollables that are ready. With `block`, waits until at least one is (an empty
// set would wait forever: callers reject it). A wait notices the sandbox's interrupt flag (set
// when its deadline expires) at least every kInterruptCheckMs and then throws a GuestTrap of kind
// SLUICE_TRAP_INTERRUPTED, so a guest blocked in poll or sleep can still be stopped.
std::vector<uint32_t> poll_ready(std::span<Pollable* const> pollables, bool block);

inline constexpr int kInterruptCheckMs = 100;

// CLOCK_MONOTONIC in nanoseconds: the clock of Readiness::deadline.
uint64_t monotonic_now_ns();

}  // namespace sluice::wasi
