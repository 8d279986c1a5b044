// Force-included into policy_file_fuzz (see fuzz/CMakeLists.txt): toml++ 3.3.0 asserts a
// precondition its table-header parser does not keep ("[.a]" reaches parse_key with a '.',
// which parse_key then reports as a parse error, as it should). Asserts off, and NDEBUG off so
// that clang does not turn the broken precondition into __builtin_assume: the same behaviour
// as Debian's gcc-built library, where that assume is a no-op.
#pragma once

#define TOML_ASSERT(expr) static_cast<void>(0)
