#include "wasi/sockets/network.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace sluice::wasi {

SocketErrorCode socket_error_for_denial(const egress::Verdict& verdict) {
  using egress::Reason;
  switch (verdict.reason) {
    case Reason::kConcurrentConnections:
    case Reason::kConnectionRate:
      return SocketErrorCode::kNewSocketLimit;
    case Reason::kLookupRate:
      return SocketErrorCode::kTemporaryResolverFailure;
    case Reason::kNameTooLong:
    case Reason::kLabelTooLong:
      return SocketErrorCode::kInvalidArgument;
    default:
      return SocketErrorCode::kAccessDenied;
  }
}

SocketErrorCode socket_error_from_errno(int error_number) {
  switch (error_number) {
    case EACCES:
    case EPERM:
      return SocketErrorCode::kAccessDenied;
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
    case EOPNOTSUPP:
    case ENOPROTOOPT:
    case ESOCKTNOSUPPORT:
      return SocketErrorCode::kNotSupported;
    case EINVAL:
    case EDESTADDRREQ:
    case EFAULT:
      return SocketErrorCode::kInvalidArgument;
    case ENOMEM:
    case ENOBUFS:
      return SocketErrorCode::kOutOfMemory;
    case ETIMEDOUT:
      return SocketErrorCode::kTimeout;
    case EALREADY:
      return SocketErrorCode::kConcurrencyConflict;
    case EAGAIN:
    case EINPROGRESS:
      return SocketErrorCode::kWouldBlock;
    case EISCONN:
    case ENOTCONN:
      return SocketErrorCode::kInvalidState;
    case EMFILE:
    case ENFILE:
      return SocketErrorCode::kNewSocketLimit;
    case EADDRNOTAVAIL:
      return SocketErrorCode::kAddressNotBindable;
    case EADDRINUSE:
      return SocketErrorCode::kAddressInUse;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EHOSTDOWN:
    case ENONET:
      return SocketErrorCode::kRemoteUnreachable;
    case ECONNREFUSED:
      return SocketErrorCode::kConnectionRefused;
    case ECONNRESET:
    case EPIPE:
      return SocketErrorCode::kConnectionReset;
    case ECONNABORTED:
      return SocketErrorCode::kConnectionAborted;
    case EMSGSIZE:
      return SocketErrorCode::kDatagramTooLarge;
    default:
      return SocketErrorCode::kUnknown;
  }
}

IpAddressFamily family_of(const IpSocketAddress& address) {
  return address.index() == 0 ? IpAddressFamily::kIpv4 : IpAddressFamily::kIpv6;
}

int os_family(IpAddressFamily family) {
  return family == IpAddressFamily::kIpv4 ? AF_INET : AF_INET6;
}

uint16_t port_of(const IpSocketAddress& address) {
  return std::visit([](const auto& a) { return a.port; }, address);
}

namespace {

std::array<uint8_t, 4> octets(const Ipv4Address& a) {
  return {std::get<0>(a), std::get<1>(a), std::get<2>(a), std::get<3>(a)};
}

std::array<uint16_t, 8> segments(const Ipv6Address& a) {
  return std::apply([](auto... s) { return std::array<uint16_t, 8>{s...}; }, a);
}

Ipv6Address to_tuple(const std::array<uint16_t, 8>& s) {
  return {s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]};
}

std::array<uint8_t, 16> ipv6_bytes(const Ipv6Address& a) {
  std::array<uint8_t, 16> out{};
  std::array<uint16_t, 8> s = segments(a);
  for (size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<uint8_t>(s[i] >> 8);
    out[2 * i + 1] = static_cast<uint8_t>(s[i]);
  }
  return out;
}

Ipv6Address ipv6_from_bytes(const uint8_t* b) {
  std::array<uint16_t, 8> s{};
  for (size_t i = 0; i < 8; ++i) s[i] = static_cast<uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);
  return to_tuple(s);
}

bool bytes_are_ipv4_mapped(const std::array<uint8_t, 16>& b) {
  for (size_t i = 0; i < 10; ++i)
    if (b[i] != 0) return false;
  return b[10] == 0xff && b[11] == 0xff;
}

egress::IpAddress egress_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  egress::IpAddress out;
  out.bytes[0] = a;
  out.bytes[1] = b;
  out.bytes[2] = c;
  out.bytes[3] = d;
  return out;
}

egress::IpAddress egress_v6(const Ipv6Address& address, uint32_t scope_id) {
  std::array<uint8_t, 16> b = ipv6_bytes(address);
  if (bytes_are_ipv4_mapped(b)) return egress_v4(b[12], b[13], b[14], b[15]);
  egress::IpAddress out;
  out.is_v6 = true;
  out.bytes = b;
  out.scope_id = scope_id;
  return out;
}

}  // namespace

