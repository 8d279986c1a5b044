// RFC 3339 UTC timestamps with millisecond precision ("2026-11-29T03:01:45.123Z"), the form
// flow-log tools (and jq's fromdateiso8601 after trimming) expect.
#pragma once

#include <chrono>
#include <string>

namespace sluice::egress {

std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace sluice::egress
