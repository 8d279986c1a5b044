// Finishes closed TCP connections off the guest's thread: reads the kernel's counters for the
// egress cross-check (getsockopt TCP_INFO) and releases the socket (close). Both are system
// calls, and on virtualised hosts a system call costs microseconds: doing them here keeps the
// meter's cross-check, and the close itself, out of a guest's connect/close loop.
//
// One worker thread per process, started on first use, with a bounded queue: when the queue is
// full the caller does the work itself, so a guest closing sockets faster than the worker can
// finish them is slowed down instead of piling up descriptors. drain() waits for everything
// queued so far; a sandbox calls it when its guest has ended, before its egress is reported,
// and whoever owns an Egress must call it before destroying it (sandbox::run_command_component
// does, once the guest thread has ended).
#pragma once

#include <memory>

#include "egress/egress.h"
#include "wasi/io/host_fd.h"
#include "wasi/sockets/tcp_kernel_counters.h"

namespace sluice::wasi {

class SocketReaper {
 public:
  // Reads TCP_INFO of `fd` and reports it to `egress` for `flow` (when `egress` is not null),
  // then drops this reference to `fd` (closing it, unless a pollable still holds it).
  static void reap(std::shared_ptr<HostFd> fd, TcpOpen open, egress::Egress* egress,
                   egress::ClosedFlow flow);
  // Waits until every reap queued before this call has been done. Cheap when none ever was.
  static void drain();
};

}  // namespace sluice::wasi
