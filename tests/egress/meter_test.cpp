#include "egress/meter.h"

#include <cerrno>

#include <gtest/gtest.h>

#include "egress/ip_address.h"

namespace sluice::egress {
namespace {

OutboundRules rules_for(std::initializer_list<const char*> patterns) {
  OutboundRules rules;
  for (const char* p : patterns) rules.allow_outbound(p);
  return rules;
}

std::vector<Event> drain_all(Meter& meter) {
  std::vector<Event> events;
  meter.events().drain([&](const Event& e) { events.push_back(e); });
  return events;
}

TEST(Meter, NameRuleAllowsOnlyAfterLookup) {
  Meter meter(rules_for({"tcp://api.example.com:443"}), {.sandbox_id = "s1"});
  const IpAddress ip = IpAddress::v4(93, 184, 216, 34);
  FlowCounters* flow = nullptr;
  EXPECT_FALSE(meter.decide_connect({Transport::kTcp, ip, 443, {}}, &flow).allowed);
  EXPECT_EQ(flow, nullptr);

  EXPECT_TRUE(meter.decide_lookup("API.example.com").allowed);
  meter.lookup_finished("API.example.com", {ip}, 0);
  EXPECT_EQ(meter.name_for(ip), "api.example.com");
  // The socket may or may not fill the name itself; the meter attributes either way.
  Verdict v = meter.decide_connect({Transport::kTcp, ip, 443, {}}, &flow);
  EXPECT_TRUE(v.allowed);
  EXPECT_EQ(v.rule, "tcp://api.example.com:443");
  ASSERT_NE(flow, nullptr);

  LedgerSnapshot snap = meter.snapshot();
  ASSERT_EQ(snap.destinations.size(), 2u);  // unnamed (denied) and named (allowed)
  EXPECT_EQ(snap.destinations[0].key.name, "");
  EXPECT_EQ(snap.destinations[0].denied, 1u);
  EXPECT_EQ(snap.destinations[1].key.name, "api.example.com");
  EXPECT_EQ(snap.destinations[1].attempts, 1u);
}

TEST(Meter, DeniedLookupIsCountedAndLogged) {
  Meter meter(rules_for({"tcp://api.example.com:443"}), {.sandbox_id = "s1"});
  Verdict v = meter.decide_lookup("secret.attacker.example");
  EXPECT_FALSE(v.allowed);
  LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.dns_denied, 1u);
  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Event::Kind::kDnsDenied);
  EXPECT_EQ(events[0].dns->name, "secret.attacker.example");
  EXPECT_EQ(*events[0].rule, "default-deny");
}

TEST(Meter, EventSequenceOfOneConnection) {
  Meter meter(rules_for({"tcp://127.0.0.1:*"}), {.sandbox_id = "s1"});
  FlowCounters* flow = nullptr;
  meter.decide_connect({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080, {}}, &flow);
  meter.connect_finished(flow, true, 0);
  FlowCounters::add(flow->bytes_out, 123);
  FlowCounters::add(flow->bytes_in, 45);
  meter.flow_closed(flow, nullptr);
  meter.flow_closed(flow, nullptr);  // a second close is ignored
  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, Event::Kind::kAttempt);
  EXPECT_EQ(*events[0].rule, "tcp://127.0.0.1:*");
  EXPECT_EQ(events[1].kind, Event::Kind::kEstablished);
  EXPECT_EQ(events[2].kind, Event::Kind::kClosed);
  EXPECT_EQ(events[2].bytes_out, 123u);
  EXPECT_EQ(events[2].bytes_in, 45u);
  EXPECT_GE(events[2].at, events[2].start);
  EXPECT_EQ(events[2].destination->key.port, 8080);
}

TEST(Meter, FinishClosesWhatTheGuestLeftOpen) {
  Meter meter(rules_for({"*://127.0.0.1:*"}), {.sandbox_id = "s1"});
  FlowCounters* tcp = nullptr;
  FlowCounters* udp = nullptr;
  meter.decide_connect({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 1, {}}, &tcp);
  meter.decide_datagram({Transport::kUdp, IpAddress::v4(127, 0, 0, 1), 53, {}}, 30, &udp);
  ASSERT_NE(udp, nullptr);
  drain_all(meter);
  meter.finish();
  meter.finish();
  auto events = drain_all(meter);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Event::Kind::kClosed);
  EXPECT_EQ(events[1].kind, Event::Kind::kClosed);
  EXPECT_EQ(events[1].datagrams_out, 1u);
  EXPECT_EQ(events[1].bytes_out, 30u);
}

TEST(Meter, ForeignOrNullCountersAreIgnored) {
  Meter meter(rules_for({}), {});
  FlowCounters foreign;
  meter.connect_finished(nullptr, true, 0);
  meter.connect_finished(&foreign, false, ECONNREFUSED);
  meter.flow_closed(&foreign, nullptr);
  EXPECT_EQ(meter.events().recorded(), 0u);
}

TEST(Meter, MeteringOffStillDecides) {
  Meter meter(rules_for({"tcp://api.example.com:443", "udp://10.0.0.0/8:53"}),
              {.sandbox_id = "s1", .metering = false});
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
  meter.connect_finished(flow, true, 0);
  meter.flow_closed(flow, nullptr);
  meter.finish();
  LedgerSnapshot snap = meter.snapshot();
  EXPECT_TRUE(snap.destinations.empty());
  EXPECT_TRUE(snap.dns.empty());
  EXPECT_EQ(meter.events().recorded(), 0u);
}

TEST(Meter, ListenNeedsAllowInbound) {
  OutboundRules rules;
  rules.allow_inbound("tcp://127.0.0.1:8080");
  Meter meter(std::move(rules), {});
  EXPECT_TRUE(meter.decide_listen(Transport::kTcp, *parse_ip_address("::ffff:127.0.0.1"), 8080).allowed);
  EXPECT_FALSE(meter.decide_listen(Transport::kTcp, IpAddress::v4(0, 0, 0, 0), 8080).allowed);
}

}  // namespace
}  // namespace sluice::egress
