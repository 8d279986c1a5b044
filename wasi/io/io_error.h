// wasi:io/error's error resource: what a guest holds after a stream operation failed. It keeps
// the errno so that wasi:filesystem's filesystem-error-code (and later wasi:sockets') can turn
// it into their own error codes.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "component/resource_table.h"

namespace sluice::wasi {

class IoError : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "error";

  IoError(int error_number, std::string message)
      : error_number_(error_number), message_(std::move(message)) {}

  int error_number() const { return error_number_; }  // 0: not an OS error
  const std::string& message() const { return message_; }

 private:
  int error_number_;
  std::string message_;
};

}  // namespace sluice::wasi