OsSocketAddress to_os(const IpSocketAddress& address) {
  OsSocketAddress out;
  if (const auto* v4 = std::get_if<Ipv4SocketAddress>(&address)) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(v4->port);
    std::array<uint8_t, 4> o = octets(v4->address);
    std::memcpy(&sin->sin_addr, o.data(), 4);
    out.length = sizeof(sockaddr_in);
  } else {
    const auto& v6 = std::get<Ipv6SocketAddress>(address);
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(v6.port);
    sin6->sin6_flowinfo = htonl(v6.flow_info);
    std::array<uint8_t, 16> b = ipv6_bytes(v6.address);
    std::memcpy(&sin6->sin6_addr, b.data(), 16);
    sin6->sin6_scope_id = v6.scope_id;
    out.length = sizeof(sockaddr_in6);
  }
  return out;
}

std::optional<IpSocketAddress> from_os(const sockaddr* address, socklen_t length) {
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(address);
    const auto* b = reinterpret_cast<const uint8_t*>(&sin->sin_addr);
    return IpSocketAddress(Ipv4SocketAddress{ntohs(sin->sin_port), {b[0], b[1], b[2], b[3]}});
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(address);
    return IpSocketAddress(Ipv6SocketAddress{
        ntohs(sin6->sin6_port), ntohl(sin6->sin6_flowinfo),
        ipv6_from_bytes(reinterpret_cast<const uint8_t*>(&sin6->sin6_addr)),
        sin6->sin6_scope_id});
  }
  return std::nullopt;
}

egress::IpAddress to_egress(const IpSocketAddress& address) {
  if (const auto* v4 = std::get_if<Ipv4SocketAddress>(&address)) {
    std::array<uint8_t, 4> o = octets(v4->address);
    return egress_v4(o[0], o[1], o[2], o[3]);
  }
  const auto& v6 = std::get<Ipv6SocketAddress>(address);
  return egress_v6(v6.address, v6.scope_id);
}

egress::IpAddress to_egress(const IpAddress& address) {
  if (const auto* v4 = std::get_if<Ipv4Address>(&address)) {
    std::array<uint8_t, 4> o = octets(*v4);
    return egress_v4(o[0], o[1], o[2], o[3]);
  }
  return egress_v6(std::get<Ipv6Address>(address), 0);
}

IpAddress from_egress(const egress::IpAddress& address) {
  const auto& b = address.bytes;
  if (!address.is_v6) return IpAddress(Ipv4Address{b[0], b[1], b[2], b[3]});
  return IpAddress(ipv6_from_bytes(b.data()));
}

bool is_unspecified(const IpSocketAddress& address) {
  if (const auto* v4 = std::get_if<Ipv4SocketAddress>(&address))
    return octets(v4->address) == std::array<uint8_t, 4>{};
  return segments(std::get<Ipv6SocketAddress>(address).address) == std::array<uint16_t, 8>{};
}

bool is_ipv4_mapped(const IpSocketAddress& address) {
  const auto* v6 = std::get_if<Ipv6SocketAddress>(&address);
  return v6 != nullptr && bytes_are_ipv4_mapped(ipv6_bytes(v6->address));
}

bool is_multicast_or_broadcast(const IpSocketAddress& address) {
  if (const auto* v4 = std::get_if<Ipv4SocketAddress>(&address)) {
    std::array<uint8_t, 4> o = octets(v4->address);
    return (o[0] & 0xf0) == 0xe0 || o == std::array<uint8_t, 4>{255, 255, 255, 255};
  }
  return (std::get<0>(std::get<Ipv6SocketAddress>(address).address) & 0xff00) == 0xff00;
}

std::optional<SocketErrorCode> check_remote(const IpSocketAddress& address,
                                            IpAddressFamily family, bool allow_multicast) {
  if (family_of(address) != family || is_ipv4_mapped(address) || is_unspecified(address) ||
      port_of(address) == 0 || (!allow_multicast && is_multicast_or_broadcast(address))) {
    return SocketErrorCode::kInvalidArgument;
  }
  return std::nullopt;
}

std::optional<SocketErrorCode> check_local(const IpSocketAddress& address,
                                           IpAddressFamily family) {
  if (family_of(address) != family || is_ipv4_mapped(address))
    return SocketErrorCode::kInvalidArgument;
  return std::nullopt;
}

}  // namespace sluice::wasi
