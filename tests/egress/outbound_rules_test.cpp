#include "egress/outbound_rules.h"

#include <gtest/gtest.h>

#include "egress/ip_address.h"

namespace sluice::egress {
namespace {

Destination tcp(std::string_view ip, uint16_t port, std::string name = {}) {
  return {Transport::kTcp, *parse_ip_address(ip), port, std::move(name)};
}
Destination udp(std::string_view ip, uint16_t port, std::string name = {}) {
  return {Transport::kUdp, *parse_ip_address(ip), port, std::move(name)};
}

std::string parse_error(std::string_view pattern, RuleDirection dir = RuleDirection::kOutbound) {
  try {
    parse_rule(pattern, dir);
  } catch (const RuleSyntaxError& e) {
    return e.what();
  }
  return "(parsed)";
}

TEST(OutboundRules, ParsesGoodPatterns) {
  auto r = parse_rule("tcp://api.example.com:443");
  EXPECT_EQ(r.transport, Transport::kTcp);
  EXPECT_EQ(r.host, OutboundRule::Host::kName);
  EXPECT_EQ(r.name, "api.example.com");
  EXPECT_EQ(r.port_low, 443);
  EXPECT_EQ(r.port_high, 443);
  EXPECT_EQ(r.text, "tcp://api.example.com:443");

  r = parse_rule("*://*.Example.COM:1000-2000");
  EXPECT_FALSE(r.transport);
  EXPECT_EQ(r.host, OutboundRule::Host::kSubdomains);
  EXPECT_EQ(r.name, ".example.com");
  EXPECT_EQ(r.port_low, 1000);
  EXPECT_EQ(r.port_high, 2000);

  r = parse_rule("udp://10.0.0.0/8:*");
  EXPECT_EQ(r.transport, Transport::kUdp);
  EXPECT_EQ(r.host, OutboundRule::Host::kNetwork);
  EXPECT_EQ(r.prefix_len, 8u);
  EXPECT_EQ(r.port_low, 0);
  EXPECT_EQ(r.port_high, 65535);

  r = parse_rule("tcp://[::1]:8080");
  EXPECT_EQ(r.host, OutboundRule::Host::kNetwork);
  EXPECT_TRUE(r.network.is_v6);
  EXPECT_EQ(r.prefix_len, 128u);

  EXPECT_EQ(parse_rule("tcp://[fd00::]/8:*").prefix_len, 8u);
  EXPECT_EQ(parse_rule("tcp://[fd00::/8]:*").prefix_len, 8u);
  EXPECT_EQ(parse_rule("*://*:*").host, OutboundRule::Host::kAny);
  r = parse_rule("tcp://[::ffff:10.0.0.0]/104:*");  // mapped prefix becomes an IPv4 /8
  EXPECT_FALSE(r.network.is_v6);
  EXPECT_EQ(r.prefix_len, 8u);
}

TEST(OutboundRules, BadPatternsSayWhatIsWrong) {
  struct Case {
    const char* pattern;
    const char* message;
  };
  const Case cases[] = {
      {"example.com:443", "missing scheme"},
      {"http://example.com:80", "unknown scheme 'http'"},
      {"tcp://example.com", "missing port"},
      {"tcp://:80", "missing host"},
      {"tcp://example.com:http", "bad port 'http'"},
      {"tcp://example.com:70000", "bad port '70000'"},
      {"tcp://example.com:2000-1000", "port range '2000-1000' is backwards"},
      {"tcp://::1:80", "IPv6 addresses must be in brackets"},
      {"tcp://[::1:80", "'[' without a closing ']'"},
      {"tcp://[10.0.0.1]:80", "brackets are for IPv6"},
      {"tcp://10.0.0.0/33:*", "bad prefix length '/33'"},
      {"tcp://300.0.0.0/8:*", "'300.0.0.0' is not an IP address"},
      {"tcp://a.*.com:80", "'*' is only allowed"},
      {"tcp://*example.com:80", "'*' is only allowed"},
      {"tcp://exa mple.com:80", "not a valid host name"},
      {"tcp://example.com:80/path", "unexpected path"},
  };
  for (const Case& c : cases) {
    const std::string message = parse_error(c.pattern);
    EXPECT_NE(message.find(std::string("'") + c.pattern + "'"), std::string::npos) << message;
    EXPECT_NE(message.find(c.message), std::string::npos) << c.pattern << " -> " << message;
    EXPECT_EQ(message.rfind("--allow-outbound", 0), 0u) << message;
  }
  EXPECT_NE(parse_error("tcp://localhost:80", RuleDirection::kInbound).find("not a name"), std::string::npos);
  EXPECT_EQ(parse_error("tcp://localhost:80", RuleDirection::kInbound).rfind("--allow-inbound", 0), 0u);
}

TEST(OutboundRules, DefaultDeny) {
  OutboundRules rules;
  Verdict v = rules.decide_connect(tcp("1.2.3.4", 80));
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.rule, "default-deny");
  EXPECT_FALSE(rules.decide_lookup("example.com").allowed);
  EXPECT_FALSE(rules.decide_listen(Transport::kTcp, IpAddress::v4(0, 0, 0, 0), 8080).allowed);
}

TEST(OutboundRules, CidrV4AndV6) {
  OutboundRules rules;
  rules.allow_outbound("tcp://10.0.0.0/8:*");
  rules.allow_outbound("*://[fd00::]/8:443");
  EXPECT_TRUE(rules.decide_connect(tcp("10.255.0.1", 1)).allowed);
  EXPECT_EQ(rules.decide_connect(tcp("10.255.0.1", 1)).rule, "tcp://10.0.0.0/8:*");
  EXPECT_FALSE(rules.decide_connect(tcp("11.0.0.1", 1)).allowed);
  EXPECT_FALSE(rules.decide_connect(udp("10.0.0.1", 53)).allowed);  // scheme is tcp only
  EXPECT_TRUE(rules.decide_connect(udp("fd12:3456::1", 443)).allowed);
  EXPECT_FALSE(rules.decide_connect(tcp("fd12:3456::1", 444)).allowed);
  EXPECT_FALSE(rules.decide_connect(tcp("fe80::1", 443)).allowed);
}

TEST(OutboundRules, MappedIpv6IsNormalised) {
  OutboundRules rules;
  rules.allow_outbound("tcp://127.0.0.1:8080");
  // A socket bound dual-stack may report the peer as ::ffff:127.0.0.1; it is the same host.
  IpAddress mapped;
  mapped.is_v6 = true;
  mapped.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
  EXPECT_TRUE(rules.decide_connect({Transport::kTcp, mapped, 8080, {}}).allowed);
  EXPECT_TRUE(rules.decide_connect(tcp("::ffff:127.0.0.1", 8080)).allowed);
}

TEST(OutboundRules, PortRangesAndWildcards) {
  OutboundRules rules;
  rules.allow_outbound("tcp://127.0.0.1:1000-2000");
  EXPECT_FALSE(rules.decide_connect(tcp("127.0.0.1", 999)).allowed);
  EXPECT_TRUE(rules.decide_connect(tcp("127.0.0.1", 1000)).allowed);
  EXPECT_TRUE(rules.decide_connect(tcp("127.0.0.1", 2000)).allowed);
  EXPECT_FALSE(rules.decide_connect(tcp("127.0.0.1", 2001)).allowed);
}

TEST(OutboundRules, NamesMatchOnlyThroughAttribution) {
  OutboundRules rules;
  rules.allow_outbound("tcp://api.example.com:443");
  rules.allow_outbound("tcp://*.cdn.example:443");
  EXPECT_FALSE(rules.decide_connect(tcp("93.184.216.34", 443)).allowed);  // raw IP, no name
  EXPECT_TRUE(rules.decide_connect(tcp("93.184.216.34", 443, "api.example.com")).allowed);
  EXPECT_TRUE(rules.decide_connect(tcp("93.184.216.34", 443, "API.Example.com.")).allowed);
  EXPECT_FALSE(rules.decide_connect(tcp("93.184.216.34", 80, "api.example.com")).allowed);
  EXPECT_FALSE(rules.decide_connect(tcp("93.184.216.34", 443, "www.example.com")).allowed);
  EXPECT_TRUE(rules.decide_connect(tcp("1.1.1.1", 443, "a.cdn.example")).allowed);
  EXPECT_TRUE(rules.decide_connect(tcp("1.1.1.1", 443, "a.b.cdn.example")).allowed);
  EXPECT_FALSE(rules.decide_connect(tcp("1.1.1.1", 443, "cdn.example")).allowed);  // not the apex
  EXPECT_FALSE(rules.decide_connect(tcp("1.1.1.1", 443, "evilcdn.example")).allowed);
}

TEST(OutboundRules, LookupsOnlyForNamesSomeRuleAllows) {
  OutboundRules rules;
  rules.allow_outbound("tcp://api.example.com:443");
  rules.allow_outbound("udp://*.svc.local:*");
  rules.allow_outbound("tcp://10.0.0.0/8:*");
  EXPECT_TRUE(rules.decide_lookup("api.example.com").allowed);
  EXPECT_TRUE(rules.decide_lookup("dns.svc.local").allowed);
  Verdict v = rules.decide_lookup("exfil-c2VjcmV0.attacker.example");
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.rule, "default-deny");
  EXPECT_EQ(v.reason, kReasonNoNameRule);
  EXPECT_TRUE(rules.decide_lookup("10.1.2.3").allowed);  // literal covered by a CIDR rule
  EXPECT_FALSE(rules.decide_lookup("11.1.2.3").allowed);

  OutboundRules any;
  any.allow_outbound("*://*:*");
  EXPECT_TRUE(any.decide_lookup("anything.example").allowed);
}

TEST(OutboundRules, Inbound) {
  OutboundRules rules;
  rules.allow_inbound("tcp://127.0.0.1:8000-8100");
  rules.allow_inbound("udp://*:5353");
  EXPECT_TRUE(rules.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080).allowed);
  EXPECT_FALSE(rules.decide_listen(Transport::kTcp, IpAddress::v4(0, 0, 0, 0), 8080).allowed);
  EXPECT_TRUE(rules.decide_listen(Transport::kUdp, *parse_ip_address("::"), 5353).allowed);
  EXPECT_FALSE(rules.decide_listen(Transport::kTcp, *parse_ip_address("::"), 5353).allowed);
  // Outbound rules do not open listeners.
  OutboundRules outbound_only;
  outbound_only.allow_outbound("*://*:*");
  EXPECT_FALSE(outbound_only.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 80).allowed);
}

}  // namespace
}  // namespace sluice::egress
