#include "egress/ledger.h"

#include <netdb.h>

#include <cerrno>
#include <set>

#include <gtest/gtest.h>

namespace sluice::egress {
namespace {

const Verdict kAllowed{true, Reason::kAllowedByRule, "tcp://127.0.0.1:*"};
const Verdict kDenied{false, Reason::kNoAllowRule, "default-deny"};
const Verdict kDeniedByRule{false, Reason::kDeniedByRule, "tcp://10.0.0.0/8:*"};

const Destination kLocal{Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 1, {}};

TEST(Ledger, ErrnoNames) {
  EXPECT_EQ(errno_name(ECONNREFUSED), "ECONNREFUSED");
  EXPECT_EQ(errno_name(ETIMEDOUT), "ETIMEDOUT");
  EXPECT_EQ(errno_name(99999), "E99999");
}

TEST(Ledger, EaiNames) {
  EXPECT_EQ(eai_name(EAI_NONAME), "EAI_NONAME");
  EXPECT_EQ(eai_name(EAI_AGAIN), "EAI_AGAIN");
  EXPECT_EQ(eai_name(EAI_FAIL), "EAI_FAIL");
  EXPECT_EQ(eai_name(12345), "EAI12345");
}

TEST(Ledger, CountsPerDestination) {
  Ledger ledger;
  const Destination a{Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080, "localhost"};
  const Destination b{Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080, {}};  // no name: distinct
  DestinationRecord* ra = ledger.destination(a);
  EXPECT_EQ(ledger.destination(a), ra);  // found again, not duplicated
  DestinationRecord* rb = ledger.destination(b);
  EXPECT_NE(ra, rb);

  FlowRecord* f1 = ledger.open_flow(ra, kAllowed, 100);
  FlowRecord* f2 = ledger.open_flow(ra, kAllowed, 200);
  FlowRecord* f3 = ledger.open_flow(rb, kAllowed, 300);
  EXPECT_EQ(f1->started_ns, 100);
  EXPECT_EQ(f1->rule, kAllowed.rule);
  ledger.connect_finished(f1, true, 0);
  ledger.connect_finished(f2, false, ECONNREFUSED);
  ledger.connect_finished(f3, false, ECONNREFUSED);
  EXPECT_EQ(f2->error, ECONNREFUSED);
  FlowCounters::add(f1->counters.bytes_out, 100);
  FlowCounters::add(f1->counters.bytes_in, 40);
  EXPECT_EQ(ledger.find_flow(&f1->counters), f1);
  FlowCounters foreign;
  EXPECT_EQ(ledger.find_flow(&foreign), nullptr);
  EXPECT_EQ(ledger.find_flow(nullptr), nullptr);
  EXPECT_EQ(ledger.open_flow_count(), 3u);

  LedgerSnapshot snap = ledger.snapshot();
  ASSERT_EQ(snap.destinations.size(), 2u);
  const DestinationSummary& sb = snap.destinations[0];  // "" sorts before "localhost"
  const DestinationSummary& sa = snap.destinations[1];
  EXPECT_EQ(sa.key.name, "localhost");
  EXPECT_EQ(sa.allowed_by, "tcp://127.0.0.1:*");
  EXPECT_EQ(sa.attempts, 2u);
  EXPECT_EQ(sa.established, 1u);
  EXPECT_EQ(sa.failed.at("ECONNREFUSED"), 1u);
  EXPECT_EQ(sa.bytes_sent, 100u);
  EXPECT_EQ(sa.bytes_received, 40u);
  EXPECT_EQ(sa.denied, 0u);
  EXPECT_TRUE(sa.denials.empty());
  EXPECT_EQ(sb.attempts, 1u);
  EXPECT_EQ(snap.totals.connections_attempted, 3u);
  EXPECT_EQ(snap.totals.connections_established, 1u);
  EXPECT_EQ(snap.totals.connections_failed, 2u);
  EXPECT_EQ(snap.totals.bytes_sent, 100u);
}

TEST(Ledger, DenialsByRuleAndReason) {
  Ledger ledger;
  const Destination d{Transport::kTcp, IpAddress::v4(10, 9, 9, 9), 22, {}};
  DestinationRecord* r = ledger.destination(d);
  ledger.count_denied(r, kDenied);
  ledger.count_denied(r, kDenied);
  ledger.count_denied(r, kDeniedByRule);
  ledger.count_denied(r, Verdict{false, Reason::kConcurrentConnections, "limits.concurrent_connections"});
  LedgerSnapshot snap = ledger.snapshot();
  ASSERT_EQ(snap.destinations.size(), 1u);
  const DestinationSummary& s = snap.destinations[0];
  EXPECT_EQ(s.allowed_by, "");
  EXPECT_EQ(s.denied, 4u);
  ASSERT_EQ(s.denials.size(), 3u);  // one entry per (rule, reason), in first-seen order
  EXPECT_EQ(s.denials[0].rule, "default-deny");
  EXPECT_EQ(s.denials[0].reason, Reason::kNoAllowRule);
  EXPECT_STREQ(to_string(s.denials[0].reason), "no-allow-rule");
  EXPECT_EQ(s.denials[0].count, 2u);
  EXPECT_EQ(s.denials[1].rule, "tcp://10.0.0.0/8:*");
  EXPECT_EQ(s.denials[1].reason, Reason::kDeniedByRule);
  EXPECT_EQ(s.denials[1].count, 1u);
  EXPECT_EQ(s.denials[2].rule, "limits.concurrent_connections");
  EXPECT_STREQ(to_string(s.denials[2].reason), "concurrent-connections");
  EXPECT_EQ(s.attempts, 0u);
  EXPECT_EQ(snap.totals.connections_denied, 4u);
}

TEST(Ledger, SameRuleDifferentReasonsAreSeparate) {
  Ledger ledger;
  DestinationRecord* r = ledger.destination(kLocal);
  ledger.count_denied(r, Verdict{false, Reason::kByteQuota, "x"});
  ledger.count_denied(r, Verdict{false, Reason::kDestinationByteQuota, "x"});
  const LedgerSnapshot snap = ledger.snapshot();
  ASSERT_EQ(snap.destinations[0].denials.size(), 2u);
  EXPECT_EQ(snap.destinations[0].denied, 2u);
}

TEST(Ledger, DatagramsShareOneFlowPerDestination) {
  Ledger ledger;
  const Destination d{Transport::kUdp, IpAddress::v4(10, 0, 0, 53), 53, {}};
  DestinationRecord* r = ledger.destination(d);
  FlowRecord* f = ledger.count_datagram(r, kAllowed, 40, 1);
  EXPECT_EQ(ledger.count_datagram(r, kAllowed, 60, 2), f);
  EXPECT_EQ(f->started_ns, 1);  // the first datagram opened it
  FlowCounters::add(f->counters.datagrams_in, 1);
  FlowCounters::add(f->counters.bytes_in, 512);
  LedgerSnapshot snap = ledger.snapshot();
  EXPECT_EQ(snap.destinations[0].datagrams_sent, 2u);
  EXPECT_EQ(snap.destinations[0].bytes_sent, 100u);
  EXPECT_EQ(snap.destinations[0].attempts, 0u);  // datagrams are not connection attempts
  EXPECT_EQ(snap.destinations[0].allowed_by, "tcp://127.0.0.1:*");
  EXPECT_EQ(snap.totals.udp_bytes_sent, 100u);
  EXPECT_EQ(snap.totals.udp_bytes_received, 512u);
  EXPECT_EQ(snap.totals.datagrams_received, 1u);
  EXPECT_EQ(snap.totals.bytes_sent, 0u);  // TCP only
  EXPECT_EQ(snap.totals.connections_attempted, 0u);

  // Closing the datagram flow folds it in; the next datagram opens a fresh one.
  FlowTotals totals;
  int64_t started = 0;
  ASSERT_TRUE(ledger.close_flow(f, nullptr, &totals, &started));
  EXPECT_EQ(totals.datagrams_out, 2u);
  EXPECT_EQ(totals.bytes_out, 100u);
  EXPECT_EQ(totals.bytes_in, 512u);
  EXPECT_EQ(started, 1);
  FlowRecord* again = ledger.count_datagram(r, kAllowed, 7, 3);
  EXPECT_EQ(again->counters.datagrams_out.load(), 1u);
  EXPECT_EQ(again->counters.bytes_out.load(), 7u);
  snap = ledger.snapshot();
  EXPECT_EQ(snap.destinations[0].datagrams_sent, 3u);
  EXPECT_EQ(snap.destinations[0].bytes_sent, 107u);
}

TEST(Ledger, KernelCrossCheck) {
  Ledger ledger;
  DestinationRecord* r = ledger.destination(kLocal);
  FlowRecord* good = ledger.open_flow(r, kAllowed, 0);
  FlowCounters::add(good->counters.bytes_out, 1000);
  FlowCounters::add(good->counters.bytes_in, 10);
  KernelTcpCounters k{1000, 1200, 10};
  EXPECT_TRUE(ledger.close_flow(good, &k, nullptr, nullptr));
  EXPECT_FALSE(ledger.close_flow(good, &k, nullptr, nullptr));  // closing twice counts once
  LedgerSnapshot snap = ledger.snapshot();
  EXPECT_EQ(snap.destinations[0].kernel.connections_checked, 1u);
  EXPECT_EQ(snap.destinations[0].kernel.bytes_sent, 1200u);
  EXPECT_FALSE(snap.destinations[0].kernel.mismatch);
  EXPECT_EQ(snap.destinations[0].bytes_sent, 1000u);  // folded in at close

  FlowRecord* bad = ledger.open_flow(r, kAllowed, 0);
  FlowCounters::add(bad->counters.bytes_out, 500);
  KernelTcpCounters short_ack{400, 400, 0};
  ledger.close_flow(bad, &short_ack, nullptr, nullptr);
  snap = ledger.snapshot();
  EXPECT_EQ(snap.destinations[0].kernel.connections_checked, 2u);
  EXPECT_EQ(snap.destinations[0].kernel.bytes_acked, 1400u);
  EXPECT_TRUE(snap.destinations[0].kernel.mismatch);
  EXPECT_EQ(snap.destinations[0].bytes_sent, 1500u);
  EXPECT_TRUE(ledger.open_flows().empty());
  EXPECT_EQ(ledger.open_flow_count(), 0u);
}

TEST(Ledger, DnsCounts) {
  Ledger ledger;
  const Verdict lookup_allowed{true, Reason::kAllowedByRule, "tcp://example.com:443"};
  const Verdict lookup_denied{false, Reason::kNoNameRule, "default-deny"};
  ledger.count_lookup("example.com", lookup_allowed);
  ledger.lookup_finished("example.com", 2, 0, nullptr);
  ledger.count_lookup("example.com", lookup_allowed);
  ledger.lookup_finished("example.com", 0, EAI_NONAME, nullptr);
  ledger.count_lookup("example.com", lookup_allowed);
  ledger.lookup_finished("example.com", 0, EAI_NONAME, nullptr);
  ledger.count_lookup("evil.example", lookup_denied);
  LedgerSnapshot snap = ledger.snapshot();
  ASSERT_EQ(snap.dns.size(), 2u);
  EXPECT_EQ(snap.dns[0].name, "evil.example");
  EXPECT_EQ(snap.dns[0].denied, 1u);
  ASSERT_EQ(snap.dns[0].denials.size(), 1u);
  EXPECT_EQ(snap.dns[0].denials[0].reason, Reason::kNoNameRule);
  EXPECT_EQ(snap.dns[0].denials[0].rule, "default-deny");
  EXPECT_EQ(snap.dns[1].lookups, 3u);
  EXPECT_EQ(snap.dns[1].addresses, 2u);
  EXPECT_EQ(snap.dns[1].failed, 2u);
  EXPECT_EQ(snap.dns[1].errors, (std::map<std::string, uint64_t>{{"EAI_NONAME", 2}}));
  EXPECT_EQ(snap.totals.dns_lookups, 3u);
  EXPECT_EQ(snap.totals.dns_denied, 1u);
}

TEST(Ledger, Listens) {
  Ledger ledger;
  const Verdict listen_ok{true, Reason::kInboundAllowed, "tcp://127.0.0.1:8080"};
  const Verdict listen_no{false, Reason::kNoInboundRule, "default-deny"};
  ledger.count_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080, listen_ok);
  ledger.count_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080, listen_ok);
  ledger.count_listen(Transport::kUdp, IpAddress::v4(127, 0, 0, 1), 8080, listen_no);
  ledger.count_listen(Transport::kTcp, IpAddress::v4(10, 0, 0, 1), 9090, listen_no);
  const LedgerSnapshot snap = ledger.snapshot();
  ASSERT_EQ(snap.listens.size(), 3u);  // by transport, IP, port
  EXPECT_EQ(snap.listens[0].transport, Transport::kTcp);
  EXPECT_EQ(snap.listens[0].ip, IpAddress::v4(10, 0, 0, 1));
  EXPECT_EQ(snap.listens[0].denied, 1u);
  EXPECT_EQ(snap.listens[0].allowed, 0u);
  EXPECT_EQ(snap.listens[0].allowed_by, "");
  ASSERT_EQ(snap.listens[0].denials.size(), 1u);
  EXPECT_EQ(snap.listens[0].denials[0].reason, Reason::kNoInboundRule);
  EXPECT_EQ(snap.listens[1].port, 8080);
  EXPECT_EQ(snap.listens[1].allowed, 2u);
  EXPECT_EQ(snap.listens[1].allowed_by, "tcp://127.0.0.1:8080");
  EXPECT_EQ(snap.listens[1].denied, 0u);
  EXPECT_EQ(snap.listens[2].transport, Transport::kUdp);
  EXPECT_EQ(snap.totals.listens_allowed, 2u);
  EXPECT_EQ(snap.totals.listens_denied, 2u);
  EXPECT_TRUE(snap.destinations.empty());
}

