#include "egress/address_sets.h"

#include <algorithm>

#include "egress/ip_address.h"

namespace sluice::egress {

namespace {

bool all_zero(const IpAddress& ip, unsigned from, unsigned to) {
  return std::all_of(ip.bytes.begin() + from, ip.bytes.begin() + to, [](uint8_t b) { return b == 0; });
}

bool is_v4_mapped(const IpAddress& v6) {
  return all_zero(v6, 0, 10) && v6.bytes[10] == 0xff && v6.bytes[11] == 0xff;
}

// Mapped and IPv4-compatible IPv6 become IPv4, the zone goes; unspecified addresses stay.
IpAddress without_v6_disguise(const IpAddress& ip) {
  if (!ip.is_v6) {
    // bytes[4..15] and scope_id carry no meaning for IPv4: a fresh address zeroes them.
    return IpAddress::v4(ip.bytes[0], ip.bytes[1], ip.bytes[2], ip.bytes[3]);
  }
  const bool unspecified_or_loopback = all_zero(ip, 0, 15) && ip.bytes[15] <= 1;  // :: and ::1
  const bool compatible = all_zero(ip, 0, 12) && !unspecified_or_loopback;
  if (is_v4_mapped(ip) || compatible) {
    return IpAddress::v4(ip.bytes[12], ip.bytes[13], ip.bytes[14], ip.bytes[15]);
  }
  IpAddress v6 = ip;
  v6.scope_id = 0;
  return v6;
}

bool is_unspecified(const IpAddress& ip) { return all_zero(ip, 0, ip.is_v6 ? 16 : 4); }

uint8_t bit(AddressSet set) { return address_set_bit(set); }

uint8_t v4_sets(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  if (a == 10) return bit(AddressSet::kPrivate);                    // RFC 1918
  if (a == 172 && (b & 0xf0) == 16) return bit(AddressSet::kPrivate);  // RFC 1918
  if (a == 192 && b == 168) return bit(AddressSet::kPrivate);         // RFC 1918
  // 100.64.0.0/10 is carrier-grade NAT space (RFC 6598): not routable on the internet, and what
  // cloud VPC internals and Tailscale use, so it is private for policy. It also holds
  // 100.100.100.200, Alibaba Cloud's metadata service, which `private` therefore covers;
  // `metadata` itself keeps to the two addresses most clouds share (see below).
  if (a == 100 && (b & 0xc0) == 64) return bit(AddressSet::kPrivate);
  if (a == 127) return bit(AddressSet::kLoopback);
  if (a == 169 && b == 254) {
    // The instance metadata service of AWS, GCP, Azure, OCI, DigitalOcean...: link-local, so
    // both sets contain it. Credentials live there; `deny *://metadata:*` is the usual rule.
    const bool metadata = c == 169 && d == 254;
    return static_cast<uint8_t>(bit(AddressSet::kLinkLocal) | (metadata ? bit(AddressSet::kMetadata) : 0));
  }
  // Special-purpose ranges are in no set, `public` included: nothing on the internet answers
  // there, so allowing "public" must not let a guest probe them.
  if (a == 0) return 0;                                        // "this network" (RFC 791)
  if (a >= 224) return 0;                                      // multicast 224/4, reserved 240/4,
                                                               // broadcast 255.255.255.255
  if (a == 192 && b == 0 && (c == 0 || c == 2)) return 0;      // IETF protocol 192.0.0/24,
                                                               // documentation 192.0.2/24
  if (a == 198 && b == 51 && c == 100) return 0;               // documentation
  if (a == 203 && b == 0 && c == 113) return 0;                // documentation
  if (a == 198 && (b & 0xfe) == 18) return 0;                  // benchmarking 198.18/15
  return bit(AddressSet::kPublic);
}

uint8_t v6_sets(const IpAddress& ip) {
  const auto& b = ip.bytes;
  if (all_zero(ip, 0, 15) && b[15] == 1) return bit(AddressSet::kLoopback);  // ::1
  if ((b[0] & 0xfe) == 0xfc) {  // unique local fc00::/7
    // AWS's IPv6 metadata endpoint, fd00:ec2::254, is a unique local address.
    static constexpr std::array<uint8_t, 16> kAwsMetadata = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0,
                                                             0,    0,    0,    0,    0, 0, 0x02, 0x54};
    return static_cast<uint8_t>(bit(AddressSet::kPrivate) | (b == kAwsMetadata ? bit(AddressSet::kMetadata) : 0));
  }
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return bit(AddressSet::kLinkLocal);  // fe80::/10
  // fec0::/10, site-local: deprecated (RFC 3879) but still routed privately where it lingers,
  // so `deny private` covers it too.
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return bit(AddressSet::kPrivate);
  // NAT64's well-known prefix 64:ff9b::/96 (RFC 6052) reaches the IPv4 address in its last 32
  // bits through the host's translator, if it has one. Classify it as that IPv4 address, so
  // `deny private` also stops 64:ff9b::10.0.0.1 and `public` allows 64:ff9b::8.8.8.8. (CIDR
  // rules stay literal: a 10.0.0.0/8 rule does not cover 64:ff9b::a00:1.) The local-use
  // prefix 64:ff9b:1::/48 (RFC 8215) embeds addresses at operator-chosen offsets we cannot
  // know: it is in no set.
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && all_zero(ip, 4, 12)) {
    return v4_sets(b[12], b[13], b[14], b[15]);
  }
  // Public IPv6 is global unicast, 2000::/3, less its documentation and benchmarking ranges.
  // Everything else (multicast ff00::/8, unassigned space, discard-only 100::/64, ::) is in no
  // set. 6to4 (2002::/16) and Teredo (2001::/32) stay public: they are global addresses.
  if ((b[0] & 0xe0) != 0x20) return 0;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return 0;  // 2001:db8::/32
  if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0) return 0;            // 3fff::/20 (RFC 9637)
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x02 && b[4] == 0 && b[5] == 0) {
    return 0;  // benchmarking 2001:2::/48
  }
  return bit(AddressSet::kPublic);
}

