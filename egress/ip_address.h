// Helpers for IpAddress (declared in egress.h): parsing literals, normalising IPv4-mapped IPv6,
// prefix matching and hashing. Policy and attribution both key on addresses, so both must agree
// on one normal form: "::ffff:10.0.0.1" and "10.0.0.1" are the same destination.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "egress/egress.h"

namespace sluice::egress {

// "127.0.0.1", "::1", "fe80::1%3" (numeric zone only). Returns nullopt for anything else,
// including names and bracketed forms. IPv4-mapped IPv6 comes back as IPv4.
std::optional<IpAddress> parse_ip_address(std::string_view text);

// An IPv6 address from its 16 bytes, normalised (IPv4-mapped becomes IPv4).
IpAddress ipv6_address(const std::array<uint8_t, 16>& bytes, uint32_t scope_id = 0);

// The same address in normal form (idempotent). Socket code may hand us either form.
IpAddress normalized(const IpAddress& ip);

// True when the first `prefix_len` bits of `ip` equal those of `network` and both are the same
// family. prefix_len is at most 32 (IPv4) or 128 (IPv6).
bool in_prefix(const IpAddress& ip, const IpAddress& network, unsigned prefix_len);

struct IpAddressHash {
  std::size_t operator()(const IpAddress& ip) const noexcept;
};

// Orders by family then bytes (scope ignored, like operator==): deterministic report order.
bool ip_less(const IpAddress& a, const IpAddress& b);

}  // namespace sluice::egress
