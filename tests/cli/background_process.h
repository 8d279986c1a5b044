// A sluice process the test talks to while it runs: lines from its stdout as they come, its
// stderr so far, lines written to its stdin, signals. For tests that must act mid-run (a policy
// reload, connecting to a guest that listens).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing {

class BackgroundProcess {
 public:
  // Starts `argv` with `env` (NAME=VALUE) added to the environment.
  explicit BackgroundProcess(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env = {});
  ~BackgroundProcess();  // kills the process if it is still running
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // The next line of stdout (without the newline); nullopt on timeout or end of output.
  std::optional<std::string> next_line(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Waits until stderr contains `text`; false on timeout.
  bool wait_stderr(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void write_stdin(const std::string& text);
  void signal(int signal_number);
  // Closes stdin, reads everything left, waits for the exit status (128 + signal if killed).
  int wait();

  const std::string& err() const { return err_; }

 private:
  // Reads what is available (waiting up to `timeout` for something); false when nothing came.
  bool pump(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, errfd_ = -1;
  std::string out_buffer_;
  std::string err_;
  int status_ = -1;
};

}  // namespace sluice::testing
