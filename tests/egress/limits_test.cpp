// Stateful limits of the meter (byte quotas, concurrent connections, connection and lookup rates),
// policy reloads, inbound accounting, and the token bucket behind the rates.
#include <cerrno>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "egress/meter.h"
#include "tests/egress/meter_test_support.h"
#include "egress/token_bucket.h"

namespace sluice::egress {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

using testing::drain_all;
using testing::policy_for;

Destination tcp(uint8_t last, uint16_t port) {
  return {Transport::kTcp, IpAddress::v4(127, 0, 0, last), port, {}};
}
Destination udp(uint8_t last, uint16_t port) {
  return {Transport::kUdp, IpAddress::v4(127, 0, 0, last), port, {}};
}

const DestinationSummary* find(const LedgerSnapshot& snap, const Destination& d) {
  for (const DestinationSummary& s : snap.destinations) {
    if (s.key.transport == d.transport && s.key.ip == d.ip && s.key.port == d.port &&
        s.key.direction == d.direction) {
      return &s;
    }
  }
  return nullptr;
}

// ---- TokenBucket ----

TEST(TokenBucket, StartsFullThenRefillsOverTime) {
  TokenBucket bucket;
  const RateLimit limit{.per_second = 2, .burst = 3};
  const int64_t t0 = 5 * kSecond;
  EXPECT_TRUE(bucket.take(limit, t0));
  EXPECT_TRUE(bucket.take(limit, t0));
  EXPECT_TRUE(bucket.take(limit, t0));
  EXPECT_FALSE(bucket.take(limit, t0));
  EXPECT_FALSE(bucket.take(limit, t0 + kSecond / 4));  // 0.5 tokens
  EXPECT_TRUE(bucket.take(limit, t0 + kSecond * 6 / 10));  // 1.2 tokens
  EXPECT_FALSE(bucket.take(limit, t0 + kSecond * 6 / 10));  // 0.2 left
  EXPECT_TRUE(bucket.take(limit, t0 + kSecond * 11 / 10));  // 0.2 + 1.0
  EXPECT_FALSE(bucket.take(limit, t0 + kSecond * 11 / 10));
}

TEST(TokenBucket, BurstCapsRefill) {
  TokenBucket bucket;
  const RateLimit limit{.per_second = 1000, .burst = 2};
  EXPECT_TRUE(bucket.take(limit, 0));
  EXPECT_TRUE(bucket.take(limit, 0));
  EXPECT_FALSE(bucket.take(limit, 0));
  // An hour idle refills to the burst, not to 3.6 million.
  const int64_t later = 3600 * kSecond;
  EXPECT_TRUE(bucket.take(limit, later));
  EXPECT_TRUE(bucket.take(limit, later));
  EXPECT_FALSE(bucket.take(limit, later));
}

TEST(TokenBucket, RateChangeKeepsTokens) {
  TokenBucket bucket;
  const RateLimit slow{.per_second = 1, .burst = 5};
  const RateLimit fast{.per_second = 100, .burst = 5};
  EXPECT_TRUE(bucket.take(slow, 0));
  EXPECT_TRUE(bucket.take(slow, 0));  // 3 left
  // A reload changes the rate: the tokens stay (not reset to the burst, not lost).
  EXPECT_TRUE(bucket.take(fast, 0));
  EXPECT_TRUE(bucket.take(fast, 0));
  EXPECT_TRUE(bucket.take(fast, 0));
  EXPECT_FALSE(bucket.take(fast, 0));
  // The new rate governs the refill from here: 100/s for 15 ms is 1.5 tokens.
  EXPECT_TRUE(bucket.take(fast, 15'000'000));
  EXPECT_FALSE(bucket.take(fast, 15'000'000));
  // A smaller burst caps what is left.
  TokenBucket full;
  EXPECT_TRUE(full.take(RateLimit{.per_second = 0.001, .burst = 10}, 0));  // 9 left
  const RateLimit small{.per_second = 0.001, .burst = 2};
  EXPECT_TRUE(full.take(small, 0));
  EXPECT_TRUE(full.take(small, 0));
  EXPECT_FALSE(full.take(small, 0));
}

TEST(TokenBucket, ClockGoingBackwardsAddsNothing) {
  TokenBucket bucket;
  const RateLimit limit{.per_second = 1, .burst = 1};
  EXPECT_TRUE(bucket.take(limit, 10 * kSecond));
  EXPECT_FALSE(bucket.take(limit, 5 * kSecond));
  EXPECT_FALSE(bucket.take(limit, 10 * kSecond));  // no credit for the jump back
  EXPECT_TRUE(bucket.take(limit, 11 * kSecond));
}

// ---- Byte quotas ----

TEST(ByteQuota, SendAllowanceShrinksAsBytesAreCharged) {
  Policy policy = policy_for({"*://127.0.0.1:*"});
  policy.limits().bytes_out = 100;
  Meter meter(std::move(policy), {});
  FlowCounters* a = nullptr;
  FlowCounters* b = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &a).allowed);
  ASSERT_TRUE(meter.decide_connect(tcp(1, 81), &b).allowed);
  EXPECT_EQ(a->send_allowance(), 100u);
  a->charge(30);
  EXPECT_EQ(a->send_allowance(), 70u);
  EXPECT_EQ(b->send_allowance(), 70u);  // one quota for the whole sandbox
  b->charge(70);
  EXPECT_EQ(a->send_allowance(), 0u);
  EXPECT_FALSE(a->destination_quota_binds());
  EXPECT_EQ(meter.quota().charged.load(), 100u);
}

