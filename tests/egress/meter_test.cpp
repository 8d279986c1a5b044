#include "egress/meter.h"
#include "tests/egress/meter_test_support.h"

#include <cerrno>

#include <gtest/gtest.h>

#include "egress/ip_address.h"

namespace sluice::egress {
namespace {

using testing::drain_all;
using testing::policy_for;

TEST(Meter, NameRuleAllowsOnlyAfterLookup) {
  Meter meter(policy_for({"tcp://api.example.com:443"}), {.sandbox_id = "s1"});
  const IpAddress ip = IpAddress::v4(93, 184, 216, 34);
  FlowCounters* flow = nullptr;
  const Verdict before = meter.decide_connect({Transport::kTcp, ip, 443, {}}, &flow);
  EXPECT_FALSE(before.allowed);
  EXPECT_EQ(before.reason, Reason::kNoAllowRule);
  EXPECT_EQ(before.rule, kDefaultDenyRule);
  EXPECT_EQ(flow, nullptr);

  EXPECT_TRUE(meter.decide_lookup("API.example.com").allowed);
  meter.lookup_finished("API.example.com", {ip}, 0);
  EXPECT_EQ(meter.name_for(ip), "api.example.com");
  // The socket may or may not fill the name itself; the meter attributes either way.
  Verdict v = meter.decide_connect({Transport::kTcp, ip, 443, {}}, &flow);
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.reason, Reason::kAllowedByRule);
  EXPECT_EQ(v.rule, "tcp://api.example.com:443");
  ASSERT_NE(flow, nullptr);

  LedgerSnapshot snap = meter.snapshot();
  ASSERT_EQ(snap.destinations.size(), 2u);  // unnamed (denied) and named (allowed)
  EXPECT_EQ(snap.destinations[0].key.name, "");
  EXPECT_EQ(snap.destinations[0].denied, 1u);
  ASSERT_EQ(snap.destinations[0].denials.size(), 1u);
  EXPECT_STREQ(to_string(snap.destinations[0].denials[0].reason), "no-allow-rule");
  EXPECT_EQ(snap.destinations[1].key.name, "api.example.com");
  EXPECT_EQ(snap.destinations[1].attempts, 1u);
  EXPECT_EQ(snap.destinations[1].allowed_by, "tcp://api.example.com:443");
}

TEST(Meter, DeniedLookupIsCountedAndLogged) {
  Meter meter(policy_for({"tcp://api.example.com:443"}), {.sandbox_id = "s1"});
  Verdict v = meter.decide_lookup("secret.attacker.example");
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, Reason::kNoNameRule);
  LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.dns_denied, 1u);
  ASSERT_EQ(snap.dns.size(), 1u);
  ASSERT_EQ(snap.dns[0].denials.size(), 1u);
  EXPECT_STREQ(to_string(snap.dns[0].denials[0].reason), "no-name-rule");
  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Event::Kind::kDnsDenied);
  EXPECT_EQ(events[0].dns->name, "secret.attacker.example");
  EXPECT_EQ(events[0].rule, "default-deny");
  EXPECT_EQ(events[0].reason, Reason::kNoNameRule);
}

