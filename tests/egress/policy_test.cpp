#include "egress/policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

#include "egress/address_sets.h"
#include "egress/ip_address.h"
#include "tests/egress/allocation_counter.h"

namespace sluice::egress {
namespace {

IpAddress ip(const char* text) {
  auto parsed = parse_ip_address(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(IpAddress{});
}

// An IPv6 address exactly as written (parse_ip_address would already turn mapped into IPv4).
IpAddress raw_v6(const char* text, uint32_t scope_id = 0) {
  IpAddress out;
  out.is_v6 = true;
  out.scope_id = scope_id;
  EXPECT_EQ(inet_pton(AF_INET6, text, out.bytes.data()), 1) << text;
  return out;
}

Destination to(IpAddress address, uint16_t port, std::string name = {},
               Transport transport = Transport::kTcp) {
  Destination dest;
  dest.transport = transport;
  dest.ip = address;
  dest.port = port;
  dest.name = std::move(name);
  return dest;
}
Destination to(const char* address, uint16_t port, std::string name = {},
               Transport transport = Transport::kTcp) {
  return to(ip(address), port, std::move(name), transport);
}

class PolicyTest : public ::testing::Test {
 protected:
  const Rule& allow(std::string_view pattern) {
    return policy_.add(pattern, RuleAction::kAllow, Direction::kOutbound, "--allow-outbound");
  }
  const Rule& deny(std::string_view pattern) {
    return policy_.add(pattern, RuleAction::kDeny, Direction::kOutbound, "--deny-outbound");
  }
  const Rule& allow_inbound(std::string_view pattern) {
    return policy_.add(pattern, RuleAction::kAllow, Direction::kInbound, "--allow-inbound");
  }
  bool connects(const Destination& dest) const { return policy_.decide_connect(dest).allowed; }
  bool connects(const char* address, uint16_t port, std::string name = {}) const {
    return connects(to(address, port, std::move(name)));
  }
  bool resolves(std::string_view name) const { return policy_.decide_lookup(name).allowed; }

  Policy policy_;
};

// Expects `pattern` to be refused with a message containing `what`.
void expect_refused(std::string_view pattern, std::string_view what,
                    Direction direction = Direction::kOutbound) {
  try {
    parse_rule(pattern, RuleAction::kAllow, direction, "--allow-outbound");
    ADD_FAILURE() << "accepted: " << pattern;
  } catch (const RuleSyntaxError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(what), std::string::npos) << message;
    EXPECT_NE(message.find("'" + std::string(pattern) + "'"), std::string::npos) << message;
  }
}

// ---- Defaults, precedence, reporting ----------------------------------------------------------

TEST_F(PolicyTest, EmptyPolicyDeniesEverything) {
  const Verdict connect = policy_.decide_connect(to("1.1.1.1", 443));
  EXPECT_FALSE(connect.allowed);
  EXPECT_EQ(connect.reason, Reason::kNoAllowRule);
  EXPECT_EQ(connect.rule, kDefaultDenyRule);
  const Verdict lookup = policy_.decide_lookup("example.com");
  EXPECT_FALSE(lookup.allowed);
  EXPECT_EQ(lookup.reason, Reason::kNoNameRule);
  EXPECT_EQ(lookup.rule, kDefaultDenyRule);
  const Verdict listen = policy_.decide_listen(Transport::kTcp, ip("127.0.0.1"), 8080);
  EXPECT_FALSE(listen.allowed);
  EXPECT_EQ(listen.reason, Reason::kNoInboundRule);
  EXPECT_EQ(listen.rule, kDefaultDenyRule);
  EXPECT_FALSE(policy_.has_inbound_rules());
}

TEST_F(PolicyTest, DenyBeatsAllowWhateverTheOrder) {
  deny("tcp://10.0.0.1:*");
  allow("tcp://10.0.0.0/8:*");
  deny("tcp://10.0.0.2:443");
  const Verdict first = policy_.decide_connect(to("10.0.0.1", 80));
  EXPECT_FALSE(first.allowed);
  EXPECT_EQ(first.reason, Reason::kDeniedByRule);
  EXPECT_EQ(first.rule, "tcp://10.0.0.1:*");
  const Verdict later = policy_.decide_connect(to("10.0.0.2", 443));
  EXPECT_FALSE(later.allowed);
  EXPECT_EQ(later.rule, "tcp://10.0.0.2:443");
  EXPECT_TRUE(connects("10.0.0.2", 444));
  EXPECT_TRUE(connects("10.0.0.3", 443));
}

TEST_F(PolicyTest, FirstMatchingRuleByOrderIsReported) {
  allow("tcp://*:*");
  allow("tcp://10.0.0.0/8:*");
  allow("tcp://api.example.com:443");
  deny("tcp://10.0.0.0/24:*");
  deny("tcp://10.0.0.5:*");
  const Verdict allowed = policy_.decide_connect(to("10.1.0.1", 443, "api.example.com"));
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.reason, Reason::kAllowedByRule);
  EXPECT_EQ(allowed.rule, "tcp://*:*");
  EXPECT_EQ(policy_.decide_connect(to("10.0.0.5", 1)).rule, "tcp://10.0.0.0/24:*");
}

TEST_F(PolicyTest, VerdictRulePointsIntoThePolicy) {
  const Rule& rule = allow("tcp://10.0.0.0/8:*");
  EXPECT_EQ(rule.order, 0u);
  EXPECT_EQ(rule.origin, "--allow-outbound");
  EXPECT_EQ(rule.action, RuleAction::kAllow);
  const Verdict verdict = policy_.decide_connect(to("10.0.0.1", 1));
  EXPECT_EQ(verdict.rule.data(), rule.text.data());
  EXPECT_EQ(deny("tcp://1.1.1.1:*").order, 1u);
  EXPECT_EQ(policy_.rules().size(), 2u);
}

TEST_F(PolicyTest, MovedPolicyKeepsItsRules) {
  allow("tcp://api.example.com:443");
  const std::string_view text = policy_.rules().front().text;
  Policy moved = std::move(policy_);
  const Verdict verdict = moved.decide_connect(to("1.2.3.4", 443, "api.example.com"));
  EXPECT_TRUE(verdict.allowed);
  EXPECT_EQ(verdict.rule.data(), text.data());
  moved.add("tcp://b.example.com:443", RuleAction::kAllow, Direction::kOutbound, "x");
  EXPECT_TRUE(moved.decide_lookup("b.example.com").allowed);
}

TEST_F(PolicyTest, TransportsAreDistinct) {
  allow("udp://10.0.0.53:53");
  EXPECT_TRUE(connects(to("10.0.0.53", 53, {}, Transport::kUdp)));
  EXPECT_FALSE(connects(to("10.0.0.53", 53, {}, Transport::kTcp)));
  allow("*://10.0.0.54:53");
  EXPECT_TRUE(connects(to("10.0.0.54", 53, {}, Transport::kTcp)));
  EXPECT_TRUE(connects(to("10.0.0.54", 53, {}, Transport::kUdp)));
}

// ---- Addresses: canonical forms ---------------------------------------------------------------

TEST_F(PolicyTest, MappedAndCompatibleIpv6MatchIpv4Rules) {
  allow("tcp://10.0.0.0/8:*");
  EXPECT_TRUE(connects(to(raw_v6("::ffff:10.1.2.3"), 80)));
  EXPECT_TRUE(connects(to(raw_v6("::10.1.2.3"), 80)));
  EXPECT_FALSE(connects(to(raw_v6("::ffff:11.1.2.3"), 80)));
  deny("tcp://10.9.9.9:*");
  EXPECT_FALSE(connects(to(raw_v6("::ffff:10.9.9.9"), 80)));
  EXPECT_FALSE(connects(to(raw_v6("::10.9.9.9"), 80)));
}

TEST_F(PolicyTest, MappedAndCompatibleRulesMatchIpv4Destinations) {
  allow("tcp://[::ffff:192.168.0.0]/112:*");
  allow("tcp://[::ffff:172.16.0.1]:*");
  allow("tcp://[::172.16.0.2]:*");
  EXPECT_EQ(policy_.rules()[0].prefix_len, 16u);
  EXPECT_FALSE(policy_.rules()[0].network.is_v6);
  EXPECT_TRUE(connects("192.168.44.1", 80));
  EXPECT_TRUE(connects(to(raw_v6("::ffff:192.168.44.1"), 80)));
  EXPECT_TRUE(connects("172.16.0.1", 80));
  EXPECT_TRUE(connects("172.16.0.2", 80));
  EXPECT_EQ(policy_.rules()[2].prefix_len, 32u);
  EXPECT_FALSE(connects("172.16.0.3", 80));
}

TEST_F(PolicyTest, UnspecifiedAddressesAreLoopback) {
  allow("tcp://*:*");
  deny("tcp://loopback:*");
  EXPECT_FALSE(connects("0.0.0.0", 80));
  EXPECT_FALSE(connects(to(raw_v6("::"), 80)));
  EXPECT_FALSE(connects(to(raw_v6("::ffff:0.0.0.0"), 80)));
  // A tcp-only deny judges connects; the lookup of "0" (0.0.0.0) stays allowed by "*".
  EXPECT_TRUE(resolves("0"));
}

TEST_F(PolicyTest, UnspecifiedAddressesMatchLoopbackAddressRules) {
  allow("tcp://127.0.0.1:8080");
  allow("tcp://[::1]:8081");
  EXPECT_TRUE(connects("0.0.0.0", 8080));
  EXPECT_TRUE(connects(to(raw_v6("::"), 8081)));
  // A rule written with the unspecified address means what a connect to it reaches.
  Policy other;
  other.add("tcp://0.0.0.0:9000", RuleAction::kDeny, Direction::kOutbound, "t");
  other.add("tcp://*:*", RuleAction::kAllow, Direction::kOutbound, "t");
  EXPECT_FALSE(other.decide_connect(to("127.0.0.1", 9000)).allowed);
  EXPECT_TRUE(other.decide_connect(to("127.0.0.2", 9000)).allowed);
}

TEST_F(PolicyTest, Every127AddressIsLoopback) {
  allow("tcp://*:*");
  deny("*://loopback:*");
  for (const char* address : {"127.0.0.1", "127.0.0.0", "127.1.2.3", "127.255.255.255", "::1"}) {
    EXPECT_FALSE(connects(address, 80)) << address;
  }
  EXPECT_TRUE(connects("128.0.0.1", 80));
}

TEST_F(PolicyTest, ZoneIdsAreIgnored) {
  allow("tcp://[fe80::1]:22");
  allow("tcp://[fe80::2%3]:22");
  EXPECT_TRUE(connects(to(raw_v6("fe80::1", 7), 22)));
  EXPECT_TRUE(connects(to(raw_v6("fe80::2", 5), 22)));
  EXPECT_TRUE(connects(to(raw_v6("fe80::2"), 22)));
  EXPECT_EQ(policy_.rules()[1].network.scope_id, 0u);
}

TEST_F(PolicyTest, Nat64AddressesOfPrivateIpv4AreDeniedBySetRules) {
  allow("tcp://*:*");
  deny("*://private:*");
  EXPECT_FALSE(connects("64:ff9b::10.0.0.1", 80));
  EXPECT_TRUE(connects("64:ff9b::8.8.8.8", 80));
}

// ---- CIDRs and ports -------------------------------------------------------------------------

TEST_F(PolicyTest, CidrEdgePrefixes) {
  allow("tcp://0.0.0.0/0:1");
  allow("tcp://192.0.2.7/32:2");
  allow("tcp://[::]/0:3");
  allow("tcp://[2001:db8::7]/128:4");
  allow("tcp://[2001:db8::/32]:5");
  EXPECT_TRUE(connects("8.8.8.8", 1));
  EXPECT_TRUE(connects("255.255.255.255", 1));
  EXPECT_FALSE(connects("2001:db8::1", 1));  // /0 of IPv4 is not IPv6
  EXPECT_TRUE(connects("192.0.2.7", 2));
  EXPECT_FALSE(connects("192.0.2.8", 2));
  EXPECT_TRUE(connects("2001:db8::1", 3));
  EXPECT_FALSE(connects("8.8.8.8", 3));  // [::]/0 is IPv6 only
  EXPECT_TRUE(connects("2001:db8::7", 4));
  EXPECT_FALSE(connects("2001:db8::8", 4));
  EXPECT_TRUE(connects("2001:db8:ffff::1", 5));
  EXPECT_FALSE(connects("2001:db9::1", 5));
}

TEST_F(PolicyTest, CidrHostBitsAreRefused) {
  expect_refused("tcp://10.0.0.1/8:*", "has bits set past the prefix (did you mean 10.0.0.0/8?)");
  expect_refused("tcp://[2001:db8::1]/32:*", "did you mean 2001:db8::/32?");
  expect_refused("tcp://[::ffff:10.0.0.1]/104:*", "did you mean 10.0.0.0/8?");
  EXPECT_NO_THROW(parse_rule("tcp://10.0.0.0/8:*", RuleAction::kAllow, Direction::kOutbound, ""));
  EXPECT_NO_THROW(parse_rule("tcp://10.0.0.1/32:*", RuleAction::kAllow, Direction::kOutbound, ""));
}

TEST_F(PolicyTest, PortRanges) {
  allow("tcp://10.0.0.1:8000-8100");
  allow("tcp://10.0.0.2:443");
  allow("tcp://10.0.0.3:*");
  allow("tcp://10.0.0.4:0-65535");
  EXPECT_FALSE(connects("10.0.0.1", 7999));
  EXPECT_TRUE(connects("10.0.0.1", 8000));
  EXPECT_TRUE(connects("10.0.0.1", 8100));
  EXPECT_FALSE(connects("10.0.0.1", 8101));
  EXPECT_TRUE(connects("10.0.0.2", 443));
  EXPECT_FALSE(connects("10.0.0.2", 444));
  EXPECT_TRUE(connects("10.0.0.3", 0));
  EXPECT_TRUE(connects("10.0.0.3", 65535));
  EXPECT_TRUE(connects("10.0.0.4", 65535));
  const Rule& rule = policy_.rules()[0];
  EXPECT_EQ(rule.port_low, 8000);
  EXPECT_EQ(rule.port_high, 8100);
}

// ---- Names ---------------------------------------------------------------------------------------

TEST_F(PolicyTest, NameRulesMatchOnlyThroughAttribution) {
  allow("tcp://api.example.com:443");
  EXPECT_TRUE(connects("93.184.216.34", 443, "api.example.com"));
  EXPECT_FALSE(connects("93.184.216.34", 443));  // the same IP, no name: no name rule applies
  EXPECT_FALSE(connects("93.184.216.34", 443, "other.example.com"));
  EXPECT_FALSE(connects("93.184.216.34", 80, "api.example.com"));
}

TEST_F(PolicyTest, SubdomainRulesExcludeTheApexAndLookalikes) {
  allow("tcp://*.example.com:443");
  EXPECT_TRUE(connects("1.2.3.4", 443, "a.example.com"));
  EXPECT_TRUE(connects("1.2.3.4", 443, "a.b.example.com"));
  EXPECT_FALSE(connects("1.2.3.4", 443, "example.com"));
  EXPECT_FALSE(connects("1.2.3.4", 443, "badexample.com"));
  EXPECT_FALSE(connects("1.2.3.4", 443, "example.com.evil.net"));
  EXPECT_TRUE(resolves("a.example.com"));
  EXPECT_TRUE(resolves("x.y.z.example.com"));
  EXPECT_FALSE(resolves("example.com"));
  EXPECT_FALSE(resolves("badexample.com"));
  EXPECT_FALSE(resolves(".example.com"));
}

TEST_F(PolicyTest, NamesIgnoreCaseAndTheRootDot) {
  const Rule& rule = allow("tcp://API.Example.COM.:443");
  EXPECT_EQ(rule.name, "api.example.com");
  EXPECT_EQ(rule.text, "tcp://API.Example.COM.:443");  // the id stays as written
  EXPECT_EQ(allow("tcp://*.Svc.Example.:*").name, ".svc.example");
  EXPECT_TRUE(resolves("api.example.com"));
  EXPECT_TRUE(resolves("API.EXAMPLE.COM."));
  EXPECT_TRUE(resolves("Db.SVC.example"));
  EXPECT_TRUE(connects("1.2.3.4", 443, "api.example.com"));
  EXPECT_EQ(normalized_name("WWW.Example.Com."), "www.example.com");
  EXPECT_EQ(normalized_name("a"), "a");
  EXPECT_EQ(normalized_name("."), "");
}

TEST_F(PolicyTest, NamedSetKeywordsAndLiteralNames) {
  const Rule& set = allow("tcp://private:*");
  EXPECT_EQ(set.host, Rule::Host::kSet);
  EXPECT_EQ(set.set, AddressSet::kPrivate);
  EXPECT_EQ(allow("tcp://Link-Local:*").set, AddressSet::kLinkLocal);
  const Rule& literal = allow("tcp://private.:443");
  EXPECT_EQ(literal.host, Rule::Host::kName);
  EXPECT_EQ(literal.name, "private");
  EXPECT_TRUE(resolves("private"));
  EXPECT_TRUE(connects("8.8.8.8", 443, "private"));
  EXPECT_TRUE(connects("10.0.0.1", 22));
  EXPECT_EQ(std::string(to_string(AddressSet::kPrivate)), "private");
  EXPECT_EQ(std::string(to_string(AddressSet::kLoopback)), "loopback");
  EXPECT_EQ(std::string(to_string(AddressSet::kLinkLocal)), "link-local");
  EXPECT_EQ(std::string(to_string(AddressSet::kMetadata)), "metadata");
  EXPECT_EQ(std::string(to_string(AddressSet::kPublic)), "public");
}

// ---- Sets ---------------------------------------------------------------------------------------

TEST_F(PolicyTest, PublicIsNeitherPrivateNorSpecial) {
  allow("tcp://public:443");
  EXPECT_TRUE(connects("8.8.8.8", 443));
  EXPECT_TRUE(connects("2606:4700::1111", 443));
  EXPECT_TRUE(connects(to(raw_v6("::ffff:8.8.8.8"), 443)));
  for (const char* address : {"10.0.0.1", "192.168.1.1", "172.16.0.1", "100.64.0.1", "127.0.0.1",
                              "169.254.169.254", "169.254.1.1", "fd00::1", "fe80::1", "::1",
                              "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1",
                              "2001:db8::1", "ff02::1"}) {
    EXPECT_FALSE(connects(address, 443)) << address;
  }
}

TEST_F(PolicyTest, MetadataDenyCarvesOutOfLinkLocal) {
  allow("tcp://link-local:*");
  allow("tcp://private:*");
  deny("*://metadata:*");
  EXPECT_TRUE(connects("169.254.1.1", 80));
  const Verdict metadata = policy_.decide_connect(to("169.254.169.254", 80));
  EXPECT_FALSE(metadata.allowed);
  EXPECT_EQ(metadata.rule, "*://metadata:*");
  EXPECT_FALSE(connects("fd00:ec2::254", 80));
  EXPECT_TRUE(connects("fd00:ec2::253", 80));
  EXPECT_FALSE(connects(to(raw_v6("::ffff:169.254.169.254"), 80)));
  EXPECT_FALSE(resolves("169.254.169.254"));
  EXPECT_FALSE(resolves("169.254.43518"));  // a legacy spelling of the same address
}

TEST_F(PolicyTest, RebindingToAPrivateAddressIsDenied) {
  allow("tcp://api.example.com:443");
  deny("*://private:*");
  EXPECT_TRUE(resolves("api.example.com"));  // a set deny does not judge names
  EXPECT_TRUE(connects("93.184.216.34", 443, "api.example.com"));
  const Verdict rebound = policy_.decide_connect(to("10.0.0.1", 443, "api.example.com"));
  EXPECT_FALSE(rebound.allowed);
  EXPECT_EQ(rebound.reason, Reason::kDeniedByRule);
  EXPECT_EQ(rebound.rule, "*://private:*");
  EXPECT_FALSE(connects(to(raw_v6("::ffff:192.168.0.1"), 443, "api.example.com")));
}

// ---- Lookups -------------------------------------------------------------------------------------

TEST_F(PolicyTest, LookupOfANameNeedsARuleNamingIt) {
  allow("tcp://api.example.com:443");
  allow("udp://*.internal:53");
  allow("tcp://10.0.0.0/8:*");
  allow("tcp://public:*");  // sets judge addresses, not names
  const Verdict verdict = policy_.decide_lookup("api.example.com");
  EXPECT_TRUE(verdict.allowed);
  EXPECT_EQ(verdict.reason, Reason::kAllowedByRule);
  EXPECT_EQ(verdict.rule, "tcp://api.example.com:443");
  EXPECT_TRUE(resolves("db.internal"));
  const Verdict other = policy_.decide_lookup("other.example.com");
  EXPECT_FALSE(other.allowed);
  EXPECT_EQ(other.reason, Reason::kNoNameRule);
  EXPECT_EQ(other.rule, kDefaultDenyRule);
  EXPECT_FALSE(resolves(""));
  EXPECT_FALSE(resolves("."));
}

TEST_F(PolicyTest, AnyHostAllowsEveryLookup) {
  allow("tcp://*:443");
  EXPECT_TRUE(resolves("anything.example"));
  EXPECT_TRUE(resolves("10.0.0.1"));
}

TEST_F(PolicyTest, OnlyBlanketDeniesDenyLookups) {
  allow("*://*.example.com:*");
  deny("tcp://evil.example.com:443");   // other ports of evil.example.com stay allowed
  deny("udp://evil.example.com:*");     // one transport only
  deny("*://worse.example.com:*");      // every connect: the lookup is pointless and denied
  deny("*://*.bad.example.com:*");
  EXPECT_TRUE(resolves("evil.example.com"));
  EXPECT_FALSE(connects("1.2.3.4", 443, "evil.example.com"));
  EXPECT_TRUE(connects("1.2.3.4", 8443, "evil.example.com"));
  const Verdict worse = policy_.decide_lookup("worse.example.com");
  EXPECT_FALSE(worse.allowed);
  EXPECT_EQ(worse.reason, Reason::kDeniedByRule);
  EXPECT_EQ(worse.rule, "*://worse.example.com:*");
  EXPECT_FALSE(resolves("x.bad.example.com"));
  EXPECT_TRUE(resolves("bad.example.com"));
}

TEST_F(PolicyTest, DenyEverythingDeniesEveryLookup) {
  allow("tcp://api.example.com:443");
  allow("tcp://10.0.0.0/8:*");
  deny("*://*:*");
  EXPECT_FALSE(resolves("api.example.com"));
  EXPECT_FALSE(resolves("10.0.0.1"));
  EXPECT_EQ(policy_.decide_lookup("api.example.com").rule, "*://*:*");
}

TEST_F(PolicyTest, LookupOfAnIpLiteralIsJudgedAsTheAddress) {
  allow("tcp://10.0.0.0/8:443");
  allow("tcp://[fd00::]/8:443");
  deny("tcp://10.6.6.6:443");    // a port-narrowed deny leaves the lookup alone
  deny("*://10.6.6.7:*");
  EXPECT_TRUE(resolves("10.1.2.3"));
  EXPECT_TRUE(resolves("10.6.6.6"));
  EXPECT_FALSE(resolves("10.6.6.7"));
  EXPECT_TRUE(resolves("fd00::1"));
  EXPECT_TRUE(resolves("[fd00::1]"));
  EXPECT_TRUE(resolves("::ffff:10.0.0.1"));
  const Verdict outside = policy_.decide_lookup("11.0.0.1");
  EXPECT_FALSE(outside.allowed);
  EXPECT_EQ(outside.reason, Reason::kNoNameRule);
}

TEST_F(PolicyTest, LegacyIpv4LookupSpellingsAreAddresses) {
  allow("tcp://127.0.0.1:8080");
  for (const char* name : {"127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0177.0.0.1",
                           "0x7f.1", "0", "[::ffff:127.0.0.1]"}) {
    EXPECT_TRUE(resolves(name)) << name;
  }
  EXPECT_FALSE(resolves("localhost"));  // a name, and no rule names it
  EXPECT_FALSE(resolves("127.0.0.2"));

  Policy strict;
  strict.add("*://*:443", RuleAction::kAllow, Direction::kOutbound, "t");
  strict.add("*://loopback:*", RuleAction::kDeny, Direction::kOutbound, "t");
  for (const char* name : {"127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1", "0", "[::1]", "::"}) {
    const Verdict verdict = strict.decide_lookup(name);
    EXPECT_FALSE(verdict.allowed) << name;
    EXPECT_EQ(verdict.reason, Reason::kDeniedByRule) << name;
  }
  EXPECT_TRUE(strict.decide_lookup("example.com").allowed);
}

TEST_F(PolicyTest, DnsGuardsComeFirst) {
  allow("*://*:*");
  const std::string label63(63, 'a');
  const std::string label64(64, 'a');
  EXPECT_TRUE(resolves(label63 + ".example.com"));
  const Verdict label = policy_.decide_lookup(label64 + ".example.com");
  EXPECT_FALSE(label.allowed);
  EXPECT_EQ(label.reason, Reason::kLabelTooLong);
  EXPECT_EQ(label.rule, kLimitMaxDnsLabelLength);

  std::string name;
  while (name.size() < 253) name += "abcdefghi.";
  name.resize(253);
  EXPECT_TRUE(resolves(name));
  EXPECT_TRUE(resolves(name + "."));  // the root dot does not count
  const Verdict long_name = policy_.decide_lookup(name + "x");
  EXPECT_FALSE(long_name.allowed);
  EXPECT_EQ(long_name.reason, Reason::kNameTooLong);
  EXPECT_EQ(long_name.rule, kLimitMaxDnsNameLength);
  // Both too long: the name guard answers.
  EXPECT_EQ(policy_.decide_lookup(std::string(300, 'a')).reason, Reason::kNameTooLong);

  policy_.limits().max_dns_label_length = 10;
  policy_.limits().max_dns_name_length = 30;
  EXPECT_TRUE(resolves("abcdefghij.example.com"));
  EXPECT_EQ(policy_.decide_lookup("abcdefghijk.example.com").reason, Reason::kLabelTooLong);
  EXPECT_EQ(policy_.decide_lookup("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p").reason, Reason::kNameTooLong);
}

// ---- Listening -----------------------------------------------------------------------------------

TEST_F(PolicyTest, InboundRules) {
  allow("tcp://*:*");  // outbound rules never allow listening
  EXPECT_FALSE(policy_.decide_listen(Transport::kTcp, ip("127.0.0.1"), 8080).allowed);
  allow_inbound("tcp://127.0.0.1:8080");
  allow_inbound("udp://0.0.0.0:5353");
  allow_inbound("tcp://loopback:9000-9100");
  EXPECT_TRUE(policy_.has_inbound_rules());
  const Verdict allowed = policy_.decide_listen(Transport::kTcp, ip("127.0.0.1"), 8080);
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.reason, Reason::kInboundAllowed);
  EXPECT_EQ(allowed.rule, "tcp://127.0.0.1:8080");
  // Binding every interface is not binding loopback.
  const Verdict any = policy_.decide_listen(Transport::kTcp, ip("0.0.0.0"), 8080);
  EXPECT_FALSE(any.allowed);
  EXPECT_EQ(any.reason, Reason::kNoInboundRule);
  EXPECT_FALSE(policy_.decide_listen(Transport::kTcp, raw_v6("::"), 9000).allowed);
  EXPECT_TRUE(policy_.decide_listen(Transport::kUdp, ip("0.0.0.0"), 5353).allowed);
  EXPECT_TRUE(policy_.decide_listen(Transport::kUdp, raw_v6("::ffff:0.0.0.0"), 5353).allowed);
  EXPECT_FALSE(policy_.decide_listen(Transport::kUdp, ip("127.0.0.1"), 5353).allowed);
  EXPECT_TRUE(policy_.decide_listen(Transport::kTcp, ip("127.0.0.5"), 9050).allowed);
  EXPECT_TRUE(policy_.decide_listen(Transport::kTcp, raw_v6("::1"), 9050).allowed);
  // Inbound rules never allow connects.
  Policy only_inbound;
  only_inbound.add("tcp://*:*", RuleAction::kAllow, Direction::kInbound, "t");
  EXPECT_FALSE(only_inbound.decide_connect(to("1.1.1.1", 80)).allowed);
  EXPECT_FALSE(only_inbound.decide_lookup("example.com").allowed);
}

