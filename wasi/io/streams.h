// wasi:io/streams' input-stream and output-stream as abstract domain objects.
//
// Concrete streams (fd pipes and stdio, files, later TCP sockets) implement a few protected
// primitives; the public operations — one per WIT method — are written once here on top of
// them, so every implementation gets the WIT rules for free:
//   - the check-write permit: write/write-zeroes of more than the last check-write allowed trap;
//   - blocking-write-and-flush / blocking-write-zeroes-and-flush of more than 4096 bytes trap;
//   - once an operation failed or found the stream closed, every later one reports `closed`;
//   - the blocking variants wait on the stream's own pollable (interruptible, see pollable.h).
//
// Every byte an output stream emits goes through write_bytes() or write_zero_bytes(), whichever
// WIT method the guest called (write, blocking-write-and-flush, write-zeroes, splice...): that is
// where a metered stream (a TCP socket) counts egress, and no write path can bypass it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "component/resource_table.h"
#include "wasi/io/pollable.h"
#include "wasi/io/stream_error.h"

namespace sluice::wasi {

using component::Unit;

// The most one read() hands back, whatever length the guest asked for: a guest asking for
// 2^40 bytes must not make the host allocate them.
inline constexpr uint64_t kMaxReadChunk = 1 << 20;

class InputStream : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "input-stream";

  // Up to `len` bytes available now; empty when none are (or len is 0). `closed` at the end.
  StreamResult<std::vector<uint8_t>> read(uint64_t len);
  // As read, but waits until at least one byte is available or the stream ends.
  StreamResult<std::vector<uint8_t>> blocking_read(uint64_t len);
  // As read/blocking_read, returning how many bytes were skipped instead of the bytes.
  StreamResult<uint64_t> skip(uint64_t len);
  StreamResult<uint64_t> blocking_skip(uint64_t len);

  // Ready when a read would return data, end of stream or an error.
  virtual std::unique_ptr<Pollable> subscribe() = 0;

 protected:
  // Reads at most `len` (1..kMaxReadChunk) bytes without blocking; empty when none are available.
  virtual StreamResult<std::vector<uint8_t>> read_available(size_t len) = 0;
  // Skips at most `len` bytes without blocking. Default: read_available and count.
  virtual StreamResult<uint64_t> skip_available(size_t len);

 private:
  template <typename T>
  StreamResult<T> remember_failure(StreamResult<T> result);

  bool closed_ = false;
};

class OutputStream : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "output-stream";

  // Largest contents blocking-write-and-flush and blocking-write-zeroes-and-flush accept.
  static constexpr uint64_t kBlockingWriteLimit = 4096;

  // How many bytes the next write may carry (0: none now; subscribe to wait).
  StreamResult<uint64_t> check_write();
  // Writes without blocking; traps when `bytes` exceeds what check_write permitted.
  StreamResult<Unit> write(std::span<const uint8_t> bytes);
  StreamResult<Unit> write_zeroes(uint64_t len);
  // Writes (at most kBlockingWriteLimit bytes, else traps), flushes and waits for both.
  StreamResult<Unit> blocking_write_and_flush(std::span<const uint8_t> bytes);
  StreamResult<Unit> blocking_write_zeroes_and_flush(uint64_t len);
  // Starts flushing buffered output; check_write returns 0 until it completes.
  StreamResult<Unit> flush();
  StreamResult<Unit> blocking_flush();
  // Moves up to `len` bytes from `source` to this stream: as much as both allow right now, or,
  // blocking, waiting for this stream to accept and the source to provide at least one byte.
  StreamResult<uint64_t> splice(InputStream& source, uint64_t len);
  StreamResult<uint64_t> blocking_splice(InputStream& source, uint64_t len);

  // Ready when check_write would return a nonzero permit or an error.
  virtual std::unique_ptr<Pollable> subscribe() = 0;

 protected:
  // How many bytes write_bytes would accept now without blocking (0: none).
  virtual StreamResult<uint64_t> writable_bytes() = 0;
  // Emits all of `bytes`; never called with more than the last writable_bytes() allowed.
  virtual StreamResult<Unit> write_bytes(std::span<const uint8_t> bytes) = 0;
  // Emits `len` zero bytes, with the same guarantee. Default: write_bytes from a zero buffer.
  virtual StreamResult<Unit> write_zero_bytes(uint64_t len);
  // Starts a flush of buffered data. Default: nothing is buffered.
  virtual StreamResult<Unit> start_flush() { return component::Ok(); }
  // Whether everything written so far has been handed on (what blocking-flush waits for).
  // Default: the stream accepts writes again. A stream that may refuse further writes for
  // good (an egress byte quota used up exactly) says so here instead, so a flush of the last
  // permitted bytes succeeds and only the next write fails.
  virtual StreamResult<bool> flushed();

 private:
  template <typename T>
  StreamResult<T> remember_failure(StreamResult<T> result);
  // check_write until it permits at least one byte (or fails), blocking on subscribe().
  StreamResult<uint64_t> wait_writable();
  void consume_permit(uint64_t len, const char* operation);

  uint64_t permit_ = 0;
  bool closed_ = false;
};

}  // namespace sluice::wasi
