// The host clocks behind wasi:clocks, and the datetime record that wall-clock and filesystem
// timestamps share.
#pragma once

#include <time.h>

#include <cstdint>
#include <tuple>

namespace sluice::wasi {

// wasi:clocks/wall-clock.datetime: seconds and nanoseconds since the Unix epoch.
struct Datetime {
  uint64_t seconds = 0;
  uint32_t nanoseconds = 0;
  static constexpr auto wit_fields = std::tuple{&Datetime::seconds, &Datetime::nanoseconds};
};

Datetime datetime_from(const timespec& ts);

Datetime wall_clock_now();
Datetime wall_clock_resolution();

// Resolution of CLOCK_MONOTONIC in nanoseconds (the clock behind monotonic_now_ns()).
uint64_t monotonic_resolution_ns();

}  // namespace sluice::wasi
