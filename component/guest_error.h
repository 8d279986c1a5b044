// Errors a host function raises about its guest. They are C++ exceptions inside the host, and
// become a trap (or an exit) of the guest at the boundary where the host function returns to
// generated code: nothing longjmps over a live C++ frame.
#pragma once

#include <stdexcept>
#include <string>

namespace sluice::component {

// The guest broke the rules of the canonical ABI (a pointer out of bounds, a bad handle, an
// invalid string) or the host decided it must die. The guest is unwound and thrown away.
class GuestTrap : public std::runtime_error {
 public:
  explicit GuestTrap(const std::string& message, int kind = kHostTrapKind)
      : std::runtime_error(message), kind_(kind) {}
  int kind() const { return kind_; }

  // Matches SLUICE_TRAP_HOST in engine/runtime/sluice_rt.h; kept here so the component layer
  // does not need the runtime header.
  static constexpr int kHostTrapKind = 101;

 private:
  int kind_;
};

// wasi:cli/exit asked to end the guest with this status. Unwinds like a trap, reports as an exit.
class GuestExit : public std::exception {
 public:
  explicit GuestExit(int status) : status_(status) {}
  int status() const { return status_; }
  const char* what() const noexcept override { return "guest called exit"; }

 private:
  int status_;
};

}  // namespace sluice::component