TEST_F(PolicyTest, InboundRulesRefuseNames) {
  expect_refused("tcp://localhost:8080", "inbound patterns take a local address, a CIDR, a named set or *",
                 Direction::kInbound);
  expect_refused("tcp://*.example.com:8080", "not a name", Direction::kInbound);
  EXPECT_NO_THROW(parse_rule("tcp://[::]:8080", RuleAction::kAllow, Direction::kInbound, "x"));
  EXPECT_NO_THROW(parse_rule("tcp://private:*", RuleAction::kAllow, Direction::kInbound, "x"));
  EXPECT_NO_THROW(parse_rule("*://*:*", RuleAction::kAllow, Direction::kInbound, "x"));
}

// ---- Syntax errors -------------------------------------------------------------------------------

TEST(RuleSyntax, ErrorsNameTheOriginThePatternAndTheProblem) {
  try {
    parse_rule("tcp://x", RuleAction::kDeny, Direction::kOutbound, "--deny-outbound");
    FAIL() << "accepted";
  } catch (const RuleSyntaxError& e) {
    EXPECT_STREQ(e.what(),
                 "--deny-outbound 'tcp://x': missing port (end the pattern with :PORT, :LOW-HIGH or :*)");
  }
  try {
    parse_rule("tcp://x:1:2", RuleAction::kAllow, Direction::kOutbound, "policy.toml:12:5");
    FAIL() << "accepted";
  } catch (const RuleSyntaxError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("policy.toml:12:5 'tcp://x:1:2': ", 0), 0u) << e.what();
  }
}

