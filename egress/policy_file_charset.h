// A policy file is ASCII except in comments. Everything the schema reads (keys, patterns, byte
// counts) is ASCII anyway: DNS names in patterns are written in punycode ("xn--..."). Checking
// this before toml++ sees the text also keeps non-ASCII away from toml++ 3.3.0's character
// tables, which reach __builtin_unreachable for some code points (toml++ issues #190, #295).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace sluice::egress {

struct TextPosition {
  size_t line = 1;    // 1-based
  size_t column = 1;  // 1-based, in code points (as toml++ counts them)
};

// The position of the first non-ASCII byte that is not inside a comment (a leading UTF-8 byte
// order mark is allowed), or nullopt. Strings are followed, so a '#' inside one starts no
// comment. On text that is not valid TOML the answer may be off, but only towards refusing.
std::optional<TextPosition> find_non_ascii_outside_comments(std::string_view text);

}  // namespace sluice::egress