TEST(Ledger, FlowCountersStayPutAsFlowsGrow) {
  Ledger ledger;
  DestinationRecord* r = ledger.destination(kLocal);
  FlowCounters* first = &ledger.open_flow(r, kAllowed, 0)->counters;
  for (int i = 0; i < 10000; ++i) ledger.open_flow(r, kAllowed, 0);
  FlowCounters::add(first->bytes_out, 7);  // still valid memory (ASan would catch a move)
  EXPECT_EQ(ledger.find_flow(first)->counters.bytes_out.load(), 7u);
  EXPECT_EQ(ledger.open_flow_count(), 10001u);
  EXPECT_EQ(ledger.snapshot().totals.bytes_sent, 7u);
}

// A guest that opens and closes connections forever costs a fold per flow, not a record per flow.
TEST(Ledger, FlowRecordsArePooled) {
  Ledger ledger;
  const Destination other{Transport::kTcp, IpAddress::v4(127, 0, 0, 2), 2, {}};
  DestinationRecord* ra = ledger.destination(kLocal);
  DestinationRecord* rb = ledger.destination(other);
  constexpr int kCycles = 100000;
  std::set<const FlowRecord*> records;
  uint64_t expect_a_out = 0, expect_a_in = 0, expect_b_out = 0;
  // Keep two flows open at all times, so the pool has to hold a few records, not one.
  FlowRecord* held = ledger.open_flow(rb, kAllowed, 0);
  FlowCounters::add(held->counters.bytes_out, 3);
  expect_b_out += 3;
  records.insert(held);
  for (int i = 0; i < kCycles; ++i) {
    DestinationRecord* r = (i % 2 == 0) ? ra : rb;
    FlowRecord* f = ledger.open_flow(r, kAllowed, i);
    records.insert(f);
    // A recycled record starts from zero and points at its new destination.
    ASSERT_EQ(f->counters.bytes_out.load(), 0u) << i;
    ASSERT_EQ(f->counters.bytes_in.load(), 0u) << i;
    ASSERT_EQ(f->destination, r);
    ASSERT_EQ(f->counters.destination_charged, r->quota_charged);
    ASSERT_EQ(ledger.find_flow(&f->counters), f) << i;
    ledger.connect_finished(f, true, 0);
    const uint64_t out = static_cast<uint64_t>(i % 13);
    FlowCounters::add(f->counters.bytes_out, out);
    FlowCounters::add(f->counters.bytes_in, 1);
    if (r == ra) {
      expect_a_out += out;
      ++expect_a_in;
    } else {
      expect_b_out += out;
    }
    FlowTotals totals;
    int64_t started = -1;
    ASSERT_TRUE(ledger.close_flow(f, nullptr, &totals, &started));
    ASSERT_EQ(totals.bytes_out, out);
    ASSERT_EQ(started, i);
    ASSERT_EQ(ledger.open_flow_count(), 1u);
  }
  EXPECT_LE(records.size(), 3u) << "flow records are not reused";
  EXPECT_EQ(ledger.open_flow_count(), 1u);

  const LedgerSnapshot snap = ledger.snapshot();
  ASSERT_EQ(snap.destinations.size(), 2u);
  EXPECT_EQ(snap.destinations[0].attempts, kCycles / 2u);
  EXPECT_EQ(snap.destinations[0].established, kCycles / 2u);
  EXPECT_EQ(snap.destinations[0].bytes_sent, expect_a_out);
  EXPECT_EQ(snap.destinations[0].bytes_received, expect_a_in);
  EXPECT_EQ(snap.destinations[1].attempts, kCycles / 2u + 1);
  EXPECT_EQ(snap.destinations[1].bytes_sent, expect_b_out);  // includes the held, open flow
  EXPECT_EQ(snap.totals.connections_attempted, kCycles + 1u);
  EXPECT_EQ(snap.totals.bytes_sent, expect_a_out + expect_b_out);
  EXPECT_EQ(snap.totals.bytes_received, static_cast<uint64_t>(kCycles));
}