TEST(RuleSyntax, BadPatterns) {
  expect_refused("", "missing scheme");
  expect_refused("example.com:443", "missing scheme");
  expect_refused("http://example.com:80", "unknown scheme 'http' (expected tcp, udp or *)");
  expect_refused("TCP://example.com:80", "unknown scheme 'TCP'");
  expect_refused("tcp://example.com", "missing port");
  expect_refused("tcp://[::1]", "missing port");
  expect_refused("tcp://:80", "missing host");
  expect_refused("tcp://example.com:", "bad port ''");
  expect_refused("tcp://example.com:65536", "bad port '65536'");
  expect_refused("tcp://example.com:http", "bad port 'http'");
  expect_refused("tcp://example.com:-1", "bad port '-1'");
  expect_refused("tcp://example.com:80-", "bad port '80-'");
  expect_refused("tcp://example.com:90-80", "port range '90-80' is backwards");
  expect_refused("tcp://example.com:80/path", "unexpected path after the port");
  expect_refused("tcp://::1:80", "IPv6 addresses must be in brackets");
  expect_refused("tcp://[::1:80", "'[' without a closing ']'");
  expect_refused("tcp://[10.0.0.1]:80", "brackets are for IPv6 addresses");
  expect_refused("tcp://[::1]x:80", "unexpected 'x' after ']'");
  expect_refused("tcp://[::1/64]/64:80", "unexpected '/64' after ']'");
  expect_refused("tcp://[::zz]:80", "'::zz' is not an IP address");
  expect_refused("tcp://300.1.1.1/8:80", "'300.1.1.1' is not an IP address");
  expect_refused("tcp://10.0.0.0/33:80", "bad prefix length '/33' (expected 0-32)");
  expect_refused("tcp://10.0.0.0/:80", "bad prefix length '/'");
  expect_refused("tcp://[::]/129:80", "bad prefix length '/129' (expected 0-128)");
  expect_refused("tcp://[::ffff:10.0.0.0]/95:80", "an IPv4-mapped prefix must be at least /96");
  expect_refused("tcp://[::]/96:80", "is an IPv4-compatible range; write the IPv4 network instead");
  expect_refused("tcp://a.*.example.com:80", "'*' is only allowed as the whole host or as a leading '*.' label");
  expect_refused("tcp://*example.com:80", "'*' is only allowed");
  expect_refused("tcp://*.*.example.com:80", "'*' is only allowed");
  expect_refused("tcp://exa mple.com:80", "not a valid host name");
  expect_refused("tcp://a..b:80", "not a valid host name");
  expect_refused("tcp://.example.com:80", "not a valid host name");
  expect_refused("tcp://*.:80", "not a valid host name");
  expect_refused("tcp://.:80", "not a valid host name");
  expect_refused("tcp://example.com..:80", "not a valid host name");
  expect_refused("tcp://" + std::string(64, 'a') + ".com:80", "not a valid host name");
  expect_refused("tcp://127.1:80", "'127.1' is a legacy spelling of the IPv4 address 127.0.0.1");
  expect_refused("tcp://2130706433:80", "legacy spelling");
  expect_refused("tcp://0x7f.1:80", "legacy spelling");
}

