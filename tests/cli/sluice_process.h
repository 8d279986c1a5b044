// Runs the sluice executable as a user would, capturing its output and exit status.
#pragma once

#include <string>
#include <vector>

namespace sluice::testing {

struct ProcessOutput {
  int exit_status = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs `argv` with `stdin_data` on its standard input and `env` added to the environment.
ProcessOutput run_process(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                          const std::vector<std::string>& env = {});

}  // namespace sluice::testing
