// Values of a policy file that are more than a TOML scalar: byte counts with units ("10 MiB"),
// and numbers as error messages show them. Separate from the TOML walk so they test alone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::egress {

// RFC 1035's own limits, the highest the DNS guards may be set to.
inline constexpr int64_t kDnsMaxNameLength = 253;
inline constexpr int64_t kDnsMaxLabelLength = 63;

struct ByteCount {
  uint64_t bytes = 0;
  std::string error;  // empty when `bytes` is valid
};

// "NUMBER UNIT": a decimal integer, optional spaces, and one of B, KB, KiB, MB, MiB, GB, GiB,
// TB, TiB (case as written: "Mb" would read as megabits to some, so it is refused). Leading and
// trailing spaces are ignored. A count that does not fit 64 bits is an error, not a wrap.
ByteCount parse_byte_count(std::string_view text);

// A number for a message: "20", "0.5", "inf", "nan".
std::string format_number(double number);

}  // namespace sluice::egress