TEST(ByteQuota, NoQuotaMeansUnlimited) {
  Meter meter(policy_for({"*://127.0.0.1:*"}), {});
  FlowCounters* a = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &a).allowed);
  EXPECT_EQ(a->send_allowance(), ByteQuota::kUnlimited);
  a->charge(1u << 30);
  // Still charged (a reload may add a quota later), but nothing near a limit.
  EXPECT_GT(a->send_allowance(), uint64_t{1} << 63);
  EXPECT_EQ(meter.quota_refused(a).reason, Reason::kByteQuota);  // callers only ask when 0
}

TEST(ByteQuota, DatagramOverTheTotalIsDenied) {
  Policy policy = policy_for({"*://127.0.0.1:*", "*://127.0.0.2:*"});
  policy.limits().bytes_out = 100;
  Meter meter(std::move(policy), {});
  FlowCounters* flow = nullptr;
  ASSERT_TRUE(meter.decide_datagram(udp(1, 53), 60, &flow).allowed);
  ASSERT_NE(flow, nullptr);
  EXPECT_EQ(flow->send_allowance(), 40u);  // the datagram was charged
  const Verdict over = meter.decide_datagram(udp(2, 53), 41, &flow);
  EXPECT_FALSE(over.allowed);
  EXPECT_EQ(over.reason, Reason::kByteQuota);
  EXPECT_EQ(over.rule, "limits.bytes_out");
  EXPECT_EQ(flow, nullptr);
  EXPECT_TRUE(meter.decide_datagram(udp(2, 53), 40, &flow).allowed);  // exactly fits
  EXPECT_FALSE(meter.decide_datagram(udp(1, 53), 1, &flow).allowed);
  EXPECT_TRUE(meter.decide_datagram(udp(1, 53), 0, &flow).allowed);  // an empty datagram costs nothing

  const LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.udp_bytes_sent, 100u);
  EXPECT_EQ(snap.totals.datagrams_sent, 3u);  // denied datagrams are not counted as sent
  EXPECT_EQ(snap.totals.connections_denied, 2u);
  const DestinationSummary* second = find(snap, udp(2, 53));
  ASSERT_NE(second, nullptr);
  ASSERT_EQ(second->denials.size(), 1u);
  EXPECT_EQ(second->denials[0].rule, "limits.bytes_out");
  EXPECT_STREQ(to_string(second->denials[0].reason), "byte-quota");
  EXPECT_EQ(meter.quota().charged.load(), 100u);
}

