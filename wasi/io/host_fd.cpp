#include "wasi/io/host_fd.h"

#include <unistd.h>

namespace sluice::wasi {

std::shared_ptr<HostFd> HostFd::adopt(int fd) {
  return std::shared_ptr<HostFd>(new HostFd(fd, true));
}

std::shared_ptr<HostFd> HostFd::borrow(int fd) {
  return std::shared_ptr<HostFd>(new HostFd(fd, false));
}

HostFd::~HostFd() {
  // close() errors are not actionable here: the fd is released either way on Linux.
  if (owned_ && fd_ >= 0) ::close(fd_);
}

}  // namespace sluice::wasi
