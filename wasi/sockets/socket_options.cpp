#include "wasi/sockets/socket_options.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace sluice::wasi {

using component::Err;
using component::Ok;
using component::Unit;

SocketResult<std::shared_ptr<HostFd>> open_socket(IpAddressFamily family, int type) {
  int fd = ::socket(os_family(family), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Err(socket_error_from_errno(errno));
  std::shared_ptr<HostFd> owned = HostFd::adopt(fd);
  if (family == IpAddressFamily::kIpv6) {
    int on = 1;
    if (::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0)
      return Err(socket_error_from_errno(errno));
  }
  return Ok(std::move(owned));
}

namespace {

SocketResult<IpSocketAddress> address_from(int result, const sockaddr_storage& storage,
                                           socklen_t length) {
  if (result != 0) return Err(socket_error_from_errno(errno));
  std::optional<IpSocketAddress> address =
      from_os(reinterpret_cast<const sockaddr*>(&storage), length);
  if (!address) return Err(SocketErrorCode::kUnknown);
  return Ok(*address);
}

}  // namespace

SocketResult<IpSocketAddress> local_address_of(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  int result = ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  return address_from(result, storage, length);
}

SocketResult<IpSocketAddress> remote_address_of(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  int result = ::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  return address_from(result, storage, length);
}

SocketResult<int> int_option(int fd, int level, int option) {
  int value = 0;
  socklen_t length = sizeof value;
  if (::getsockopt(fd, level, option, &value, &length) != 0)
    return Err(socket_error_from_errno(errno));
  return Ok(value);
}

SocketResult<Unit> set_int_option(int fd, int level, int option, int value) {
  if (::setsockopt(fd, level, option, &value, sizeof value) != 0)
    return Err(socket_error_from_errno(errno));
  return Ok();
}

SocketResult<uint64_t> buffer_size(int fd, int option) {
  SocketResult<int> value = int_option(fd, SOL_SOCKET, option);
  if (!value.is_ok()) return Err(value.err_value());
  return Ok(static_cast<uint64_t>(std::max(value.ok_value(), 0)));
}

SocketResult<Unit> set_buffer_size(int fd, int option, uint64_t value) {
  if (value == 0) return Err(SocketErrorCode::kInvalidArgument);
  // The kernel doubles the value it stores; halving INT_MAX keeps that from overflowing.
  int clamped = static_cast<int>(std::min<uint64_t>(value, INT_MAX / 2));
  return set_int_option(fd, SOL_SOCKET, option, clamped);
}

SocketResult<uint8_t> hop_limit(int fd, IpAddressFamily family) {
  SocketResult<int> value = family == IpAddressFamily::kIpv4
                                ? int_option(fd, IPPROTO_IP, IP_TTL)
                                : int_option(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
  if (!value.is_ok()) return Err(value.err_value());
  return Ok(static_cast<uint8_t>(std::clamp(value.ok_value(), 0, 255)));
}

SocketResult<Unit> set_hop_limit(int fd, IpAddressFamily family, uint8_t value) {
  if (value == 0) return Err(SocketErrorCode::kInvalidArgument);
  return family == IpAddressFamily::kIpv4
             ? set_int_option(fd, IPPROTO_IP, IP_TTL, value)
             : set_int_option(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, value);
}

}  // namespace sluice::wasi
