// The --policy file: a TOML file with outbound and inbound rules and limits (docs/policy.md has
// the schema and a complete example).
//
//   version = 1
//   [outbound]
//   allow = ["tcp://api.example.com:443"]
//   deny  = ["*://metadata:*"]
//   [inbound]
//   allow = ["tcp://127.0.0.1:8080"]
//   [limits]
//   bytes_out = "10 MiB"
//   connections_per_second = { rate = 20, burst = 40 }
//   [dns]
//   max_name_length = 253
//
// Strict on purpose: an unknown table or key, a value of the wrong type or out of range is an
// error, not something skipped, because a typo in a security policy ("alow") must not silently
// widen or narrow what a sandbox may do. Every problem found is reported, one per line, as
// "FILE:LINE:COL: what is wrong", in file order.
#pragma once

#include <filesystem>
#include <string_view>

#include "egress/policy.h"

namespace sluice::egress {

// Adds the file's rules (in the order they appear in the file, each with origin
// "FILE:LINE:COL" of its array element) and sets the limits the file names (the others are left
// as they are). Throws RuleSyntaxError on any problem, including a file that cannot be read;
// `policy` is then unchanged.
void load_policy_file(const std::filesystem::path& path, Policy& policy);

// The same, from text in memory; `source_name` stands for the file name in origins and errors.
void load_policy_text(std::string_view text, std::string_view source_name, Policy& policy);

}  // namespace sluice::egress
