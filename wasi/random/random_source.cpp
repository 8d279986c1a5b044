#include "wasi/random/random_source.h"

#include <sys/random.h>

#include <cerrno>
#include <system_error>

namespace sluice::wasi {

void fill_random(void* out, size_t len) {
  auto* bytes = static_cast<uint8_t*>(out);
  while (len > 0) {
    // getrandom returns at most 32 MiB per call and may be interrupted: loop.
    ssize_t n = getrandom(bytes, len, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    bytes += n;
    len -= static_cast<size_t>(n);
  }
}

uint64_t random_u64() {
  uint64_t value;
  fill_random(&value, sizeof value);
  return value;
}

}  // namespace sluice::wasi