// One number of a legacy inet_aton spelling: decimal, octal with a leading 0, or hex with 0x.
std::optional<uint64_t> parse_legacy_part(std::string_view part) {
  if (part.empty() || part.front() < '0' || part.front() > '9') return std::nullopt;
  unsigned base = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    base = 16;
    part.remove_prefix(2);
    if (part.empty()) return std::nullopt;  // "0x" with no digits is not a number
  } else if (part.size() >= 2 && part[0] == '0') {
    base = 8;
    part.remove_prefix(1);
  }
  uint64_t value = 0;
  for (char c : part) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (digit >= base) return std::nullopt;  // "08" is not octal, "1a" is not decimal
    value = value * base + digit;
    if (value > 0xffffffffu) return std::nullopt;  // stop before it can wrap
  }
  return value;
}

// "a", "a.b", "a.b.c", "a.b.c.d": the last part fills the bits the others leave (32, 24, 16, 8).
std::optional<IpAddress> parse_legacy_ipv4(std::string_view text) {
  std::array<uint64_t, 4> parts{};
  size_t count = 0;
  while (true) {
    const auto dot = text.find('.');
    if (count == parts.size()) return std::nullopt;
    auto part = parse_legacy_part(text.substr(0, dot));
    if (!part) return std::nullopt;
    parts[count++] = *part;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  uint64_t value = 0;
  for (size_t i = 0; i + 1 < count; ++i) {
    if (parts[i] > 0xff) return std::nullopt;
    value |= parts[i] << (8 * (3 - i));
  }
  const unsigned last_bits = 8 * static_cast<unsigned>(5 - count);
  if (parts[count - 1] >= (uint64_t{1} << last_bits)) return std::nullopt;
  value |= parts[count - 1];
  return IpAddress::v4(static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
                       static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value));
}

// Every IP literal is spelled with these characters; almost no name is. Saves the parse.
bool literal_characters_only(std::string_view name) {
  for (char c : name) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                    c == 'x' || c == 'X' || c == '.' || c == ':' || c == '[' || c == ']' || c == '%';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

IpAddress canonical_bind_address(const IpAddress& ip) { return without_v6_disguise(ip); }

IpAddress canonical_address(const IpAddress& ip) {
  IpAddress out = without_v6_disguise(ip);
  if (!is_unspecified(out)) return out;
  // connect() to 0.0.0.0 or :: reaches the local host on Linux: judge it as loopback, or
  // `deny *://loopback:*` could be walked around with "0.0.0.0".
  if (out.is_v6) {
    out.bytes[15] = 1;
    return out;
  }
  return IpAddress::v4(127, 0, 0, 1);
}

uint8_t address_sets_of(const IpAddress& canonical) {
  if (!canonical.is_v6) {
    const auto& b = canonical.bytes;
    return v4_sets(b[0], b[1], b[2], b[3]);
  }
  return v6_sets(canonical);
}

std::optional<IpAddress> parse_lookup_literal(std::string_view name) {
  if (name.empty() || !literal_characters_only(name)) return std::nullopt;
  if (name.front() == '[') {
    if (name.size() < 2 || name.back() != ']') return std::nullopt;
    const std::string_view inside = name.substr(1, name.size() - 2);
    if (inside.find(':') == std::string_view::npos) return std::nullopt;  // brackets are for IPv6
    return parse_ip_address(inside);
  }
  if (auto ip = parse_ip_address(name)) return ip;
  // getaddrinfo still accepts the inet_aton forms (glibc's inet_aton_exact: no trailing text).
  return parse_legacy_ipv4(name);
}

}  // namespace sluice::egress
