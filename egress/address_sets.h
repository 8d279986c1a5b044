// Where an address really goes, for policy: the canonical form every rule is matched against,
// the named address sets (private, loopback, link-local, metadata, public), and the IP literals
// a resolver would accept in place of a name.
//
// Rules judge canonical addresses so that one destination cannot hide behind several
// spellings: "::ffff:10.0.0.1", "::10.0.0.1" and "10.0.0.1" reach the same host, and so do
// "0.0.0.0" and "127.0.0.1" (Linux connects the unspecified address to the local host).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "egress/egress.h"
#include "egress/policy.h"

namespace sluice::egress {

// The address a connect to `ip` reaches: IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible
// (::a.b.c.d, other than :: and ::1) IPv6 become IPv4; the unspecified addresses become
// loopback (0.0.0.0 -> 127.0.0.1, :: -> ::1); the zone id is dropped. Idempotent.
IpAddress canonical_address(const IpAddress& ip);

// The canonical form of a local address a socket binds (listen): the same conversions, except
// that the unspecified addresses stay unspecified, because binding 0.0.0.0 or :: listens on
// every interface, which is nothing like listening on loopback. Idempotent.
IpAddress canonical_bind_address(const IpAddress& ip);

// How many named sets there are (AddressSet's values are 0 .. kAddressSetCount - 1).
inline constexpr unsigned kAddressSetCount = 5;

// The bit of `set` in an address-set mask.
constexpr uint8_t address_set_bit(AddressSet set) { return static_cast<uint8_t>(1u << static_cast<unsigned>(set)); }

// Every named set `canonical` (a canonical_address or canonical_bind_address result) belongs
// to, as a mask of address_set_bit()s. Called once per decision: a few compares, no tables.
// The sets overlap: metadata addresses are also link-local or private.
uint8_t address_sets_of(const IpAddress& canonical);

// `name` when a resolver would treat it as an IP literal instead of asking DNS: a standard
// IPv4 or IPv6 address (with a numeric zone), a bracketed IPv6 address ("[::1]"), or one of
// the legacy inet_aton IPv4 spellings getaddrinfo still accepts ("127.1", "127.0.1",
// "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1"). The result is as parsed, not yet
// canonical. nullopt for names (including "127.0.0.1." with a root dot: that goes to DNS).
std::optional<IpAddress> parse_lookup_literal(std::string_view name);

}  // namespace sluice::egress
