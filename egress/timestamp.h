// Time for egress records: the guest thread stamps events with one monotonic clock read
// (steady_now_ns); exporters turn stamps into RFC 3339 UTC wall-clock times
// ("2026-11-29T03:01:45.123Z", the form flow-log tools and jq's fromdateiso8601 expect).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sluice::egress {

std::string rfc3339(std::chrono::system_clock::time_point t);

// Nanoseconds of the monotonic clock: cheap (vDSO), never jumps.
int64_t steady_now_ns();

// The wall-clock time of a steady_now_ns() stamp. The offset between the two clocks is taken
// once per process, so a wall-clock step during a run does not reorder or stretch its records.
std::chrono::system_clock::time_point wall_time_of(int64_t steady_ns);

}  // namespace sluice::egress
