#include "cli/policy_reloader.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace sluice::cli {

namespace {

sigset_t reload_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  return set;
}

// Waits up to `ms` for more events on `fd` and discards them: one reload per burst of writes.
void drain_burst(int fd, int ms) {
  alignas(inotify_event) char buffer[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, ms) > 0) {
    if (::read(fd, buffer, sizeof buffer) <= 0) break;
  }
}

}  // namespace

void PolicyReloader::block_reload_signal() {
  sigset_t set = reload_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

PolicyReloader::PolicyReloader(const PolicySource& source, egress::Meter& meter, Report report)
    : source_(source), meter_(meter), report_(std::move(report)) {
  sigset_t set = reload_signals();
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (signal_fd_ < 0 || stop_fd_ < 0) {
    const int error = errno;
    for (int fd : {signal_fd_, stop_fd_}) {
      if (fd >= 0) ::close(fd);
    }
    throw std::system_error(error, std::generic_category(), "policy reloader");
  }
  if (!source_.file.empty()) watch_file();
  thread_ = std::thread([this] { run(); });
}

PolicyReloader::~PolicyReloader() {
  const uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof one) < 0) {
    // Cannot happen for an eventfd below its maximum; nothing else would wake the thread.
    std::terminate();
  }
  thread_.join();
  for (int fd : {signal_fd_, inotify_fd_, stop_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

void PolicyReloader::watch_file() {
  const std::filesystem::path path = std::filesystem::absolute(source_.file);
  watched_name_ = path.filename().string();
  inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd_ < 0) return;  // no file watching: SIGHUP still works
  const std::string dir = path.parent_path().string();
  if (::inotify_add_watch(inotify_fd_, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
    ::close(inotify_fd_);
    inotify_fd_ = -1;
  }
}

void PolicyReloader::run() {
  for (;;) {
    pollfd fds[3] = {{stop_fd_, POLLIN, 0}, {signal_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    const nfds_t count = inotify_fd_ >= 0 ? 3 : 2;
    if (::poll(fds, count, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents) return;
    if (fds[1].revents) {
      signalfd_siginfo info;
      while (::read(signal_fd_, &info, sizeof info) == sizeof info) {
      }
      reload("SIGHUP");
    }
    if (count == 3 && fds[2].revents) {
      bool ours = false;
      alignas(inotify_event) char buffer[4096];
      ssize_t n;
      while ((n = ::read(inotify_fd_, buffer, sizeof buffer)) > 0) {
        for (char* p = buffer; p < buffer + n;) {
          auto* event = reinterpret_cast<inotify_event*>(p);
          if (event->len > 0 && watched_name_ == event->name) ours = true;
          p += sizeof(inotify_event) + event->len;
        }
      }
      if (ours) {
        drain_burst(inotify_fd_, 50);
        reload(source_.file + " changed");
      }
    }
  }
}

void PolicyReloader::reload(const std::string& why) {
  try {
    egress::Policy policy = source_.build();
    const std::size_t rules = policy.rules().size();
    meter_.reload(std::move(policy));
    report_("policy reloaded (" + why + "): " + std::to_string(rules) + " rules, generation " +
            std::to_string(meter_.policy_generation()));
  } catch (const std::exception& e) {
    report_("policy reload (" + why + ") rejected, the current policy stays in force: " +
            std::string(e.what()));
  }
}

}  // namespace sluice::cli
