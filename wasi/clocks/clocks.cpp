#include "wasi/clocks/clocks.h"

namespace sluice::wasi {

Datetime datetime_from(const timespec& ts) {
  // Times before 1970 do not fit datetime's unsigned seconds: clamp them to the epoch.
  if (ts.tv_sec < 0) return Datetime{};
  return Datetime{static_cast<uint64_t>(ts.tv_sec), static_cast<uint32_t>(ts.tv_nsec)};
}

Datetime wall_clock_now() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return datetime_from(ts);
}

Datetime wall_clock_resolution() {
  timespec ts;
  clock_getres(CLOCK_REALTIME, &ts);
  return datetime_from(ts);
}

uint64_t monotonic_resolution_ns() {
  timespec ts;
  clock_getres(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

}  // namespace sluice::wasi