TEST(ByteQuota, PerDestination) {
  Policy policy = policy_for({"*://127.0.0.1:*", "*://127.0.0.2:*"});
  policy.limits().bytes_out_per_destination = 50;
  Meter meter(std::move(policy), {});
  FlowCounters* a1 = nullptr;
  FlowCounters* a2 = nullptr;
  FlowCounters* b = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &a1).allowed);
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &a2).allowed);  // same destination, second flow
  ASSERT_TRUE(meter.decide_connect(tcp(2, 80), &b).allowed);
  a1->charge(20);
  EXPECT_EQ(a1->send_allowance(), 30u);
  EXPECT_EQ(a2->send_allowance(), 30u);  // the quota is the destination's, not the flow's
  EXPECT_EQ(b->send_allowance(), 50u);
  a2->charge(30);
  EXPECT_EQ(a1->send_allowance(), 0u);
  EXPECT_TRUE(a1->destination_quota_binds());
  EXPECT_EQ(b->send_allowance(), 50u);

  // Datagrams: the same quota per (transport, IP, port).
  FlowCounters* d = nullptr;
  EXPECT_TRUE(meter.decide_datagram(udp(1, 53), 40, &d).allowed);
  const Verdict over = meter.decide_datagram(udp(1, 53), 11, &d);
  EXPECT_FALSE(over.allowed);
  EXPECT_EQ(over.reason, Reason::kDestinationByteQuota);
  EXPECT_EQ(over.rule, "limits.bytes_out_per_destination");
  EXPECT_TRUE(meter.decide_datagram(udp(1, 53), 10, &d).allowed);
  EXPECT_TRUE(meter.decide_datagram(udp(1, 54), 50, &d).allowed);  // another port, another quota
}

// The same IP and port reached as a bare address and under a resolved name are two ledger
// records, but one destination for the quota: no second allowance by another spelling.
TEST(ByteQuota, PerDestinationIgnoresTheAttributedName) {
  Policy policy = policy_for({"tcp://127.0.0.1:80", "tcp://localhost:80"});
  policy.limits().bytes_out_per_destination = 100;
  Meter meter(std::move(policy), {});
  FlowCounters* bare = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &bare).allowed);
  bare->charge(70);
  ASSERT_TRUE(meter.decide_lookup("localhost").allowed);
  meter.lookup_finished("localhost", {IpAddress::v4(127, 0, 0, 1)}, 0);
  FlowCounters* named = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &named).allowed);
  EXPECT_EQ(meter.snapshot().destinations.size(), 2u);  // two records: with and without the name
  EXPECT_EQ(named->send_allowance(), 30u);
}

TEST(ByteQuota, TotalBindsBeforePerDestination) {
  Policy policy = policy_for({"*://127.0.0.1:*"});
  policy.limits().bytes_out = 30;
  policy.limits().bytes_out_per_destination = 50;
  Meter meter(std::move(policy), {});
  FlowCounters* flow = nullptr;
  const Verdict v = meter.decide_datagram(udp(1, 53), 31, &flow);
  EXPECT_EQ(v.reason, Reason::kByteQuota);
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &flow).allowed);
  EXPECT_EQ(flow->send_allowance(), 30u);
  flow->charge(30);
  EXPECT_FALSE(flow->destination_quota_binds());
  EXPECT_EQ(meter.quota_refused(flow).reason, Reason::kByteQuota);
}

TEST(ByteQuota, QuotaRefusedCountsADenialWithAnEvent) {
  Policy policy = policy_for({"*://127.0.0.1:*"});
  policy.limits().bytes_out = 1000;
  policy.limits().bytes_out_per_destination = 10;
  Meter meter(std::move(policy), {});
  FlowCounters* flow = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &flow).allowed);
  meter.connect_finished(flow, true, 0);
  flow->charge(10);
  FlowCounters::add(flow->bytes_out, 10);
  ASSERT_EQ(flow->send_allowance(), 0u);
  drain_all(meter);

  const Verdict v = meter.quota_refused(flow);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, Reason::kDestinationByteQuota);
  EXPECT_EQ(v.rule, kLimitBytesOutPerDestination);
  meter.quota_refused(flow);

  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Event::Kind::kDenied);
  EXPECT_EQ(events[0].rule, "limits.bytes_out_per_destination");
  EXPECT_EQ(events[0].reason, Reason::kDestinationByteQuota);
  ASSERT_NE(events[0].destination, nullptr);
  EXPECT_EQ(events[0].destination->key.port, 80);

  const LedgerSnapshot snap = meter.snapshot();
  ASSERT_EQ(snap.destinations.size(), 1u);
  EXPECT_EQ(snap.destinations[0].attempts, 1u);
  EXPECT_EQ(snap.destinations[0].denied, 2u);
  ASSERT_EQ(snap.destinations[0].denials.size(), 1u);
  EXPECT_EQ(snap.destinations[0].denials[0].rule, "limits.bytes_out_per_destination");
  EXPECT_STREQ(to_string(snap.destinations[0].denials[0].reason), "destination-byte-quota");
  EXPECT_EQ(snap.destinations[0].denials[0].count, 2u);
  EXPECT_EQ(snap.totals.connections_denied, 2u);
  EXPECT_EQ(snap.totals.bytes_sent, 10u);

  // The flow is still open and closes normally.
  meter.flow_closed(flow, nullptr);
  events = drain_all(meter);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Event::Kind::kClosed);
}

