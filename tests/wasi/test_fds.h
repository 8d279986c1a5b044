// Pipes and temporary directories for the WASI tests.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

namespace sluice::wasi::testing {

// Writing to a pipe whose reader is gone must report EPIPE, not kill the test binary.
inline const bool kSigpipeIgnored = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

// A pipe whose ends the test can hand to a WasiCtx (take_*) or use itself.
class Pipe {
 public:
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) abort();
    read_ = fds[0];
    write_ = fds[1];
  }
  ~Pipe() {
    if (read_ >= 0) close(read_);
    if (write_ >= 0) close(write_);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int take_read() { return std::exchange(read_, -1); }
  int take_write() { return std::exchange(write_, -1); }
  int read_fd() const { return read_; }
  int write_fd() const { return write_; }

  void write_all(std::string_view text) {
    while (!text.empty()) {
      ssize_t n = ::write(write_, text.data(), text.size());
      if (n <= 0) abort();
      text.remove_prefix(static_cast<size_t>(n));
    }
  }
  void close_write() { close(std::exchange(write_, -1)); }
  void close_read() { close(std::exchange(read_, -1)); }

  // Everything readable right now.
  std::string read_available() {
    std::string out;
    pollfd p{read_, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
      char buffer[4096];
      ssize_t n = ::read(read_, buffer, sizeof buffer);
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int read_ = -1;
  int write_ = -1;
};

}  // namespace sluice::wasi::testing
