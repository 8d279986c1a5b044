#include "wasi/io/streams.h"

#include <algorithm>
#include <array>
#include <string>

#include "component/guest_error.h"

namespace sluice::wasi {

using component::Err;
using component::GuestTrap;
using component::Ok;

// ---- input ----------------------------------------------------------------------------------

template <typename T>
StreamResult<T> InputStream::remember_failure(StreamResult<T> result) {
  if (!result.is_ok()) closed_ = true;
  return result;
}

StreamResult<std::vector<uint8_t>> InputStream::read(uint64_t len) {
  if (closed_) return Err(StreamError::closed());
  if (len == 0) return Ok(std::vector<uint8_t>{});
  return remember_failure(read_available(static_cast<size_t>(std::min(len, kMaxReadChunk))));
}

StreamResult<std::vector<uint8_t>> InputStream::blocking_read(uint64_t len) {
  std::unique_ptr<Pollable> pollable;
  for (;;) {
    StreamResult<std::vector<uint8_t>> result = read(len);
    if (!result.is_ok() || !result.ok_value().empty() || len == 0) return result;
    if (!pollable) pollable = subscribe();
    pollable->block();
  }
}

StreamResult<uint64_t> InputStream::skip_available(size_t len) {
  StreamResult<std::vector<uint8_t>> bytes = read_available(len);
  if (!bytes.is_ok()) return Err(bytes.err_value());
  return Ok(uint64_t{bytes.ok_value().size()});
}

StreamResult<uint64_t> InputStream::skip(uint64_t len) {
  if (closed_) return Err(StreamError::closed());
  if (len == 0) return Ok(uint64_t{0});
  return remember_failure(skip_available(static_cast<size_t>(std::min(len, kMaxReadChunk))));
}

StreamResult<uint64_t> InputStream::blocking_skip(uint64_t len) {
  std::unique_ptr<Pollable> pollable;
  for (;;) {
    StreamResult<uint64_t> result = skip(len);
    if (!result.is_ok() || result.ok_value() != 0 || len == 0) return result;
    if (!pollable) pollable = subscribe();
    pollable->block();
  }
}

// ---- output ---------------------------------------------------------------------------------

template <typename T>
StreamResult<T> OutputStream::remember_failure(StreamResult<T> result) {
  if (!result.is_ok()) {
    closed_ = true;
    permit_ = 0;
  }
  return result;
}

void OutputStream::consume_permit(uint64_t len, const char* operation) {
  if (len > permit_) {
    throw GuestTrap(std::string("output-stream.") + operation + " of " + std::to_string(len) +
                    " bytes exceeds the " + std::to_string(permit_) +
                    " permitted by the last check-write");
  }
  permit_ -= len;
}

StreamResult<uint64_t> OutputStream::check_write() {
  if (closed_) return Err(StreamError::closed());
  StreamResult<uint64_t> result = remember_failure(writable_bytes());
  if (result.is_ok()) permit_ = result.ok_value();
  return result;
}

StreamResult<Unit> OutputStream::write(std::span<const uint8_t> bytes) {
  if (closed_) return Err(StreamError::closed());
  consume_permit(bytes.size(), "write");
  if (bytes.empty()) return Ok();
  return remember_failure(write_bytes(bytes));
}

StreamResult<Unit> OutputStream::write_zeroes(uint64_t len) {
  if (closed_) return Err(StreamError::closed());
  consume_permit(len, "write-zeroes");
  if (len == 0) return Ok();
  return remember_failure(write_zero_bytes(len));
}

StreamResult<Unit> OutputStream::write_zero_bytes(uint64_t len) {
  static constexpr std::array<uint8_t, 4096> kZeroes{};
  while (len > 0) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(len, kZeroes.size()));
    StreamResult<Unit> written = write_bytes({kZeroes.data(), chunk});
    if (!written.is_ok()) return written;
    len -= chunk;
  }
  return Ok();
}

