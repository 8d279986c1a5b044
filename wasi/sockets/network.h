// wasi:sockets/network: the network resource, error-code, the address types, and the
// conversions every socket needs (WIT address <-> sockaddr <-> egress::IpAddress, errno ->
// error-code).
//
// sluice offers one network per sandbox; what it may reach is decided per connection by the
// sandbox's egress::Egress, not by which network handle the guest holds.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>
#include <variant>

#include "component/abi_values.h"
#include "component/resource_table.h"
#include "egress/egress.h"

namespace sluice::wasi {

using component::Unit;

class Network : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "network";
};

// wasi:sockets/network.error-code (named apart from wasi:filesystem's ErrorCode).
enum class SocketErrorCode : uint8_t {
  kUnknown,
  kAccessDenied,
  kNotSupported,
  kInvalidArgument,
  kOutOfMemory,
  kTimeout,
  kConcurrencyConflict,
  kNotInProgress,
  kWouldBlock,
  kInvalidState,
  kNewSocketLimit,
  kAddressNotBindable,
  kAddressInUse,
  kRemoteUnreachable,
  kConnectionRefused,
  kConnectionReset,
  kConnectionAborted,
  kDatagramTooLarge,
  kNameUnresolvable,
  kTemporaryResolverFailure,
  kPermanentResolverFailure,
};

template <typename T>
using SocketResult = component::Result<T, SocketErrorCode>;

// The error-code for an errno value of a socket call. Errors without a counterpart: kUnknown.
SocketErrorCode socket_error_from_errno(int error_number);

// The error-code a guest sees for a policy denial: access-denied for rules and byte quotas,
// new-socket-limit for the connection limits (concurrency, rate), temporary-resolver-failure
// for the lookup rate, invalid-argument for names over the DNS guards.
SocketErrorCode socket_error_for_denial(const egress::Verdict& verdict);

enum class IpAddressFamily : uint8_t { kIpv4, kIpv6 };

using Ipv4Address = std::tuple<uint8_t, uint8_t, uint8_t, uint8_t>;
using Ipv6Address =
    std::tuple<uint16_t, uint16_t, uint16_t, uint16_t, uint16_t, uint16_t, uint16_t, uint16_t>;
// variant ip-address { ipv4(ipv4-address), ipv6(ipv6-address) }
using IpAddress = std::variant<Ipv4Address, Ipv6Address>;

struct Ipv4SocketAddress {
  uint16_t port = 0;
  Ipv4Address address{};
  static constexpr auto wit_fields =
      std::tuple{&Ipv4SocketAddress::port, &Ipv4SocketAddress::address};
};

struct Ipv6SocketAddress {
  uint16_t port = 0;
  uint32_t flow_info = 0;
  Ipv6Address address{};
  uint32_t scope_id = 0;
  static constexpr auto wit_fields =
      std::tuple{&Ipv6SocketAddress::port, &Ipv6SocketAddress::flow_info,
                 &Ipv6SocketAddress::address, &Ipv6SocketAddress::scope_id};
};

// variant ip-socket-address { ipv4(ipv4-socket-address), ipv6(ipv6-socket-address) }
using IpSocketAddress = std::variant<Ipv4SocketAddress, Ipv6SocketAddress>;

// A sockaddr_in or sockaddr_in6 and its length, ready for bind/connect/sendto.
struct OsSocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

IpAddressFamily family_of(const IpSocketAddress& address);
int os_family(IpAddressFamily family);  // AF_INET / AF_INET6
uint16_t port_of(const IpSocketAddress& address);

OsSocketAddress to_os(const IpSocketAddress& address);
// nullopt for families other than AF_INET / AF_INET6.
std::optional<IpSocketAddress> from_os(const sockaddr* address, socklen_t length);

// The address as egress sees it: IPv4-mapped IPv6 addresses become IPv4, so that policy and the
// ledger see one spelling of each destination.
egress::IpAddress to_egress(const IpSocketAddress& address);
egress::IpAddress to_egress(const IpAddress& address);
IpAddress from_egress(const egress::IpAddress& address);

bool is_unspecified(const IpSocketAddress& address);  // 0.0.0.0 or ::
bool is_ipv4_mapped(const IpSocketAddress& address);  // ::ffff:a.b.c.d
// Multicast or IPv4 broadcast: not a valid remote for TCP.
bool is_multicast_or_broadcast(const IpSocketAddress& address);

// Checks a remote address for connect (TCP) or send (UDP) on a socket of `family`: same family,
// a concrete unicast address, a nonzero port. (IPv6 sockets are IPv6-only, as in WASI, so an
// IPv4-mapped address is rejected rather than silently reaching IPv4.)
std::optional<SocketErrorCode> check_remote(const IpSocketAddress& address,
                                            IpAddressFamily family, bool allow_multicast);
// Checks a local address for bind: same family, not IPv4-mapped.
std::optional<SocketErrorCode> check_local(const IpSocketAddress& address,
                                           IpAddressFamily family);

}  // namespace sluice::wasi

SLUICE_WIT_ENUM(sluice::wasi::SocketErrorCode, 21);
SLUICE_WIT_ENUM(sluice::wasi::IpAddressFamily, 2);