TEST(Meter, DnsGuardsDenyBeforeRules) {
  Policy policy = policy_for({"tcp://*:443"});
  Meter meter(std::move(policy), {});
  EXPECT_TRUE(meter.decide_lookup("fine.example").allowed);

  std::string long_name;
  for (char c : std::string("abcde")) long_name += std::string(60, c) + ".";
  long_name += "example";
  ASSERT_GT(long_name.size(), 253u);
  Verdict v = meter.decide_lookup(long_name);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, Reason::kNameTooLong);
  EXPECT_EQ(v.rule, kLimitMaxDnsNameLength);

  const std::string long_label = std::string(64, 'x') + ".example";
  v = meter.decide_lookup(long_label);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, Reason::kLabelTooLong);
  EXPECT_EQ(v.rule, kLimitMaxDnsLabelLength);

  const LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.dns_lookups, 1u);
  EXPECT_EQ(snap.totals.dns_denied, 2u);
  bool saw_name = false, saw_label = false;
  for (const DnsSummary& d : snap.dns) {
    if (d.name == long_name) {
      ASSERT_EQ(d.denials.size(), 1u);
      EXPECT_STREQ(to_string(d.denials[0].reason), "name-too-long");
      EXPECT_EQ(d.denials[0].rule, "dns.max_name_length");
      saw_name = true;
    }
    if (d.name == long_label) {
      ASSERT_EQ(d.denials.size(), 1u);
      EXPECT_STREQ(to_string(d.denials[0].reason), "label-too-long");
      saw_label = true;
    }
  }
  EXPECT_TRUE(saw_name);
  EXPECT_TRUE(saw_label);
  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Event::Kind::kDnsDenied);
  EXPECT_EQ(events[0].reason, Reason::kNameTooLong);
  EXPECT_EQ(events[1].reason, Reason::kLabelTooLong);
}

TEST(Meter, DnsGuardLimitsComeFromThePolicy) {
  Policy policy = policy_for({"tcp://*:443"});
  policy.limits().max_dns_name_length = 20;
  policy.limits().max_dns_label_length = 8;
  Meter meter(std::move(policy), {});
  EXPECT_TRUE(meter.decide_lookup("abcdefgh.example").allowed);
  EXPECT_EQ(meter.decide_lookup("abcdefghi.example").reason, Reason::kLabelTooLong);
  EXPECT_EQ(meter.decide_lookup("abcdefgh.abcdefgh.example").reason, Reason::kNameTooLong);
}

TEST(Meter, EventSequenceOfOneConnection) {
  Meter meter(policy_for({"tcp://127.0.0.1:*"}), {.sandbox_id = "s1"});
  FlowCounters* flow = nullptr;
  meter.decide_connect({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080, {}}, &flow);
  ASSERT_NE(flow, nullptr);
  meter.connect_finished(flow, true, 0);
  FlowCounters::add(flow->bytes_out, 123);
  FlowCounters::add(flow->bytes_in, 45);
  meter.flow_closed(flow, nullptr);
  meter.flow_closed(flow, nullptr);  // a second close is ignored
  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, Event::Kind::kAttempt);
  EXPECT_EQ(events[0].rule, "tcp://127.0.0.1:*");
  EXPECT_EQ(events[0].reason, Reason::kAllowedByRule);
  EXPECT_EQ(events[1].kind, Event::Kind::kEstablished);
  EXPECT_EQ(events[2].kind, Event::Kind::kClosed);
  EXPECT_EQ(events[2].rule, "tcp://127.0.0.1:*");
  EXPECT_EQ(events[2].bytes_out, 123u);
  EXPECT_EQ(events[2].bytes_in, 45u);
  EXPECT_EQ(events[2].start_ns, events[0].at_ns);
  EXPECT_GE(events[2].at_ns, events[2].start_ns);
  EXPECT_GE(events[1].at_ns, events[0].at_ns);
  EXPECT_EQ(events[2].destination->key.port, 8080);
  EXPECT_EQ(meter.snapshot().totals.bytes_sent, 123u);
}

