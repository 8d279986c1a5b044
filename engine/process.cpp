#include "engine/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/engine_error.h"

extern char** environ;

namespace sluice::engine {
namespace {

class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&fa_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&fa_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &fa_; }

 private:
  posix_spawn_file_actions_t fa_;
};

std::string join(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

pid_t spawn(const std::vector<std::string>& argv, FileActions& fa) {
  if (argv.empty()) throw ToolError("empty command");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], fa.get(), nullptr, args.data(), environ);
  if (rc != 0)
    throw ToolError("cannot run '" + argv[0] + "': " + std::strerror(rc) + " (command: " +
                    join(argv) + ")");
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw ToolError(std::string("waitpid: ") + std::strerror(errno));
  }
  return status;
}

std::string log_tail(const std::filesystem::path& log, size_t max_bytes = 6000) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return {};
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.size() > max_bytes) s = "[...]\n" + s.substr(s.size() - max_bytes);
  return s;
}

}  // namespace

bool ProcessResult::ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

std::string ProcessResult::describe_status() const {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    std::string s = "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
    if (sig == SIGKILL) s += "; perhaps out of memory";
    return s;
  }
  return "ended with wait status " + std::to_string(status);
}

ProcessResult run_process(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw ToolError(std::string("pipe: ") + std::strerror(errno));
  FileActions fa;
  posix_spawn_file_actions_addopen(fa.get(), 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(fa.get(), fds[1], 1);
  posix_spawn_file_actions_adddup2(fa.get(), fds[1], 2);
  pid_t pid;
  try {
    pid = spawn(argv, fa);
  } catch (...) {
    close(fds[0]);
    close(fds[1]);
    throw;
  }
  close(fds[1]);
  ProcessResult result;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      result.output.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  result.status = wait_for(pid);
  return result;
}

uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t value;
  std::string unit;
  while (in >> key >> value) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return value * 1024;
  }
  return 0;
}

std::vector<std::string> split_command(const std::string& command) {
  std::vector<std::string> out;
  std::istringstream in(command);
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

void run_jobs(const std::vector<Job>& jobs, unsigned max_parallel,
              const std::function<void(size_t index)>& on_done) {
  if (max_parallel == 0) max_parallel = std::max(1u, std::thread::hardware_concurrency());
  std::vector<size_t> order(jobs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return jobs[a].memory_estimate > jobs[b].memory_estimate;
  });
  const uint64_t budget = available_memory_bytes();

  struct Running {
    pid_t pid;
    size_t index;
  };
  std::vector<Running> running;
  uint64_t running_memory = 0;
  size_t next = 0;

  auto kill_all = [&] {
    for (const Running& r : running) kill(r.pid, SIGTERM);
    for (const Running& r : running) wait_for(r.pid);
    running.clear();
  };

  try {
    while (next < order.size() || !running.empty()) {
      // Start what fits.
      while (next < order.size() && running.size() < max_parallel) {
        const Job& job = jobs[order[next]];
        if (!running.empty() && budget != 0 && running_memory + job.memory_estimate > budget) break;
        FileActions fa;
        posix_spawn_file_actions_addopen(fa.get(), 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(fa.get(), 1, job.log.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(fa.get(), 1, 2);
        pid_t pid = spawn(job.argv, fa);
        running.push_back({pid, order[next]});
        running_memory += job.memory_estimate;
        ++next;
      }
      // Reap whichever finishes (polling: only our own children, never other ones of the host).
      bool reaped = false;
      for (size_t i = 0; i < running.size(); ++i) {
        int status = 0;
        pid_t r = waitpid(running[i].pid, &status, WNOHANG);
        if (r == 0) continue;
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw ToolError(std::string("waitpid: ") + std::strerror(errno));
        size_t index = running[i].index;
        running_memory -= jobs[index].memory_estimate;
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
        reaped = true;
        ProcessResult pr;
        pr.status = status;
        if (!pr.ok()) {
          kill_all();
          throw ToolError(jobs[index].description + " failed: " + pr.describe_status() +
                          "\ncommand: " + join(jobs[index].argv) + "\n" + log_tail(jobs[index].log));
        }
        if (on_done) on_done(index);
        break;
      }
      if (!reaped && !running.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  } catch (...) {
    kill_all();
    throw;
  }
}

}  // namespace sluice::engine
