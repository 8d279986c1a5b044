// Streams over a regular file at an offset: what descriptor.read-via-stream, write-via-stream
// and append-via-stream return. Files are always ready (a disk read may take a while but never
// waits for a peer), so their pollables are ready at once.
#pragma once

#include <cstdint>
#include <memory>

#include "wasi/io/host_fd.h"
#include "wasi/io/streams.h"

namespace sluice::wasi {

class FileInputStream final : public InputStream {
 public:
  FileInputStream(std::shared_ptr<HostFd> file, uint64_t offset)
      : file_(std::move(file)), offset_(offset) {}

  std::unique_ptr<Pollable> subscribe() override;

 protected:
  StreamResult<std::vector<uint8_t>> read_available(size_t len) override;

 private:
  std::shared_ptr<HostFd> file_;
  uint64_t offset_;
};

class FileOutputStream final : public OutputStream {
 public:
  // Permit handed out by check-write: files take any amount, this only bounds one write.
  static constexpr uint64_t kWriteBudget = 1 << 20;

  // Writes at `offset` onwards.
  static std::unique_ptr<FileOutputStream> at(std::shared_ptr<HostFd> file, uint64_t offset);
  // Writes at the end of the file, wherever that is at each write.
  static std::unique_ptr<FileOutputStream> appending(std::shared_ptr<HostFd> file);

  std::unique_ptr<Pollable> subscribe() override;

 protected:
  StreamResult<uint64_t> writable_bytes() override;
  StreamResult<Unit> write_bytes(std::span<const uint8_t> bytes) override;

 private:
  FileOutputStream(std::shared_ptr<HostFd> file, uint64_t offset, bool append)
      : file_(std::move(file)), offset_(offset), append_(append) {}

  std::shared_ptr<HostFd> file_;
  uint64_t offset_;
  bool append_;
};

}  // namespace sluice::wasi