TEST(Ledger, TotalsStayExactAcrossRecycling) {
  Ledger ledger;
  const Destination udp{Transport::kUdp, IpAddress::v4(127, 0, 0, 53), 53, {}};
  DestinationRecord* tcp_rec = ledger.destination(kLocal);
  DestinationRecord* udp_rec = ledger.destination(udp);

  FlowRecord* f = ledger.open_flow(tcp_rec, kAllowed, 0);
  FlowCounters::add(f->counters.bytes_out, 100);
  FlowCounters::add(f->counters.bytes_in, 50);
  EXPECT_TRUE(ledger.close_flow(f, nullptr, nullptr, nullptr));

  // The same record now carries UDP datagrams: the TCP destination keeps what it had.
  FlowRecord* g = ledger.count_datagram(udp_rec, kAllowed, 20, 0);
  EXPECT_EQ(g, f) << "the closed record should be reused";
  FlowCounters::add(g->counters.datagrams_in, 2);
  FlowCounters::add(g->counters.bytes_in, 9);

  LedgerSnapshot snap = ledger.snapshot();
  ASSERT_EQ(snap.destinations.size(), 2u);
  EXPECT_EQ(snap.destinations[0].bytes_sent, 100u);
  EXPECT_EQ(snap.destinations[0].bytes_received, 50u);
  EXPECT_EQ(snap.destinations[0].datagrams_sent, 0u);
  EXPECT_EQ(snap.destinations[1].bytes_sent, 20u);
  EXPECT_EQ(snap.destinations[1].bytes_received, 9u);
  EXPECT_EQ(snap.destinations[1].datagrams_sent, 1u);
  EXPECT_EQ(snap.destinations[1].datagrams_received, 2u);
  EXPECT_EQ(snap.totals.bytes_sent, 100u);
  EXPECT_EQ(snap.totals.udp_bytes_sent, 20u);
  EXPECT_EQ(snap.totals.udp_bytes_received, 9u);

  // Open (live) and closed flows of one destination add up.
  FlowRecord* h1 = ledger.open_flow(tcp_rec, kAllowed, 0);
  FlowRecord* h2 = ledger.open_flow(tcp_rec, kAllowed, 0);
  FlowCounters::add(h1->counters.bytes_out, 1);
  FlowCounters::add(h2->counters.bytes_out, 2);
  snap = ledger.snapshot();
  EXPECT_EQ(snap.destinations[0].bytes_sent, 103u);
  ledger.close_flow(h1, nullptr, nullptr, nullptr);
  snap = ledger.snapshot();
  EXPECT_EQ(snap.destinations[0].bytes_sent, 103u);  // unchanged by the fold
  ledger.close_flow(h2, nullptr, nullptr, nullptr);
  ledger.close_flow(g, nullptr, nullptr, nullptr);
  snap = ledger.snapshot();
  EXPECT_EQ(snap.destinations[0].bytes_sent, 103u);
  EXPECT_EQ(snap.destinations[1].bytes_received, 9u);
  EXPECT_EQ(snap.totals.bytes_sent, 103u);
  EXPECT_EQ(ledger.open_flow_count(), 0u);
}

