// The sluice subcommands, as plain functions over parsed options (main.cpp does the parsing).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::cli {

struct CompileCommand {
  std::string input;
  std::string output;
  int opt_level = 2;
};

struct RunCommand {
  std::string input;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<std::string> dirs;           // HOST[::GUEST], granted read-write
  std::vector<std::string> readonly_dirs;  // HOST[::GUEST], granted read-only
  double timeout_seconds = 0;
  std::string max_memory;
  int opt_level = 2;
  // Egress: network is denied unless a rule allows it (docs/policy.md).
  std::string policy_file;
  std::vector<std::string> allow_outbound;
  std::vector<std::string> deny_outbound;
  std::vector<std::string> allow_inbound;
  std::string egress_report;
  std::string egress_log;
  bool egress_summary = false;
  bool metering = true;  // off only to measure the meter's own cost (decisions stay)
};

// A file the user named cannot be read or written.
class FileReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

int run_compile(const CompileCommand& command);
int run_run(const RunCommand& command);

// "64M" -> 67108864. Throws std::invalid_argument with a message naming the problem.
unsigned long long parse_byte_size(const std::string& text);

}  // namespace sluice::cli