TEST(RuleSyntax, GoodPatterns) {
  auto parse = [](std::string_view pattern) {
    return parse_rule(pattern, RuleAction::kAllow, Direction::kOutbound, "t");
  };
  EXPECT_EQ(parse("*://*:*").host, Rule::Host::kAny);
  EXPECT_FALSE(parse("*://*:*").transport.has_value());
  EXPECT_EQ(parse("udp://*:53").transport, Transport::kUdp);
  EXPECT_EQ(parse("tcp://[::1]:80").network.to_string(), "::1");
  EXPECT_EQ(parse("tcp://[fd00::]/8:80").prefix_len, 8u);
  EXPECT_EQ(parse("tcp://[fd00::/8]:80").prefix_len, 8u);
  EXPECT_EQ(parse("tcp://_srv.example.com:80").name, "_srv.example.com");
  EXPECT_EQ(parse("tcp://localhost:80").host, Rule::Host::kName);
  EXPECT_EQ(parse("tcp://1.2.3.4.example:80").host, Rule::Host::kName);
  EXPECT_EQ(parse("tcp://*.example.com:80").name, ".example.com");
  EXPECT_EQ(parse("tcp://metadata:*").set, AddressSet::kMetadata);
  EXPECT_EQ(parse("tcp://public:*").set, AddressSet::kPublic);
  EXPECT_EQ(parse("tcp://loopback:*").set, AddressSet::kLoopback);
  EXPECT_EQ(parse("tcp://" + std::string(63, 'a') + ".com:80").host, Rule::Host::kName);
}

