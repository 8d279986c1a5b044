#include "wasi/sockets/tcp_kernel_counters.h"

// <linux/tcp.h> rather than <netinet/tcp.h>: glibc's struct tcp_info lacks tcpi_bytes_sent.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace sluice::wasi {

std::optional<egress::KernelTcpCounters> read_kernel_tcp_counters(int fd, TcpOpen open) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return std::nullopt;
  // Linux counts sequence space, not payload: tcpi_bytes_acked includes our SYN (when we
  // connected: the SYN-ACK of an accepted connection is not counted) and, once the peer
  // acknowledged it, our FIN; tcpi_bytes_received includes the peer's FIN. Subtract them
  // so the kernel's figures are payload bytes, comparable with ours. The TCP state says which
  // FINs exist. Older kernels fill a shorter struct; fields past `length` stay zero.
  // tcpi_state values (the kernel's net/tcp_states.h; no userspace header has both these and
  // struct tcp_info without conflicts).
  enum : uint8_t { kFinWait2 = 5, kTimeWait = 6, kClose = 7, kCloseWait = 8, kLastAck = 9, kClosing = 11 };
  const uint8_t state = info.tcpi_state;
  const bool our_fin_acked = state == kFinWait2 || state == kTimeWait || state == kClose;
  // A socket still held open that gets the peer's FIN in FIN-WAIT-2 goes straight to CLOSE
  // (tcp_fin -> tcp_time_wait -> tcp_done), so CLOSE means both FINs, barring a reset.
  const bool peer_fin_received = state == kCloseWait || state == kLastAck || state == kClosing ||
                                 state == kTimeWait || state == kClose;
  const bool syn_counted = open == TcpOpen::kActive && info.tcpi_bytes_acked > 0;
  const uint64_t control_acked = (syn_counted ? 1 : 0) + (our_fin_acked ? 1 : 0);
  egress::KernelTcpCounters counters;
  counters.bytes_acked =
      info.tcpi_bytes_acked >= control_acked ? info.tcpi_bytes_acked - control_acked : 0;
  counters.bytes_sent = info.tcpi_bytes_sent;
  counters.bytes_received =
      info.tcpi_bytes_received - (peer_fin_received && info.tcpi_bytes_received > 0 ? 1 : 0);
  return counters;
}

}  // namespace sluice::wasi