TEST(Meter, FailedConnectEndsItsFlow) {
  Meter meter(policy_for({"tcp://127.0.0.1:*"}), {});
  FlowCounters* flow = nullptr;
  ASSERT_TRUE(meter.decide_connect({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 1, {}}, &flow).allowed);
  meter.connect_finished(flow, false, ECONNREFUSED);
  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 2u);  // attempt, failed; no closed event for a connect that moved nothing
  EXPECT_EQ(events[0].kind, Event::Kind::kAttempt);
  EXPECT_EQ(events[1].kind, Event::Kind::kFailed);
  EXPECT_EQ(events[1].error, ECONNREFUSED);
  EXPECT_EQ(events[1].rule, "tcp://127.0.0.1:*");
  EXPECT_EQ(events[1].start_ns, events[0].at_ns);
  const LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.connections_attempted, 1u);
  EXPECT_EQ(snap.totals.connections_failed, 1u);
  EXPECT_EQ(snap.destinations[0].failed.at("ECONNREFUSED"), 1u);
  meter.finish();  // nothing left open
  EXPECT_TRUE(drain_all(meter).empty());

  // The record is reused by the next flow, which starts from zero.
  FlowCounters* next = nullptr;
  ASSERT_TRUE(meter.decide_connect({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 2, {}}, &next).allowed);
  EXPECT_EQ(next, flow);
  EXPECT_EQ(next->bytes_out.load(), 0u);
}

TEST(Meter, FinishClosesWhatTheGuestLeftOpen) {
  Meter meter(policy_for({"*://127.0.0.1:*"}), {.sandbox_id = "s1"});
  FlowCounters* tcp = nullptr;
  FlowCounters* udp = nullptr;
  meter.decide_connect({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 1, {}}, &tcp);
  meter.decide_datagram({Transport::kUdp, IpAddress::v4(127, 0, 0, 1), 53, {}}, 30, &udp);
  ASSERT_NE(udp, nullptr);
  ASSERT_NE(tcp, nullptr);
  drain_all(meter);
  meter.finish();
  meter.finish();
  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 2u);
  int udp_closed = 0, tcp_closed = 0;
  for (const Event& e : events) {
    EXPECT_EQ(e.kind, Event::Kind::kClosed);
    if (e.destination->key.transport == Transport::kUdp) {
      ++udp_closed;
      EXPECT_EQ(e.datagrams_out, 1u);
      EXPECT_EQ(e.bytes_out, 30u);
    } else {
      ++tcp_closed;
    }
  }
  EXPECT_EQ(udp_closed, 1);
  EXPECT_EQ(tcp_closed, 1);
}

TEST(Meter, ForeignOrNullCountersAreIgnored) {
  Meter meter(policy_for({}), {});
  FlowCounters foreign;
  meter.connect_finished(nullptr, true, 0);
  meter.connect_finished(&foreign, false, ECONNREFUSED);
  meter.flow_closed(&foreign, nullptr);
  meter.flow_closed(nullptr, nullptr);
  EXPECT_FALSE(meter.quota_refused(&foreign).allowed);
  EXPECT_FALSE(meter.quota_refused(nullptr).allowed);
  EXPECT_EQ(meter.events().recorded(), 0u);
  EXPECT_TRUE(meter.snapshot().destinations.empty());
}

TEST(Meter, MeteringOffStillDecides) {
  Policy policy = policy_for({"tcp://api.example.com:443", "udp://10.0.0.0/8:53"});
  policy.add("tcp://127.0.0.1:8080", RuleAction::kAllow, Direction::kInbound, "test");
  policy.limits().concurrent_connections = 0;  // stateful limits are not enforced when off
  policy.limits().bytes_out = 0;
  Meter meter(std::move(policy), {.sandbox_id = "s1", .metering = false});
  const IpAddress ip = IpAddress::v4(1, 2, 3, 4);
  FlowCounters* flow = reinterpret_cast<FlowCounters*>(1);
  EXPECT_FALSE(meter.decide_connect({Transport::kTcp, ip, 443, {}}, &flow).allowed);
  EXPECT_FALSE(meter.decide_lookup("other.example").allowed);
  EXPECT_TRUE(meter.decide_lookup("api.example.com").allowed);
  meter.lookup_finished("api.example.com", {ip}, 0);
  EXPECT_TRUE(meter.decide_connect({Transport::kTcp, ip, 443, {}}, &flow).allowed);
  EXPECT_EQ(flow, nullptr);  // nothing to count into
  EXPECT_TRUE(meter.decide_datagram({Transport::kUdp, IpAddress::v4(10, 1, 1, 1), 53, {}}, 10, &flow).allowed);
  EXPECT_FALSE(meter.decide_datagram({Transport::kUdp, IpAddress::v4(11, 1, 1, 1), 53, {}}, 10, &flow).allowed);
  EXPECT_TRUE(meter.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080).allowed);
  EXPECT_EQ(meter.accepted(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080), nullptr);
  meter.connect_finished(flow, true, 0);
  meter.flow_closed(flow, nullptr);
  meter.finish();
  LedgerSnapshot snap = meter.snapshot();
  EXPECT_TRUE(snap.destinations.empty());
  EXPECT_TRUE(snap.dns.empty());
  EXPECT_TRUE(snap.listens.empty());
  EXPECT_EQ(meter.events().recorded(), 0u);
}