TEST(Ledger, BoundedBreakdownKeepsExactTotals) {
  Ledger ledger(/*max_destinations=*/3, /*max_names=*/2);
  for (uint16_t port = 1; port <= 10; ++port) {
    const Destination d{Transport::kTcp, IpAddress::v4(10, 0, 0, 1), port, {}};
    ledger.count_denied(ledger.destination(d), kDenied);
  }
  FlowRecord* f = ledger.open_flow(
      ledger.destination({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 80, {}}), kAllowed, 0);
  FlowCounters::add(f->counters.bytes_out, 5);
  // Other transports and directions fold into their own "(other)".
  ledger.count_datagram(ledger.destination({Transport::kUdp, IpAddress::v4(127, 0, 0, 1), 53, {}}),
                        kAllowed, 11, 0);
  ledger.open_flow(ledger.destination({Transport::kTcp, IpAddress::v4(192, 168, 0, 9), 8080, {},
                                       Direction::kInbound}),
                   Verdict{true, Reason::kInboundAllowed, "inbound"}, 0);
  const Verdict lookup_denied{false, Reason::kNoNameRule, "default-deny"};
  for (int i = 0; i < 10; ++i) ledger.count_lookup("n" + std::to_string(i) + ".example", lookup_denied);

  LedgerSnapshot snap = ledger.snapshot();
  // 3 kept (tcp 10.0.0.1:1..3) + "(other)" for tcp out, udp out and tcp in.
  ASSERT_EQ(snap.destinations.size(), 6u);
  const DestinationSummary& other_tcp = snap.destinations[0];  // 0.0.0.0 sorts first
  EXPECT_EQ(other_tcp.key.name, kOtherDestinations);
  EXPECT_EQ(other_tcp.key.port, 0);
  EXPECT_EQ(other_tcp.key.ip, IpAddress{});
  EXPECT_EQ(other_tcp.attempts, 1u);
  EXPECT_EQ(other_tcp.bytes_sent, 5u);
  EXPECT_EQ(other_tcp.denied, 7u);
  ASSERT_EQ(other_tcp.denials.size(), 1u);
  EXPECT_EQ(other_tcp.denials[0].reason, Reason::kNoAllowRule);
  EXPECT_EQ(snap.destinations[4].key.name, kOtherDestinations);
  EXPECT_EQ(snap.destinations[4].key.transport, Transport::kUdp);
  EXPECT_EQ(snap.destinations[4].bytes_sent, 11u);
  EXPECT_EQ(snap.destinations[5].key.name, kOtherDestinations);
  EXPECT_EQ(snap.destinations[5].key.direction, Direction::kInbound);
  EXPECT_EQ(snap.totals.connections_denied, 10u);
  EXPECT_EQ(snap.totals.connections_attempted, 1u);
  EXPECT_EQ(snap.totals.connections_accepted, 1u);
  EXPECT_EQ(snap.totals.bytes_sent, 5u);
  EXPECT_EQ(snap.totals.udp_bytes_sent, 11u);
  ASSERT_EQ(snap.dns.size(), 3u);
  EXPECT_EQ(snap.dns[0].name, kOtherNames);
  EXPECT_EQ(snap.dns[0].denied, 8u);
  EXPECT_EQ(snap.totals.dns_denied, 10u);
}

}  // namespace
}  // namespace sluice::egress

