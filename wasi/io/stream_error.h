// How a stream operation fails, in domain terms (wasi:io/streams' stream-error before it becomes
// a guest resource): the stream is closed, or the last operation failed with an OS error.
// Breaking the rules of the interface (writing more than check-write permitted) is not a
// stream error: it traps (component::GuestTrap).
#pragma once

#include <string>
#include <utility>

#include "component/abi_values.h"

namespace sluice::wasi {

class StreamError {
 public:
  static StreamError closed() { return StreamError(true, 0, "stream closed"); }
  // `error_number` is an errno value (0 when the failure has none); `what` a short description
  // for error.to-debug-string, e.g. "write to stdout: Broken pipe".
  static StreamError failed(int error_number, std::string what) {
    return StreamError(false, error_number, std::move(what));
  }
  // failed(errno) with "<context>: <strerror>" as its message.
  static StreamError from_errno(int error_number, const std::string& context);

  bool is_closed() const { return closed_; }
  int error_number() const { return error_number_; }
  const std::string& message() const { return message_; }

 private:
  StreamError(bool closed, int error_number, std::string message)
      : closed_(closed), error_number_(error_number), message_(std::move(message)) {}

  bool closed_;
  int error_number_;
  std::string message_;
};

template <typename T>
using StreamResult = component::Result<T, StreamError>;

}  // namespace sluice::wasi
