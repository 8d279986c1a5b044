#include "tests/cli/background_process.h"

#include "tests/cli/sluice_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace sluice::testing {

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::vector<std::string>& env) {
  const Child child = spawn(argv, env);
  pid_ = child.pid;
  in_ = child.in;
  out_ = child.out;
  errfd_ = child.err;
}

BackgroundProcess::~BackgroundProcess() {
  if (status_ < 0 && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  for (int fd : {in_, out_, errfd_}) {
    if (fd >= 0) close(fd);
  }
}

bool BackgroundProcess::pump(std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{out_, POLLIN, 0}, {errfd_, POLLIN, 0}};
  int n = poll(fds, 2, static_cast<int>(timeout.count()));
  if (n <= 0) return false;
  bool got_any = false;
  for (int i = 0; i < 2; ++i) {
    int& fd = i == 0 ? out_ : errfd_;
    if (fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    char buf[65536];
    ssize_t got = read(fd, buf, sizeof buf);
    if (got <= 0) {
      close(fd);
      fd = -1;
    } else {
      (i == 0 ? out_buffer_ : err_).append(buf, static_cast<size_t>(got));
      got_any = true;
    }
  }
  return got_any;
}

std::optional<std::string> BackgroundProcess::next_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto newline = out_buffer_.find('\n'); newline != std::string::npos) {
      std::string line = out_buffer_.substr(0, newline);
      out_buffer_.erase(0, newline + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || (out_ < 0 && errfd_ < 0)) return std::nullopt;
    pump(left);
  }
}

bool BackgroundProcess::wait_stderr(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (err_.find(text) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || (out_ < 0 && errfd_ < 0)) return false;
    pump(left);
  }
  return true;
}

void BackgroundProcess::write_stdin(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(in_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("write to the child's stdin failed");
    done += static_cast<size_t>(n);
  }
}

void BackgroundProcess::signal(int signal_number) { kill(pid_, signal_number); }

int BackgroundProcess::wait() {
  if (in_ >= 0) {
    close(in_);
    in_ = -1;
  }
  while (out_ >= 0 || errfd_ >= 0) pump(std::chrono::seconds(60));
  int status = 0;
  waitpid(pid_, &status, 0);
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return status_;
}

}  // namespace sluice::testing
