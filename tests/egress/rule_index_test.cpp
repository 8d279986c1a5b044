#include "egress/rule_index.h"

#include <gtest/gtest.h>

#include <deque>

#include "egress/address_sets.h"
#include "egress/ip_address.h"

namespace sluice::egress {
namespace {

// Rules live in a deque, as in Policy, so the index's pointers stay valid.
class RuleIndexTest : public ::testing::Test {
 protected:
  const Rule& add(std::string_view pattern, RuleAction action = RuleAction::kAllow) {
    Rule rule = parse_rule(pattern, action, Direction::kOutbound, "test");
    rule.order = static_cast<uint32_t>(rules_.size());
    rules_.push_back(std::move(rule));
    index_.add(rules_.back());
    return rules_.back();
  }
  const Rule& deny(std::string_view pattern) { return add(pattern, RuleAction::kDeny); }

  RuleMatch match(const char* ip, uint16_t port = 443, std::string_view name = {},
                  Transport transport = Transport::kTcp) {
    const IpAddress canonical = canonical_address(*parse_ip_address(ip));
    return index_.match(transport, port, canonical, address_sets_of(canonical), name);
  }

  std::deque<Rule> rules_;
  RuleIndex index_;
};

TEST_F(RuleIndexTest, EveryCoveringPrefixIsACandidate) {
  const Rule& wide = add("tcp://10.0.0.0/8:*");
  const Rule& narrow = add("tcp://10.1.0.0/16:*");
  const Rule& host = add("tcp://10.1.2.3:*");
  EXPECT_EQ(match("10.1.2.3").allow, &wide);  // the first by order, not the longest prefix
  EXPECT_EQ(match("10.9.9.9").allow, &wide);
  EXPECT_EQ(match("11.0.0.1").allow, nullptr);
  const Rule& denied = deny("tcp://10.1.2.3:*");
  EXPECT_EQ(match("10.1.2.3").deny, &denied);
  EXPECT_EQ(match("10.1.2.4").deny, nullptr);
  (void)narrow;
  (void)host;
  EXPECT_EQ(index_.size(), 4u);
}

TEST_F(RuleIndexTest, ZeroAndFullLengthPrefixes) {
  const Rule& all_v4 = add("tcp://0.0.0.0/0:80");
  const Rule& all_v6 = add("tcp://[::]/0:81");
  const Rule& one_v6 = add("tcp://[2001:db8::1]/128:82");
  EXPECT_EQ(match("8.8.8.8", 80).allow, &all_v4);
  EXPECT_EQ(match("8.8.8.8", 81).allow, nullptr);  // [::]/0 is IPv6 only
  EXPECT_EQ(match("2001:db8::2", 81).allow, &all_v6);
  EXPECT_EQ(match("2001:db8::1", 82).allow, &one_v6);
  EXPECT_EQ(match("2001:db8::2", 82).allow, nullptr);
}

TEST_F(RuleIndexTest, OrderHoldsWhateverTheInsertionOrder) {
  Rule late = parse_rule("tcp://10.0.0.0/8:*", RuleAction::kAllow, Direction::kOutbound, "t");
  late.order = 9;
  Rule early = parse_rule("tcp://10.0.0.0/8:*", RuleAction::kAllow, Direction::kOutbound, "t");
  early.order = 2;
  RuleIndex index;
  index.add(late);
  index.add(early);
  const IpAddress ip = IpAddress::v4(10, 0, 0, 1);
  EXPECT_EQ(index.match(Transport::kTcp, 1, ip, address_sets_of(ip), {}).allow, &early);
}

TEST_F(RuleIndexTest, TransportAndPortsFilterCandidates) {
  const Rule& udp = add("udp://10.0.0.0/8:53");
  const Rule& range = add("tcp://10.0.0.0/8:8000-8999");
  EXPECT_EQ(match("10.0.0.1", 53, {}, Transport::kUdp).allow, &udp);
  EXPECT_EQ(match("10.0.0.1", 53, {}, Transport::kTcp).allow, nullptr);
  EXPECT_EQ(match("10.0.0.1", 8000).allow, &range);
  EXPECT_EQ(match("10.0.0.1", 8999).allow, &range);
  EXPECT_EQ(match("10.0.0.1", 7999).allow, nullptr);
  EXPECT_EQ(match("10.0.0.1", 9000).allow, nullptr);
}

TEST_F(RuleIndexTest, NamesAndSuffixes) {
  const Rule& exact = add("tcp://api.example.com:443");
  const Rule& subs = add("tcp://*.example.com:443");
  const Rule& deep = add("tcp://*.b.example.com:443");
  EXPECT_EQ(match("1.1.1.1", 443, "api.example.com").allow, &exact);
  EXPECT_EQ(match("1.1.1.1", 443, "x.example.com").allow, &subs);
  EXPECT_EQ(match("1.1.1.1", 443, "a.b.example.com").allow, &subs);
  EXPECT_EQ(match("1.1.1.1", 443, "example.com").allow, nullptr);
  EXPECT_EQ(match("1.1.1.1", 443, "badexample.com").allow, nullptr);
  EXPECT_EQ(match("1.1.1.1", 443, ".example.com").allow, nullptr);
  EXPECT_EQ(match("1.1.1.1", 443, "").allow, nullptr);
  const Rule& no = deny("tcp://*.b.example.com:*");
  EXPECT_EQ(match("1.1.1.1", 443, "a.b.example.com").deny, &no);
  EXPECT_EQ(match("1.1.1.1", 443, "b.example.com").deny, nullptr);
  (void)deep;
}

TEST_F(RuleIndexTest, SetsAndAny) {
  const Rule& priv = add("tcp://private:*");
  const Rule& meta = deny("*://metadata:*");
  const Rule& any = add("udp://*:*");
  EXPECT_EQ(match("10.0.0.1").allow, &priv);
  EXPECT_EQ(match("169.254.169.254").deny, &meta);
  EXPECT_EQ(match("169.254.169.254").allow, nullptr);
  EXPECT_EQ(match("8.8.8.8", 53, {}, Transport::kUdp).allow, &any);
}

TEST_F(RuleIndexTest, LookupsIgnorePortsButOnlyBlanketDeniesCount) {
  const Rule& https = add("tcp://*.example.com:443");
  deny("tcp://evil.example.com:*");         // one transport: the lookup stays allowed
  deny("*://worse.example.com:25");         // one port: likewise
  const Rule& blanket = deny("*://worst.example.com:*");
  EXPECT_EQ(index_.match_lookup_name("a.example.com").allow, &https);
  EXPECT_EQ(index_.match_lookup_name("evil.example.com").deny, nullptr);
  EXPECT_EQ(index_.match_lookup_name("worse.example.com").deny, nullptr);
  EXPECT_EQ(index_.match_lookup_name("worst.example.com").deny, &blanket);
  EXPECT_EQ(index_.match_lookup_name("example.com").allow, nullptr);

  const Rule& net = add("udp://10.0.0.0/8:53");
  const IpAddress ip = IpAddress::v4(10, 2, 3, 4);
  EXPECT_EQ(index_.match_lookup_address(ip, address_sets_of(ip)).allow, &net);
}

}  // namespace
}  // namespace sluice::egress
