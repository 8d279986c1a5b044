// Streams over an fd that may block: pipes, ttys, the host's stdin/stdout/stderr.
//
// Readiness comes from poll(2) and the fd's blocking mode is left alone: stdio fds share their
// open file description with the parent shell, and switching them to O_NONBLOCK would leak into
// it (the classic "terminal left non-blocking" bug). A read happens only after poll reported
// data, so it does not block; a write of the permitted amount may block briefly on a slow
// reader, as with any CLI writing to a pipe.
//
// Writing to a pipe whose reader is gone raises SIGPIPE: the embedder must ignore SIGPIPE
// (signal(SIGPIPE, SIG_IGN)) so that the write reports EPIPE, which becomes `closed`.
#pragma once

#include <memory>
#include <string>

#include "wasi/io/host_fd.h"
#include "wasi/io/streams.h"

namespace sluice::wasi {

class FdInputStream final : public InputStream {
 public:
  // `name` appears in error messages ("read from stdin: ...").
  FdInputStream(std::shared_ptr<HostFd> fd, std::string name)
      : fd_(std::move(fd)), name_(std::move(name)) {}

  std::unique_ptr<Pollable> subscribe() override;

 protected:
  StreamResult<std::vector<uint8_t>> read_available(size_t len) override;

 private:
  std::shared_ptr<HostFd> fd_;
  std::string name_;
};

class FdOutputStream final : public OutputStream {
 public:
  // Permit handed out by check-write while the fd is writable.
  static constexpr uint64_t kWriteBudget = 64 * 1024;

  FdOutputStream(std::shared_ptr<HostFd> fd, std::string name)
      : fd_(std::move(fd)), name_(std::move(name)) {}

  std::unique_ptr<Pollable> subscribe() override;

 protected:
  StreamResult<uint64_t> writable_bytes() override;
  StreamResult<Unit> write_bytes(std::span<const uint8_t> bytes) override;

 private:
  std::shared_ptr<HostFd> fd_;
  std::string name_;
};

}  // namespace sluice::wasi