TEST(ByteQuota, RecycledFlowsKeepChargingTheirDestination) {
  Policy policy = policy_for({"*://127.0.0.1:*"});
  policy.limits().bytes_out_per_destination = 100;
  Meter meter(std::move(policy), {});
  FlowCounters* flow = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &flow).allowed);
  flow->charge(60);
  meter.flow_closed(flow, nullptr);
  // The next flow reuses the record but charges a different destination's quota...
  FlowCounters* other = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 81), &other).allowed);
  EXPECT_EQ(other, flow);
  EXPECT_EQ(other->send_allowance(), 100u);
  meter.flow_closed(other, nullptr);
  // ...and a new flow to the first destination still sees what it used.
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &flow).allowed);
  EXPECT_EQ(flow->send_allowance(), 40u);
}

// ---- Concurrent connections ----

TEST(ConcurrentConnections, LimitAndRelease) {
  Policy policy = policy_for({"*://127.0.0.1:*"});
  policy.limits().concurrent_connections = 2;
  Meter meter(std::move(policy), {});
  FlowCounters* c1 = nullptr;
  FlowCounters* c2 = nullptr;
  FlowCounters* c3 = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 1), &c1).allowed);
  ASSERT_TRUE(meter.decide_connect(tcp(1, 2), &c2).allowed);
  meter.connect_finished(c1, true, 0);
  meter.connect_finished(c2, true, 0);
  const Verdict third = meter.decide_connect(tcp(1, 3), &c3);
  EXPECT_FALSE(third.allowed);
  EXPECT_EQ(third.reason, Reason::kConcurrentConnections);
  EXPECT_EQ(third.rule, kLimitConcurrentConnections);
  EXPECT_EQ(c3, nullptr);

  meter.flow_closed(c1, nullptr);  // frees a slot
  ASSERT_TRUE(meter.decide_connect(tcp(1, 3), &c3).allowed);
  FlowCounters* c4 = nullptr;
  EXPECT_FALSE(meter.decide_connect(tcp(1, 4), &c4).allowed);

  meter.connect_finished(c3, false, ECONNREFUSED);  // a failed connect frees its slot
  EXPECT_TRUE(meter.decide_connect(tcp(1, 4), &c4).allowed);
  EXPECT_FALSE(meter.decide_connect(tcp(1, 5), &c4).allowed);

  // Unconnected datagrams are not connections.
  FlowCounters* d = nullptr;
  EXPECT_TRUE(meter.decide_datagram(udp(1, 53), 1, &d).allowed);

  const LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.connections_attempted, 4u);
  EXPECT_EQ(snap.totals.connections_denied, 3u);
  EXPECT_EQ(snap.totals.connections_failed, 1u);
  const DestinationSummary* d3 = find(snap, tcp(1, 3));
  ASSERT_NE(d3, nullptr);
  EXPECT_EQ(d3->attempts, 1u);
  ASSERT_EQ(d3->denials.size(), 1u);
  EXPECT_STREQ(to_string(d3->denials[0].reason), "concurrent-connections");
  EXPECT_EQ(d3->denials[0].rule, "limits.concurrent_connections");
}