TEST(Meter, ListenNeedsAllowInbound) {
  Policy policy;
  policy.add("tcp://127.0.0.1:8080", RuleAction::kAllow, Direction::kInbound, "--allow-inbound");
  Meter meter(std::move(policy), {});
  const Verdict ok = meter.decide_listen(Transport::kTcp, *parse_ip_address("::ffff:127.0.0.1"), 8080);
  EXPECT_TRUE(ok.allowed);
  EXPECT_EQ(ok.reason, Reason::kInboundAllowed);
  EXPECT_EQ(ok.rule, "tcp://127.0.0.1:8080");
  const Verdict no = meter.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 9090);
  EXPECT_FALSE(no.allowed);
  EXPECT_EQ(no.reason, Reason::kNoInboundRule);
  EXPECT_FALSE(meter.decide_listen(Transport::kUdp, IpAddress::v4(127, 0, 0, 1), 8080).allowed);
}

}  // namespace
}  // namespace sluice::egress

namespace sluice::egress {
namespace {

TEST(Meter, KernelCheckAfterTheRecordIsReused) {
  Meter meter(policy_for({"tcp://127.0.0.1:*"}), {});
  FlowCounters* flow = nullptr;
  const Destination first{Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 1, {}};
  ASSERT_TRUE(meter.decide_connect(first, &flow).allowed);
  meter.connect_finished(flow, true, 0);
  FlowCounters::add(flow->bytes_out, 100);
  FlowCounters::add(flow->bytes_in, 20);
  const ClosedFlow closed = meter.flow_closed(flow, nullptr);
  EXPECT_NE(closed.destination, nullptr);
  EXPECT_EQ(closed.bytes_out, 100u);
  EXPECT_EQ(closed.bytes_in, 20u);
  EXPECT_EQ(meter.flow_closed(flow, nullptr).destination, nullptr);  // already closed

  // The record is reused for another destination before TCP_INFO arrives.
  FlowCounters* next = nullptr;
  ASSERT_TRUE(meter.decide_connect({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 2, {}}, &next).allowed);
  EXPECT_EQ(next, flow);
  meter.kernel_checked(closed, KernelTcpCounters{100, 130, 20});
  meter.kernel_checked(ClosedFlow{}, KernelTcpCounters{1, 1, 1});  // nothing to check against

  const LedgerSnapshot snap = meter.snapshot();
  ASSERT_EQ(snap.destinations.size(), 2u);
  EXPECT_EQ(snap.destinations[0].key.port, 1);
  EXPECT_EQ(snap.destinations[0].kernel.connections_checked, 1u);
  EXPECT_EQ(snap.destinations[0].kernel.bytes_sent, 130u);
  EXPECT_FALSE(snap.destinations[0].kernel.mismatch);
  EXPECT_EQ(snap.destinations[1].kernel.connections_checked, 0u);

  meter.kernel_checked(closed, KernelTcpCounters{90, 90, 20});  // the kernel acked less
  EXPECT_TRUE(meter.snapshot().destinations[0].kernel.mismatch);
}

}  // namespace
}  // namespace sluice::egress
