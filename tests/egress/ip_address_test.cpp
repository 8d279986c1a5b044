#include "egress/ip_address.h"

#include <gtest/gtest.h>

namespace sluice::egress {
namespace {

TEST(IpAddress, ParsesV4AndV6) {
  auto v4 = parse_ip_address("127.0.0.1");
  ASSERT_TRUE(v4);
  EXPECT_FALSE(v4->is_v6);
  EXPECT_EQ(*v4, IpAddress::v4(127, 0, 0, 1));
  EXPECT_EQ(v4->to_string(), "127.0.0.1");

  auto v6 = parse_ip_address("::1");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->is_v6);
  EXPECT_EQ(v6->bytes[15], 1);
  EXPECT_EQ(v6->to_string(), "::1");
  EXPECT_EQ(parse_ip_address("2001:DB8:0:0:0:0:0:1")->to_string(), "2001:db8::1");
}

TEST(IpAddress, NormalisesV4MappedV6) {
  auto mapped = parse_ip_address("::ffff:10.1.2.3");
  ASSERT_TRUE(mapped);
  EXPECT_FALSE(mapped->is_v6);
  EXPECT_EQ(*mapped, IpAddress::v4(10, 1, 2, 3));

  std::array<uint8_t, 16> bytes{};
  bytes[10] = bytes[11] = 0xff;
  bytes[12] = 192;
  bytes[13] = 168;
  bytes[15] = 7;
  EXPECT_EQ(ipv6_address(bytes), IpAddress::v4(192, 168, 0, 7));
  IpAddress raw;
  raw.is_v6 = true;
  raw.bytes = bytes;
  EXPECT_EQ(normalized(raw), IpAddress::v4(192, 168, 0, 7));
}

TEST(IpAddress, ZoneIsKeptButNotIdentity) {
  auto zoned = parse_ip_address("fe80::1%3");
  ASSERT_TRUE(zoned);
  EXPECT_EQ(zoned->scope_id, 3u);
  EXPECT_EQ(zoned->to_string(), "fe80::1%3");
  EXPECT_EQ(*zoned, *parse_ip_address("fe80::1"));
  EXPECT_FALSE(parse_ip_address("fe80::1%eth0"));
}

TEST(IpAddress, RejectsNonLiterals) {
  for (const char* text : {"", "localhost", "1.2.3", "256.1.1.1", "[::1]", "1.2.3.4:80", "::g"}) {
    EXPECT_FALSE(parse_ip_address(text)) << text;
  }
}

TEST(IpAddress, PrefixMatching) {
  const auto net = *parse_ip_address("10.0.0.0");
  EXPECT_TRUE(in_prefix(IpAddress::v4(10, 200, 1, 1), net, 8));
  EXPECT_FALSE(in_prefix(IpAddress::v4(11, 0, 0, 1), net, 8));
  EXPECT_TRUE(in_prefix(IpAddress::v4(172, 17, 0, 1), *parse_ip_address("172.16.0.0"), 12));
  EXPECT_FALSE(in_prefix(IpAddress::v4(172, 32, 0, 1), *parse_ip_address("172.16.0.0"), 12));
  EXPECT_TRUE(in_prefix(*parse_ip_address("fd12::5"), *parse_ip_address("fd00::"), 8));
  EXPECT_FALSE(in_prefix(*parse_ip_address("fe00::5"), *parse_ip_address("fd00::"), 8));
  EXPECT_FALSE(in_prefix(*parse_ip_address("::1"), IpAddress::v4(0, 0, 0, 0), 0));  // family differs
  EXPECT_TRUE(in_prefix(IpAddress::v4(8, 8, 8, 8), IpAddress::v4(0, 0, 0, 0), 0));
}

}  // namespace
}  // namespace sluice::egress