TEST(ConcurrentConnections, FinishAndInboundDoNotLeakSlots) {
  Policy policy = policy_for({"*://127.0.0.1:*"});
  policy.limits().concurrent_connections = 1;
  Meter meter(std::move(policy), {});
  // Accepted (inbound) connections are not counted against the outbound limit.
  ASSERT_NE(meter.accepted(Transport::kTcp, IpAddress::v4(127, 0, 0, 9), 8080), nullptr);
  FlowCounters* c = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 1), &c).allowed);
  EXPECT_FALSE(meter.decide_connect(tcp(1, 2), &c).allowed);
  meter.finish();
  EXPECT_TRUE(meter.decide_connect(tcp(1, 2), &c).allowed);
}

TEST(ConcurrentConnections, DeniedByRuleTakesNoSlot) {
  Policy policy = policy_for({"*://127.0.0.1:*"});
  policy.limits().concurrent_connections = 1;
  Meter meter(std::move(policy), {});
  FlowCounters* c = nullptr;
  const Verdict v = meter.decide_connect({Transport::kTcp, IpAddress::v4(10, 0, 0, 1), 1, {}}, &c);
  EXPECT_EQ(v.reason, Reason::kNoAllowRule);
  EXPECT_TRUE(meter.decide_connect(tcp(1, 1), &c).allowed);
}

// ---- Rates ----

TEST(ConnectionRate, BurstThenDeny) {
  Policy policy = policy_for({"*://127.0.0.1:*"});
  // 0.001/s: no token comes back within the test, so the outcome does not depend on timing.
  policy.limits().connections_per_second = RateLimit{.per_second = 0.001, .burst = 3};
  Meter meter(std::move(policy), {});
  FlowCounters* c = nullptr;
  // Connects the rules deny take no token.
  EXPECT_EQ(meter.decide_connect({Transport::kTcp, IpAddress::v4(10, 0, 0, 1), 1, {}}, &c).reason,
            Reason::kNoAllowRule);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &c).allowed) << i;
    meter.flow_closed(c, nullptr);  // closing does not give the token back
  }
  const Verdict v = meter.decide_connect(tcp(1, 80), &c);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, Reason::kConnectionRate);
  EXPECT_EQ(v.rule, kLimitConnectionsPerSecond);
  EXPECT_FALSE(meter.decide_connect(tcp(1, 81), &c).allowed);
  // Datagrams are not connection attempts.
  EXPECT_TRUE(meter.decide_datagram(udp(1, 53), 1, &c).allowed);

  const LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.connections_attempted, 3u);
  EXPECT_EQ(snap.totals.connections_denied, 3u);
  const DestinationSummary* d = find(snap, tcp(1, 80));
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(d->denials.size(), 1u);
  EXPECT_STREQ(to_string(d->denials[0].reason), "connection-rate");
  EXPECT_EQ(d->denials[0].rule, "limits.connections_per_second");
}

TEST(LookupRate, BurstThenDeny) {
  Policy policy = policy_for({"tcp://*.example.com:443"});
  policy.limits().dns_lookups_per_second = RateLimit{.per_second = 0.001, .burst = 3};
  Meter meter(std::move(policy), {});
  EXPECT_EQ(meter.decide_lookup("other.org").reason, Reason::kNoNameRule);  // takes no token
  EXPECT_TRUE(meter.decide_lookup("a.example.com").allowed);
  EXPECT_TRUE(meter.decide_lookup("b.example.com").allowed);
  EXPECT_TRUE(meter.decide_lookup("a.example.com").allowed);
  const Verdict v = meter.decide_lookup("c.example.com");
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, Reason::kLookupRate);
  EXPECT_EQ(v.rule, kLimitDnsLookupsPerSecond);

  const LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.dns_lookups, 3u);
  EXPECT_EQ(snap.totals.dns_denied, 2u);
  bool found = false;
  for (const DnsSummary& d : snap.dns) {
    if (d.name != "c.example.com") continue;
    found = true;
    ASSERT_EQ(d.denials.size(), 1u);
    EXPECT_STREQ(to_string(d.denials[0].reason), "lookup-rate");
    EXPECT_EQ(d.denials[0].rule, "limits.dns_lookups_per_second");
  }
  EXPECT_TRUE(found);
  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, Event::Kind::kDnsDenied);
  EXPECT_EQ(events[1].reason, Reason::kLookupRate);
}

// ---- Reload ----

