#include "egress/policy_file_values.h"

#include <array>
#include <cstdio>
#include <utility>

namespace sluice::egress {
namespace {

struct Unit {
  std::string_view name;
  uint64_t bytes;
};

constexpr uint64_t kKilo = 1000;
constexpr uint64_t kKibi = 1024;
constexpr std::array<Unit, 9> kUnits = {{
    {"B", 1},
    {"KB", kKilo},
    {"KiB", kKibi},
    {"MB", kKilo * kKilo},
    {"MiB", kKibi * kKibi},
    {"GB", kKilo * kKilo * kKilo},
    {"GiB", kKibi * kKibi * kKibi},
    {"TB", kKilo * kKilo * kKilo * kKilo},
    {"TiB", kKibi * kKibi * kKibi * kKibi},
}};

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

ByteCount failure(std::string_view text, std::string_view why) {
  return {0, "cannot read \"" + std::string(text) + "\" as a byte count (" + std::string(why) +
                 "); write a number of bytes, or a string like \"10 MiB\" with a unit of B, KB, "
                 "KiB, MB, MiB, GB, GiB, TB or TiB"};
}

}  // namespace

ByteCount parse_byte_count(std::string_view text) {
  std::string_view rest = trim(text);
  uint64_t number = 0;
  size_t digits = 0;
  for (; digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9'; ++digits) {
    if (__builtin_mul_overflow(number, uint64_t{10}, &number) ||
        __builtin_add_overflow(number, static_cast<uint64_t>(rest[digits] - '0'), &number))
      return {0, "\"" + std::string(text) + "\" is more than 2^64-1 bytes"};
  }
  if (digits == 0) return failure(text, "it does not start with a whole number");
  if (digits < rest.size() && rest[digits] == '.') return failure(text, "whole numbers only");
  const std::string_view unit_name = trim(rest.substr(digits));
  if (unit_name.empty()) return failure(text, "no unit");
  for (const Unit& unit : kUnits) {
    if (unit.name != unit_name) continue;
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(number, unit.bytes, &bytes))
      return {0, "\"" + std::string(text) + "\" is more than 2^64-1 bytes"};
    return {bytes, {}};
  }
  return failure(text, "unknown unit \"" + std::string(unit_name) + "\"");
}

std::string format_number(double number) {
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%g", number);
  return buffer.data();
}

}  // namespace sluice::egress
