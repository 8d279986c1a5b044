// An OS file descriptor shared by the domain objects that use it.
//
// Several guest handles can stand for one OS resource: every get-stdout returns a new
// output-stream over fd 1, a file's read-via-stream and the descriptor itself share one fd, and a
// pollable keeps watching the fd of a stream the guest has already dropped. So fds are held
// through std::shared_ptr<HostFd> and closed when the last user goes away.
#pragma once

#include <memory>

namespace sluice::wasi {

class HostFd {
 public:
  // Takes ownership: the fd is closed with the last reference.
  static std::shared_ptr<HostFd> adopt(int fd);
  // An fd the host keeps (its own stdin/stdout/stderr): never closed by us.
  static std::shared_ptr<HostFd> borrow(int fd);

  HostFd(const HostFd&) = delete;
  HostFd& operator=(const HostFd&) = delete;
  ~HostFd();

  int get() const { return fd_; }

 private:
  HostFd(int fd, bool owned) : fd_(fd), owned_(owned) {}

  int fd_;
  bool owned_;
};

}  // namespace sluice::wasi
