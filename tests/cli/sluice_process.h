// Runs the sluice executable as a user would, capturing its output and exit status.
#pragma once

#include <stdlib.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace sluice::testing {

struct ProcessOutput {
  int exit_status = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// A child process with pipes to its stdin, stdout and stderr (the parent's ends).
struct Child {
  pid_t pid = -1;
  int in = -1, out = -1, err = -1;
};
// Starts `argv` (argv[0] is the path) with `env` (NAME=VALUE) added to its environment.
Child spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

// Runs `argv` with `stdin_data` on its standard input and `env` added to the environment.
ProcessOutput run_process(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                          const std::vector<std::string>& env = {});

// A fresh directory under $TMPDIR, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The component built from tests/guests for `name`.
inline std::string guest(const std::string& name) {
  return std::string(SLUICE_GUEST_DIR) + "/" + name + ".wasm";
}

}  // namespace sluice::testing
