#include "wasi/io/fd_streams.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sluice::wasi {
namespace {

using component::Err;
using component::Ok;

// One read never asks for more than a pipe holds by default.
constexpr size_t kReadChunk = 64 * 1024;

// poll(2) without waiting: true when any of `events` (or an error/hang-up) is pending.
bool fd_ready_now(int fd, short events) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, 0);
    if (n >= 0) return n > 0;
    if (errno != EINTR) return true;  // let the following read/write report the error
  }
}

}  // namespace

std::unique_ptr<Pollable> FdInputStream::subscribe() {
  return make_pollable([fd = fd_] { return Readiness::on_fd(fd->get(), POLLIN); });
}

StreamResult<std::vector<uint8_t>> FdInputStream::read_available(size_t len) {
  if (!fd_ready_now(fd_->get(), POLLIN)) return Ok(std::vector<uint8_t>{});
  std::vector<uint8_t> buffer(std::min(len, kReadChunk));
  for (;;) {
    ssize_t n = ::read(fd_->get(), buffer.data(), buffer.size());
    if (n > 0) {
      buffer.resize(static_cast<size_t>(n));
      return Ok(std::move(buffer));
    }
    if (n == 0) return Err(StreamError::closed());
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Ok(std::vector<uint8_t>{});
    return Err(StreamError::from_errno(errno, "read from " + name_));
  }
}

std::unique_ptr<Pollable> FdOutputStream::subscribe() {
  return make_pollable([fd = fd_] { return Readiness::on_fd(fd->get(), POLLOUT); });
}

StreamResult<uint64_t> FdOutputStream::writable_bytes() {
  return Ok(fd_ready_now(fd_->get(), POLLOUT) ? kWriteBudget : uint64_t{0});
}

StreamResult<Unit> FdOutputStream::write_bytes(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_->get(), bytes.data(), bytes.size());
    if (n >= 0) {
      bytes = bytes.subspan(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      // An fd someone else made non-blocking: wait for room, as a blocking fd would.
      pollfd p{fd_->get(), POLLOUT, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    if (errno == EPIPE) return Err(StreamError::closed());
    return Err(StreamError::from_errno(errno, "write to " + name_));
  }
  return Ok();
}

}  // namespace sluice::wasi
