#include "egress/address_sets.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

#include "egress/ip_address.h"

namespace sluice::egress {
namespace {

// An IPv6 address exactly as written: no normalising, so tests can hand in the mapped and
// compatible forms socket code may see.
IpAddress raw_v6(const char* text, uint32_t scope_id = 0) {
  IpAddress ip;
  ip.is_v6 = true;
  ip.scope_id = scope_id;
  EXPECT_EQ(inet_pton(AF_INET6, text, ip.bytes.data()), 1) << text;
  return ip;
}

IpAddress v4(const char* text) {
  auto ip = parse_ip_address(text);
  EXPECT_TRUE(ip && !ip->is_v6) << text;
  return ip.value_or(IpAddress{});
}

std::string canonical_text(const IpAddress& ip) { return canonical_address(ip).to_string(); }

uint8_t sets_of(const char* text) {
  auto ip = parse_ip_address(text);
  EXPECT_TRUE(ip) << text;
  return address_sets_of(canonical_address(*ip));
}

constexpr uint8_t kPrivate = address_set_bit(AddressSet::kPrivate);
constexpr uint8_t kLoopback = address_set_bit(AddressSet::kLoopback);
constexpr uint8_t kLinkLocal = address_set_bit(AddressSet::kLinkLocal);
constexpr uint8_t kMetadata = address_set_bit(AddressSet::kMetadata);
constexpr uint8_t kPublic = address_set_bit(AddressSet::kPublic);

TEST(CanonicalAddress, MappedAndCompatibleIpv6BecomeIpv4) {
  EXPECT_EQ(canonical_address(raw_v6("::ffff:10.1.2.3")), IpAddress::v4(10, 1, 2, 3));
  EXPECT_FALSE(canonical_address(raw_v6("::ffff:10.1.2.3")).is_v6);
  EXPECT_EQ(canonical_address(raw_v6("::10.1.2.3")), IpAddress::v4(10, 1, 2, 3));
  EXPECT_EQ(canonical_address(raw_v6("::0.0.0.2")), IpAddress::v4(0, 0, 0, 2));
  EXPECT_EQ(canonical_address(raw_v6("::1:0")), IpAddress::v4(0, 1, 0, 0));
  EXPECT_TRUE(canonical_address(raw_v6("::1:0:0")).is_v6);  // bits 80-95 set: neither form
  // Not compatible: a non-zero bit in the first 96.
  EXPECT_TRUE(canonical_address(raw_v6("1::10.1.2.3")).is_v6);
  EXPECT_TRUE(canonical_address(raw_v6("::fffe:10.1.2.3")).is_v6);
}

TEST(CanonicalAddress, UnspecifiedIsLoopback) {
  EXPECT_EQ(canonical_text(v4("0.0.0.0")), "127.0.0.1");
  EXPECT_EQ(canonical_text(raw_v6("::")), "::1");
  EXPECT_EQ(canonical_text(raw_v6("::1")), "::1");
  EXPECT_TRUE(canonical_address(raw_v6("::1")).is_v6);
  EXPECT_EQ(canonical_text(raw_v6("::ffff:0.0.0.0")), "127.0.0.1");
  // Only the all-zero address: the rest of 0/8 is not the local host.
  EXPECT_EQ(canonical_text(v4("0.0.0.1")), "0.0.0.1");
}

TEST(CanonicalAddress, DropsZoneAndStrayBytes) {
  IpAddress scoped = raw_v6("fe80::1", 7);
  EXPECT_EQ(canonical_address(scoped).scope_id, 0u);
  EXPECT_EQ(canonical_text(scoped), "fe80::1");
  IpAddress v4_with_junk = IpAddress::v4(10, 0, 0, 1);
  v4_with_junk.bytes[9] = 0x55;
  v4_with_junk.scope_id = 3;
  const IpAddress clean = canonical_address(v4_with_junk);
  EXPECT_EQ(clean.bytes[9], 0);
  EXPECT_EQ(clean.scope_id, 0u);
}

TEST(CanonicalAddress, IsIdempotent) {
  for (const IpAddress& ip : {raw_v6("::"), raw_v6("::1"), raw_v6("::ffff:0.0.0.0"), raw_v6("::10.0.0.1"),
                              raw_v6("fe80::1", 4), raw_v6("2001:db8::1"), v4("0.0.0.0"),
                              v4("192.168.1.1"), raw_v6("::ffff:1.2.3.4")}) {
    const IpAddress once = canonical_address(ip);
    const IpAddress twice = canonical_address(once);
    EXPECT_EQ(once, twice) << ip.to_string();
    EXPECT_EQ(once.scope_id, twice.scope_id);
    EXPECT_EQ(canonical_bind_address(canonical_bind_address(ip)), canonical_bind_address(ip));
  }
}

TEST(CanonicalBindAddress, KeepsUnspecified) {
  // Binding 0.0.0.0 listens on every interface: it must not look like loopback.
  EXPECT_EQ(canonical_bind_address(v4("0.0.0.0")), IpAddress::v4(0, 0, 0, 0));
  EXPECT_EQ(canonical_bind_address(raw_v6("::")).to_string(), "::");
  EXPECT_EQ(canonical_bind_address(raw_v6("::ffff:0.0.0.0")), IpAddress::v4(0, 0, 0, 0));
  EXPECT_EQ(canonical_bind_address(raw_v6("::ffff:127.0.0.1")), IpAddress::v4(127, 0, 0, 1));
  EXPECT_EQ(address_sets_of(canonical_bind_address(v4("0.0.0.0"))), 0);
  EXPECT_EQ(address_sets_of(canonical_bind_address(raw_v6("::"))), 0);
}

TEST(AddressSets, Private) {
  for (const char* ip : {"10.0.0.0", "10.255.255.255", "172.16.0.1", "172.31.255.255",
                         "192.168.0.1", "100.64.0.1", "100.127.255.255", "fc00::1", "fd12:3456::1",
                         "fec0::1"}) {
    EXPECT_EQ(sets_of(ip), kPrivate) << ip;
  }
  // Just outside.
  for (const char* ip : {"172.15.255.255", "172.32.0.0", "192.169.0.1", "100.63.255.255",
                         "100.128.0.0", "11.0.0.0", "9.255.255.255", "fbff::1"}) {
    EXPECT_EQ(sets_of(ip) & kPrivate, 0) << ip;
  }
}

TEST(AddressSets, LoopbackIsAll127AndTheUnspecified) {
  for (const char* ip : {"127.0.0.1", "127.0.0.0", "127.1.2.3", "127.255.255.255", "::1", "0.0.0.0", "::",
                         "::ffff:127.0.0.2"}) {
    EXPECT_EQ(sets_of(ip), kLoopback) << ip;
  }
  EXPECT_EQ(sets_of("128.0.0.1") & kLoopback, 0);
  EXPECT_EQ(sets_of("::2") & kLoopback, 0);  // IPv4-compatible 0.0.0.2, not ::1
}

TEST(AddressSets, LinkLocalAndMetadata) {
  EXPECT_EQ(sets_of("169.254.0.1"), kLinkLocal);
  EXPECT_EQ(sets_of("169.254.169.254"), kLinkLocal | kMetadata);
  EXPECT_EQ(sets_of("::ffff:169.254.169.254"), kLinkLocal | kMetadata);
  EXPECT_EQ(sets_of("169.254.169.253"), kLinkLocal);
  EXPECT_EQ(sets_of("fe80::1"), kLinkLocal);
  EXPECT_EQ(sets_of("febf:ffff::1"), kLinkLocal);
  EXPECT_EQ(sets_of("fd00:ec2::254"), kPrivate | kMetadata);
  EXPECT_EQ(sets_of("fd00:ec2::255"), kPrivate);
  // Alibaba's metadata service sits in the CGNAT range: private, not in `metadata`.
  EXPECT_EQ(sets_of("100.100.100.200"), kPrivate);
}

TEST(AddressSets, Public) {
  for (const char* ip : {"1.1.1.1", "8.8.8.8", "93.184.216.34", "172.32.0.1", "223.255.255.255",
                         "2606:4700::1111", "2001:4860:4860::8888", "2002:c000:0204::1",
                         "::ffff:8.8.8.8", "64:ff9b::8.8.8.8"}) {
    EXPECT_EQ(sets_of(ip), kPublic) << ip;
  }
}

TEST(AddressSets, SpecialRangesAreInNoSet) {
  for (const char* ip : {"0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
                         "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1", "198.19.255.255",
                         "192.0.0.8", "2001:db8::1", "3fff::1", "2001:2::1", "ff02::1", "100::1",
                         "4000::1", "64:ff9b:1::1"}) {
    EXPECT_EQ(sets_of(ip), 0) << ip;
  }
  // Neighbours of the special ranges are public.
  for (const char* ip : {"192.0.1.1", "192.0.3.1", "198.17.255.255", "198.20.0.0", "2001:db9::1"}) {
    EXPECT_EQ(sets_of(ip), kPublic) << ip;
  }
}

TEST(AddressSets, Nat64TakesTheEmbeddedAddressSets) {
  EXPECT_EQ(sets_of("64:ff9b::10.0.0.1"), kPrivate);
  EXPECT_EQ(sets_of("64:ff9b::169.254.169.254"), kLinkLocal | kMetadata);
  EXPECT_EQ(sets_of("64:ff9b::127.0.0.1"), kLoopback);
}

std::string literal(std::string_view name) {
  auto ip = parse_lookup_literal(name);
  return ip ? ip->to_string() : "name";
}

TEST(LookupLiteral, StandardAndBracketed) {
  EXPECT_EQ(literal("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(literal("::1"), "::1");
  EXPECT_EQ(literal("[::1]"), "::1");
  EXPECT_EQ(literal("[fe80::1%2]"), "fe80::1%2");
  EXPECT_EQ(literal("fe80::1%2"), "fe80::1%2");
  EXPECT_EQ(literal("[::ffff:10.0.0.1]"), "10.0.0.1");
  EXPECT_EQ(literal("[10.0.0.1]"), "name");  // brackets are for IPv6
  EXPECT_EQ(literal("[::1"), "name");
  EXPECT_EQ(literal("[]"), "name");
  EXPECT_EQ(literal(""), "name");
}

TEST(LookupLiteral, LegacyIpv4Spellings) {
  EXPECT_EQ(literal("127.1"), "127.0.0.1");
  EXPECT_EQ(literal("127.0.1"), "127.0.0.1");
  EXPECT_EQ(literal("2130706433"), "127.0.0.1");
  EXPECT_EQ(literal("0x7f000001"), "127.0.0.1");
  EXPECT_EQ(literal("0X7F000001"), "127.0.0.1");
  EXPECT_EQ(literal("0177.0.0.1"), "127.0.0.1");
  EXPECT_EQ(literal("0x7f.1"), "127.0.0.1");
  EXPECT_EQ(literal("0"), "0.0.0.0");
  EXPECT_EQ(literal("10.0x10.0300"), "10.16.0.192");
  EXPECT_EQ(literal("169.254.43518"), "169.254.169.254");
  EXPECT_EQ(literal("4294967295"), "255.255.255.255");
  EXPECT_EQ(literal("1.2.3.4"), "1.2.3.4");
}

TEST(LookupLiteral, NotLiterals) {
  for (const char* name : {"example.com", "4294967296", "256.0.0.1", "1.2.3.256", "1.2.65536",
                           "1.16777216", "08", "0x", "0x1g", "1.2.3.4.5", "1..2", ".1", "1.",
                           "127.0.0.1.", "dead.beef", "1e3", "-1", "+1", " 1", "1 ",
                           "0x100000000", "99999999999999999999999"}) {
    EXPECT_EQ(literal(name), "name") << name;
  }
}

}  // namespace
}  // namespace sluice::egress