// ---- Cost ------------------------------------------------------------------------------------------

TEST_F(PolicyTest, DecideConnectNeverAllocates) {
  allow("tcp://api.example.com:443");
  allow("tcp://*.example.com:8443");
  allow("tcp://10.0.0.0/8:*");
  allow("tcp://[2001:db8::1]:*");
  deny("*://metadata:*");
  deny("tcp://*.evil.example.com:*");
  allow("udp://*:53");
  const Destination cases[] = {
      to("10.1.1.1", 80),
      to("169.254.169.254", 80),
      to("1.2.3.4", 443, "api.example.com"),
      to("1.2.3.4", 8443, "a.very.long.subdomain.name.that.defeats.small.string.optimisation.example.com"),
      to("1.2.3.4", 8443, "x.evil.example.com"),
      to(raw_v6("::ffff:10.0.0.1", 3), 1),
      to(raw_v6("::"), 1),
      to("2001:db8::1", 1),
      to("8.8.8.8", 53, {}, Transport::kUdp),
      to("8.8.8.8", 54, "nothing.matches.here"),
  };
  sluice::testing::start_counting_allocations();
  int allowed = 0;
  for (const Destination& dest : cases) allowed += policy_.decide_connect(dest).allowed ? 1 : 0;
  const int allocations = sluice::testing::stop_counting_allocations();
  EXPECT_EQ(allocations, 0);
  EXPECT_EQ(allowed, 6);
}

}  // namespace
}  // namespace sluice::egress
