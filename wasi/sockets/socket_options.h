// What TCP and UDP sockets share: creating the OS socket, reading its addresses, and the
// options both interfaces expose (buffer sizes, hop limit), with WASI's argument rules.
#pragma once

#include <cstdint>
#include <memory>

#include "component/abi_values.h"
#include "wasi/io/host_fd.h"
#include "wasi/sockets/network.h"

namespace sluice::wasi {

// A non-blocking, close-on-exec socket. IPv6 sockets are IPv6-only: WASI 0.2 gives a socket
// exactly one address family, and policy must never see an IPv4 peer through an IPv6 socket.
SocketResult<std::shared_ptr<HostFd>> open_socket(IpAddressFamily family, int type);

SocketResult<IpSocketAddress> local_address_of(int fd);
SocketResult<IpSocketAddress> remote_address_of(int fd);

// SO_RCVBUF / SO_SNDBUF. Setting 0 is invalid-argument; larger values are clamped, as the
// kernel clamps them anyway.
SocketResult<uint64_t> buffer_size(int fd, int option);
SocketResult<component::Unit> set_buffer_size(int fd, int option, uint64_t value);

// IP_TTL / IPV6_UNICAST_HOPS. Setting 0 is invalid-argument.
SocketResult<uint8_t> hop_limit(int fd, IpAddressFamily family);
SocketResult<component::Unit> set_hop_limit(int fd, IpAddressFamily family, uint8_t value);

// getsockopt / setsockopt of an int, errors mapped to error-code.
SocketResult<int> int_option(int fd, int level, int option);
SocketResult<component::Unit> set_int_option(int fd, int level, int option, int value);

}  // namespace sluice::wasi
