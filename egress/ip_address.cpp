#include "egress/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

namespace sluice::egress {

namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_v4_mapped(const std::array<uint8_t, 16>& b) {
  return std::memcmp(b.data(), kMappedPrefix.data(), kMappedPrefix.size()) == 0;
}

}  // namespace

const char* to_string(Transport t) {
  switch (t) {
    case Transport::kTcp: return "tcp";
    case Transport::kUdp: return "udp";
  }
  return "?";
}

const char* to_string(Direction d) {
  return d == Direction::kInbound ? "inbound" : "outbound";
}

IpAddress IpAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN + 16] = {};
  // inet_ntop gives the RFC 5952 canonical form ("::1", not "0:0:...:1"), which is what people
  // grep logs for.
  inet_ntop(is_v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
  std::string out = text;
  if (is_v6 && scope_id != 0) out += "%" + std::to_string(scope_id);
  return out;
}

IpAddress ipv6_address(const std::array<uint8_t, 16>& bytes, uint32_t scope_id) {
  IpAddress ip;
  ip.is_v6 = true;
  ip.bytes = bytes;
  ip.scope_id = scope_id;
  return normalized(ip);
}

IpAddress normalized(const IpAddress& ip) {
  if (!ip.is_v6) {
    IpAddress v4 = ip;
    std::fill(v4.bytes.begin() + 4, v4.bytes.end(), 0);  // only bytes[0..3] carry meaning
    v4.scope_id = 0;
    return v4;
  }
  if (!is_v4_mapped(ip.bytes)) return ip;
  return IpAddress::v4(ip.bytes[12], ip.bytes[13], ip.bytes[14], ip.bytes[15]);
}

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN + 11) return std::nullopt;
  std::string_view address = text;
  uint32_t scope_id = 0;
  if (auto percent = text.find('%'); percent != std::string_view::npos) {
    std::string_view zone = text.substr(percent + 1);
    auto [end, ec] = std::from_chars(zone.data(), zone.data() + zone.size(), scope_id);
    if (zone.empty() || ec != std::errc() || end != zone.data() + zone.size()) return std::nullopt;
    address = text.substr(0, percent);
  }
  std::string buffer(address);  // inet_pton needs a NUL-terminated string
  IpAddress ip;
  if (scope_id == 0 && inet_pton(AF_INET, buffer.c_str(), ip.bytes.data()) == 1) return ip;
  std::array<uint8_t, 16> v6{};
  if (inet_pton(AF_INET6, buffer.c_str(), v6.data()) == 1) return ipv6_address(v6, scope_id);
  return std::nullopt;
}

bool in_prefix(const IpAddress& ip, const IpAddress& network, unsigned prefix_len) {
  if (ip.is_v6 != network.is_v6) return false;
  const unsigned max_len = ip.is_v6 ? 128 : 32;
  if (prefix_len > max_len) prefix_len = max_len;
  const unsigned full = prefix_len / 8;
  if (std::memcmp(ip.bytes.data(), network.bytes.data(), full) != 0) return false;
  const unsigned rest = prefix_len % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (ip.bytes[full] & mask) == (network.bytes[full] & mask);
}

std::size_t IpAddressHash::operator()(const IpAddress& ip) const noexcept {
  // The identity (family + bytes; scope is not part of it) as two 64-bit words, multiplied and
  // folded: a handful of instructions on the per-connection path instead of a byte loop.
  uint64_t high, low;
  std::memcpy(&high, ip.bytes.data(), 8);
  std::memcpy(&low, ip.bytes.data() + 8, 8);
  uint64_t h = (high ^ (ip.is_v6 ? 0x9e3779b97f4a7c15ull : 0)) * 0xff51afd7ed558ccdull;
  h ^= low * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 32;
  return static_cast<std::size_t>(h * 0x9e3779b97f4a7c15ull) ^ static_cast<std::size_t>(h >> 29);
}

bool ip_less(const IpAddress& a, const IpAddress& b) {
  if (a.is_v6 != b.is_v6) return !a.is_v6;
  return a.bytes < b.bytes;
}

}  // namespace sluice::egress
