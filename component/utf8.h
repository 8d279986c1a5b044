// UTF-8 validation for strings lifted from guests: the canonical ABI traps on invalid UTF-8, and
// host code (paths, names, environment) may then rely on well-formed text.
#pragma once

#include <string_view>

namespace sluice::component {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace sluice::component
