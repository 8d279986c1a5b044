#include "wasi/io/stream_error.h"

#include <cstring>

namespace sluice::wasi {

StreamError StreamError::from_errno(int error_number, const std::string& context) {
  return failed(error_number, context + ": " + std::strerror(error_number));
}

}  // namespace sluice::wasi