TEST(Reload, NewRulesApplyCountersCarryOver) {
  Policy first = policy_for({"tcp://127.0.0.1:*"});
  first.limits().bytes_out = 100;
  first.limits().connections_per_second = RateLimit{.per_second = 0.001, .burst = 3};
  Meter meter(std::move(first), {});
  EXPECT_EQ(meter.policy_generation(), 1u);

  FlowCounters* old_flow = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &old_flow).allowed);  // token 1 of 3
  meter.connect_finished(old_flow, true, 0);
  old_flow->charge(60);
  FlowCounters::add(old_flow->bytes_out, 60);
  FlowCounters* denied_flow = nullptr;
  ASSERT_FALSE(meter.decide_connect({Transport::kTcp, IpAddress::v4(10, 0, 0, 1), 22, {}}, &denied_flow).allowed);
  std::vector<Event> before = drain_all(meter);
  ASSERT_EQ(before.size(), 3u);  // attempt, established, denied
  const std::string_view old_rule = before[0].rule;
  ASSERT_EQ(old_rule, "tcp://127.0.0.1:*");
  const char* old_rule_address = old_rule.data();

  Policy second;
  second.add("tcp://10.0.0.0/8:*", RuleAction::kAllow, Direction::kOutbound, "reload");
  second.limits().bytes_out = 100;
  second.limits().connections_per_second = RateLimit{.per_second = 0.001, .burst = 3};
  meter.reload(std::move(second));
  EXPECT_EQ(meter.policy_generation(), 2u);
  EXPECT_EQ(meter.policy().rules().size(), 1u);

  // Old rule texts in earlier events (and open flows) still point into the first policy.
  EXPECT_EQ(before[0].rule, "tcp://127.0.0.1:*");
  EXPECT_EQ(before[0].rule.data(), old_rule_address);

  // The next decision uses the new rules.
  FlowCounters* flow = nullptr;
  const Verdict now_allowed = meter.decide_connect({Transport::kTcp, IpAddress::v4(10, 0, 0, 1), 22, {}}, &flow);
  EXPECT_TRUE(now_allowed.allowed);  // token 2 of 3: the bucket carried over
  EXPECT_EQ(now_allowed.rule, "tcp://10.0.0.0/8:*");
  ASSERT_NE(flow, nullptr);
  FlowCounters* again = nullptr;
  const Verdict now_denied = meter.decide_connect(tcp(1, 80), &again);
  EXPECT_FALSE(now_denied.allowed);
  EXPECT_EQ(now_denied.reason, Reason::kNoAllowRule);
  // Quota usage carried over: 60 of 100 were used under the first policy.
  EXPECT_EQ(flow->send_allowance(), 40u);
  EXPECT_EQ(old_flow->send_allowance(), 40u);
  ASSERT_TRUE(meter.decide_connect({Transport::kTcp, IpAddress::v4(10, 0, 0, 2), 22, {}}, &again).allowed);
  EXPECT_EQ(meter.decide_connect({Transport::kTcp, IpAddress::v4(10, 0, 0, 3), 22, {}}, &again).reason,
            Reason::kConnectionRate);  // the third token was the last

  // The flow opened under the old policy closes with its old rule.
  meter.flow_closed(old_flow, nullptr);
  std::vector<Event> after = drain_all(meter);
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.back().kind, Event::Kind::kClosed);
  EXPECT_EQ(after.back().rule, "tcp://127.0.0.1:*");
  EXPECT_EQ(after.back().bytes_out, 60u);

  const LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.connections_attempted, 3u);
  EXPECT_EQ(snap.totals.bytes_sent, 60u);
  const DestinationSummary* ten = find(snap, {Transport::kTcp, IpAddress::v4(10, 0, 0, 1), 22, {}});
  ASSERT_NE(ten, nullptr);
  EXPECT_EQ(ten->denied, 1u);  // from before the reload
  ASSERT_EQ(ten->denials.size(), 1u);
  EXPECT_EQ(ten->denials[0].rule, "default-deny");
  EXPECT_EQ(ten->attempts, 1u);
  EXPECT_EQ(ten->allowed_by, "tcp://10.0.0.0/8:*");
  const DestinationSummary* local = find(snap, tcp(1, 80));
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->allowed_by, "tcp://127.0.0.1:*");  // from the first policy, still valid
}