namespace sluice::egress {
namespace {

TEST(Ledger, BoundedListensKeepExactTotals) {
  Ledger ledger(/*max_destinations=*/2, /*max_names=*/2);
  const Verdict listen_no{false, Reason::kNoInboundRule, "default-deny"};
  const Verdict listen_ok{true, Reason::kInboundAllowed, "tcp://127.0.0.1:*"};
  for (uint16_t port = 1; port <= 10; ++port) {
    ledger.count_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), port, listen_no);
  }
  ledger.count_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 11, listen_ok);
  const LedgerSnapshot snap = ledger.snapshot();
  EXPECT_EQ(snap.totals.listens_denied, 10u);
  EXPECT_EQ(snap.totals.listens_allowed, 1u);
  ASSERT_EQ(snap.listens.size(), 3u);  // 2 kept + one that collects the rest
  const ListenSummary& other = snap.listens[0];  // 0.0.0.0 sorts first
  EXPECT_EQ(other.ip, IpAddress{});
  EXPECT_EQ(other.port, 0);
  EXPECT_EQ(other.denied, 8u);
  EXPECT_EQ(other.allowed, 1u);
  EXPECT_EQ(snap.listens[1].port, 1);
  EXPECT_EQ(snap.listens[2].port, 2);
}

}  // namespace
}  // namespace sluice::egress
