#include "wasi/filesystem/file_streams.h"

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace sluice::wasi {
namespace {

using component::Err;
using component::Ok;

constexpr uint64_t kMaxOffset = INT64_MAX;  // off_t

}  // namespace

std::unique_ptr<Pollable> FileInputStream::subscribe() {
  return make_pollable([] { return Readiness::immediately(); });
}

StreamResult<std::vector<uint8_t>> FileInputStream::read_available(size_t len) {
  if (offset_ > kMaxOffset) return Err(StreamError::closed());
  std::vector<uint8_t> buffer(len);
  for (;;) {
    ssize_t n = ::pread(file_->get(), buffer.data(), buffer.size(), static_cast<off_t>(offset_));
    if (n > 0) {
      offset_ += static_cast<uint64_t>(n);
      buffer.resize(static_cast<size_t>(n));
      return Ok(std::move(buffer));
    }
    if (n == 0) return Err(StreamError::closed());
    if (errno == EINTR) continue;
    return Err(StreamError::from_errno(errno, "read from file"));
  }
}

std::unique_ptr<FileOutputStream> FileOutputStream::at(std::shared_ptr<HostFd> file,
                                                       uint64_t offset) {
  return std::unique_ptr<FileOutputStream>(new FileOutputStream(std::move(file), offset, false));
}

std::unique_ptr<FileOutputStream> FileOutputStream::appending(std::shared_ptr<HostFd> file) {
  return std::unique_ptr<FileOutputStream>(new FileOutputStream(std::move(file), 0, true));
}

std::unique_ptr<Pollable> FileOutputStream::subscribe() {
  return make_pollable([] { return Readiness::immediately(); });
}

StreamResult<uint64_t> FileOutputStream::writable_bytes() { return Ok(kWriteBudget); }

StreamResult<Unit> FileOutputStream::write_bytes(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    if (!append_ && offset_ + bytes.size() > kMaxOffset) {
      return Err(StreamError::from_errno(EFBIG, "write to file"));
    }
    iovec iov{const_cast<uint8_t*>(bytes.data()), bytes.size()};
    // RWF_APPEND appends atomically whatever the fd's own O_APPEND flag is.
    ssize_t n =
        append_ ? ::pwritev2(file_->get(), &iov, 1, -1, RWF_APPEND)
                : ::pwrite(file_->get(), bytes.data(), bytes.size(), static_cast<off_t>(offset_));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Err(StreamError::from_errno(errno, "write to file"));
    }
    if (!append_) offset_ += static_cast<uint64_t>(n);
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return Ok();
}

}  // namespace sluice::wasi
