// Running external tools (wasm2c, the C compiler) without a shell, alone or as a small job pool.
#ifndef SLUICE_ENGINE_PROCESS_H_
#define SLUICE_ENGINE_PROCESS_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace sluice::engine {

struct ProcessResult {
  int status = 0;      // raw waitpid status
  std::string output;  // stdout and stderr, interleaved
  bool ok() const;
  std::string describe_status() const;  // "exited with status 1", "killed by signal 9 (...)"
};

// Runs argv[0] (looked up on PATH) with stdin from /dev/null and returns its output and status.
// Throws ToolError if it cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv);

struct Job {
  std::vector<std::string> argv;
  std::filesystem::path log;  // receives the job's stdout and stderr
  uint64_t memory_estimate = 0;  // bytes the job may need at its peak (0: unknown/small)
  std::string description;       // for error messages, e.g. "compiling m1.c"
};

// Runs the jobs with at most `max_parallel` at a time (0: number of cores), starting the largest
// memory estimates first and not starting a job while the estimates of the running ones plus its
// own would exceed the memory currently available (one job always runs). on_done(index) is
// called on this thread after each job succeeds. On the first failure the other running jobs are
// killed and ToolError is thrown with the failed job's description, status and the end of its
// log.
void run_jobs(const std::vector<Job>& jobs, unsigned max_parallel,
              const std::function<void(size_t index)>& on_done = {});

// MemAvailable from /proc/meminfo, or 0 if unknown.
uint64_t available_memory_bytes();

// Splits a command string such as $CC ("ccache gcc -m64") on whitespace.
std::vector<std::string> split_command(const std::string& command);

}  // namespace sluice::engine

#endif  // SLUICE_ENGINE_PROCESS_H_