StreamResult<Unit> OutputStream::flush() {
  if (closed_) return Err(StreamError::closed());
  return remember_failure(start_flush());
}

StreamResult<uint64_t> OutputStream::wait_writable() {
  std::unique_ptr<Pollable> pollable;
  for (;;) {
    StreamResult<uint64_t> permit = check_write();
    if (!permit.is_ok() || permit.ok_value() > 0) return permit;
    if (!pollable) pollable = subscribe();
    pollable->block();
  }
}

StreamResult<bool> OutputStream::flushed() {
  StreamResult<uint64_t> permit = writable_bytes();
  if (!permit.is_ok()) return Err(permit.err_value());
  return Ok(permit.ok_value() > 0);
}

StreamResult<Unit> OutputStream::blocking_flush() {
  StreamResult<Unit> started = flush();
  if (!started.is_ok()) return started;
  std::unique_ptr<Pollable> pollable;
  for (;;) {
    StreamResult<bool> done = remember_failure(flushed());
    if (!done.is_ok()) return Err(done.err_value());
    if (done.ok_value()) return Ok();
    if (!pollable) pollable = subscribe();
    pollable->block();
  }
}

StreamResult<Unit> OutputStream::blocking_write_and_flush(std::span<const uint8_t> bytes) {
  if (bytes.size() > kBlockingWriteLimit) {
    throw GuestTrap("output-stream.blocking-write-and-flush of " + std::to_string(bytes.size()) +
                    " bytes exceeds the limit of 4096");
  }
  while (!bytes.empty()) {
    StreamResult<uint64_t> permit = wait_writable();
    if (!permit.is_ok()) return Err(permit.err_value());
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(permit.ok_value(), bytes.size()));
    StreamResult<Unit> written = write(bytes.first(chunk));
    if (!written.is_ok()) return written;
    bytes = bytes.subspan(chunk);
  }
  return blocking_flush();
}

StreamResult<Unit> OutputStream::blocking_write_zeroes_and_flush(uint64_t len) {
  if (len > kBlockingWriteLimit) {
    throw GuestTrap("output-stream.blocking-write-zeroes-and-flush of " + std::to_string(len) +
                    " bytes exceeds the limit of 4096");
  }
  while (len > 0) {
    StreamResult<uint64_t> permit = wait_writable();
    if (!permit.is_ok()) return Err(permit.err_value());
    uint64_t chunk = std::min(permit.ok_value(), len);
    StreamResult<Unit> written = write_zeroes(chunk);
    if (!written.is_ok()) return written;
    len -= chunk;
  }
  return blocking_flush();
}

StreamResult<uint64_t> OutputStream::splice(InputStream& source, uint64_t len) {
  StreamResult<uint64_t> permit = check_write();
  if (!permit.is_ok()) return permit;
  uint64_t want = std::min(permit.ok_value(), len);
  if (want == 0) return Ok(uint64_t{0});
  StreamResult<std::vector<uint8_t>> bytes = source.read(want);
  if (!bytes.is_ok()) return Err(bytes.err_value());
  StreamResult<Unit> written = write(bytes.ok_value());
  if (!written.is_ok()) return Err(written.err_value());
  return Ok(uint64_t{bytes.ok_value().size()});
}

StreamResult<uint64_t> OutputStream::blocking_splice(InputStream& source, uint64_t len) {
  if (len == 0) {
    StreamResult<uint64_t> permit = check_write();  // still reports a closed stream
    if (!permit.is_ok()) return permit;
    return Ok(uint64_t{0});
  }
  StreamResult<uint64_t> permit = wait_writable();
  if (!permit.is_ok()) return permit;
  StreamResult<std::vector<uint8_t>> bytes = source.blocking_read(std::min(permit.ok_value(), len));
  if (!bytes.is_ok()) return Err(bytes.err_value());
  StreamResult<Unit> written = write(bytes.ok_value());
  if (!written.is_ok()) return Err(written.err_value());
  return Ok(uint64_t{bytes.ok_value().size()});
}

}  // namespace sluice::wasi