// A lookup's log line names the rule that allowed it when it was asked, even if a reload swapped
// the policy while the resolver worked.
TEST(Reload, ALookupKeepsTheRuleThatAllowedIt) {
  Meter meter(policy_for({"tcp://api.example.com:443"}), {});
  ASSERT_TRUE(meter.decide_lookup("api.example.com").allowed);
  meter.reload(policy_for({"tcp://*.example.com:443"}));
  meter.lookup_finished("api.example.com", {IpAddress::v4(10, 1, 2, 3)}, 0);
  std::vector<Event> events = drain_all(meter);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Event::Kind::kDnsLookup);
  EXPECT_EQ(events[0].rule, "tcp://api.example.com:443");
}

TEST(Reload, QuotaLimitsChangeUsageStays) {
  Policy first = policy_for({"tcp://127.0.0.1:*"});
  first.limits().bytes_out = 100;
  Meter meter(std::move(first), {});
  FlowCounters* flow = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 80), &flow).allowed);
  flow->charge(90);
  EXPECT_EQ(flow->send_allowance(), 10u);

  Policy bigger = policy_for({"tcp://127.0.0.1:*"});
  bigger.limits().bytes_out = 200;
  meter.reload(std::move(bigger));
  EXPECT_EQ(flow->send_allowance(), 110u);

  Policy per_dest = policy_for({"tcp://127.0.0.1:*"});
  per_dest.limits().bytes_out_per_destination = 95;
  meter.reload(std::move(per_dest));
  EXPECT_EQ(flow->send_allowance(), 5u);  // the destination's usage carried over too
  EXPECT_TRUE(flow->destination_quota_binds());

  meter.reload(policy_for({"tcp://127.0.0.1:*"}));  // no limits: unlimited again
  EXPECT_GT(flow->send_allowance(), uint64_t{1} << 63);
  EXPECT_FALSE(flow->destination_quota_binds());
  EXPECT_EQ(meter.quota().charged.load(), 90u);
  EXPECT_EQ(meter.policy_generation(), 4u);
}

TEST(Reload, ConcurrencyCountCarriesOver) {
  Policy first = policy_for({"tcp://127.0.0.1:*"});
  first.limits().concurrent_connections = 1;
  Meter meter(std::move(first), {});
  FlowCounters* c = nullptr;
  ASSERT_TRUE(meter.decide_connect(tcp(1, 1), &c).allowed);
  Policy second = policy_for({"tcp://127.0.0.1:*"});
  second.limits().concurrent_connections = 1;
  meter.reload(std::move(second));
  FlowCounters* d = nullptr;
  EXPECT_EQ(meter.decide_connect(tcp(1, 2), &d).reason, Reason::kConcurrentConnections);
  meter.flow_closed(c, nullptr);
  EXPECT_TRUE(meter.decide_connect(tcp(1, 2), &d).allowed);
}

TEST(Reload, FromAnotherThreadWhileDeciding) {
  Meter meter(policy_for({"tcp://127.0.0.1:*"}), {});
  std::thread reloader([&] {
    for (int i = 0; i < 200; ++i) meter.reload(policy_for({"tcp://127.0.0.1:*"}));
  });
  for (int i = 0; i < 5000; ++i) {
    FlowCounters* c = nullptr;
    const Verdict v = meter.decide_connect(tcp(1, 80), &c);
    ASSERT_TRUE(v.allowed);
    ASSERT_EQ(v.rule, "tcp://127.0.0.1:*");
    meter.flow_closed(c, nullptr);
  }
  reloader.join();
  EXPECT_EQ(meter.policy_generation(), 201u);
  EXPECT_EQ(meter.snapshot().totals.connections_attempted, 5000u);
}

// ---- Inbound ----

