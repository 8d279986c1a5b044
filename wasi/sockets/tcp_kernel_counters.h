// The kernel's own byte counts of a TCP connection (getsockopt TCP_INFO), as payload bytes
// comparable with the meter's: the egress cross-check.
#pragma once

#include <cstdint>
#include <optional>

#include "egress/egress.h"

namespace sluice::wasi {

enum class TcpOpen : uint8_t { kActive, kPassive };  // we connected / we accepted

// nullopt when the kernel gives no TCP_INFO for `fd`.
std::optional<egress::KernelTcpCounters> read_kernel_tcp_counters(int fd, TcpOpen open);

}  // namespace sluice::wasi