TEST(Inbound, AcceptedConnectionsAreCountedInbound) {
  Policy policy;
  policy.add("tcp://127.0.0.1:8080", RuleAction::kAllow, Direction::kInbound, "test");
  Meter meter(std::move(policy), {});
  ASSERT_TRUE(meter.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080).allowed);
  FlowCounters* in = meter.accepted(Transport::kTcp, IpAddress::v4(127, 0, 0, 9), 8080);
  ASSERT_NE(in, nullptr);
  FlowCounters::add(in->bytes_in, 100);
  FlowCounters::add(in->bytes_out, 7);
  meter.flow_closed(in, nullptr);

  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, Event::Kind::kListen);
  EXPECT_EQ(events[0].listen_port, 8080);
  EXPECT_EQ(events[1].kind, Event::Kind::kAccepted);
  EXPECT_EQ(events[1].destination->key.direction, Direction::kInbound);
  EXPECT_EQ(events[2].kind, Event::Kind::kClosed);
  EXPECT_EQ(events[2].bytes_in, 100u);

  const LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.connections_accepted, 1u);
  EXPECT_EQ(snap.totals.connections_attempted, 0u);
  EXPECT_EQ(snap.totals.connections_established, 0u);  // outbound only
  EXPECT_EQ(snap.totals.bytes_received, 100u);
  EXPECT_EQ(snap.totals.bytes_sent, 7u);
  EXPECT_EQ(snap.totals.listens_allowed, 1u);
  ASSERT_EQ(snap.destinations.size(), 1u);
  EXPECT_EQ(snap.destinations[0].key.direction, Direction::kInbound);
  EXPECT_EQ(snap.destinations[0].key.ip, IpAddress::v4(127, 0, 0, 9));
  EXPECT_EQ(snap.destinations[0].key.port, 8080);
  EXPECT_EQ(snap.destinations[0].attempts, 1u);
  ASSERT_EQ(snap.listens.size(), 1u);
  EXPECT_EQ(snap.listens[0].allowed, 1u);
  EXPECT_EQ(snap.listens[0].allowed_by, "tcp://127.0.0.1:8080");
}

TEST(Listens, AllowedAndDeniedAreCounted) {
  Policy policy;
  policy.add("*://127.0.0.1:8000-8099", RuleAction::kAllow, Direction::kInbound, "test");
  Meter meter(std::move(policy), {});
  EXPECT_TRUE(meter.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080).allowed);
  EXPECT_TRUE(meter.decide_listen(Transport::kUdp, IpAddress::v4(127, 0, 0, 1), 8081).allowed);
  const Verdict no = meter.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 9000);
  EXPECT_FALSE(no.allowed);
  EXPECT_EQ(no.reason, Reason::kNoInboundRule);
  EXPECT_EQ(no.rule, kDefaultDenyRule);
  const LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.listens_allowed, 2u);
  EXPECT_EQ(snap.totals.listens_denied, 1u);
  ASSERT_EQ(snap.listens.size(), 3u);
  EXPECT_EQ(snap.listens[1].port, 9000);
  ASSERT_EQ(snap.listens[1].denials.size(), 1u);
  EXPECT_STREQ(to_string(snap.listens[1].denials[0].reason), "no-inbound-rule");
  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].kind, Event::Kind::kListen);
  EXPECT_EQ(events[2].reason, Reason::kNoInboundRule);
  EXPECT_EQ(events[2].listen_port, 9000);
  EXPECT_TRUE(snap.destinations.empty());
}

// ---- Pooling through the meter ----

TEST(Meter, HundredThousandConnectionsKeepFewFlowRecords) {
  Meter meter(policy_for({"*://127.0.0.1:*"}), {.sandbox_id = "s", .metering = true, .event_capacity = 16});
  std::set<FlowCounters*> records;
  uint64_t sent = 0;
  for (int i = 0; i < 100000; ++i) {
    FlowCounters* c = nullptr;
    ASSERT_TRUE(meter.decide_connect(tcp(1, static_cast<uint16_t>(1 + i % 4)), &c).allowed);
    records.insert(c);
    if (i % 10 == 9) {
      meter.connect_finished(c, false, ECONNREFUSED);
      continue;
    }
    meter.connect_finished(c, true, 0);
    FlowCounters::add(c->bytes_out, 3);
    sent += 3;
    meter.flow_closed(c, nullptr);
  }
  EXPECT_EQ(records.size(), 1u);
  const LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.destinations.size(), 4u);
  EXPECT_EQ(snap.totals.connections_attempted, 100000u);
  EXPECT_EQ(snap.totals.connections_established, 90000u);
  EXPECT_EQ(snap.totals.connections_failed, 10000u);
  EXPECT_EQ(snap.totals.bytes_sent, sent);
}

}  // namespace
}  // namespace sluice::egress
