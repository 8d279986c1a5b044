#include "egress/ledger.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace sluice::egress {
namespace {

const Verdict kAllowed{true, "tcp://127.0.0.1:*", "allowed by --allow-outbound"};
const Verdict kDenied{false, "default-deny", "no --allow-outbound rule matches"};

TEST(Ledger, ErrnoNames) {
  EXPECT_EQ(errno_name(ECONNREFUSED), "ECONNREFUSED");
  EXPECT_EQ(errno_name(ETIMEDOUT), "ETIMEDOUT");
  EXPECT_EQ(errno_name(99999), "E99999");
}

TEST(Ledger, CountsPerDestination) {
  Ledger ledger;
  const Destination a{Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080, "localhost"};
  const Destination b{Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080, {}};  // no name: distinct
  DestinationRecord* ra = ledger.destination(a, kAllowed);
  EXPECT_EQ(ledger.destination(a, kAllowed), ra);  // found again, not duplicated
  DestinationRecord* rb = ledger.destination(b, kAllowed);
  EXPECT_NE(ra, rb);

  FlowRecord* f1 = ledger.open_flow(ra);
  FlowRecord* f2 = ledger.open_flow(ra);
  FlowRecord* f3 = ledger.open_flow(rb);
  ledger.connect_finished(f1, true, 0);
  ledger.connect_finished(f2, false, ECONNREFUSED);
  ledger.connect_finished(f3, false, ECONNREFUSED);
  FlowCounters::add(f1->counters.bytes_out, 100);
  FlowCounters::add(f1->counters.bytes_in, 40);
  EXPECT_EQ(ledger.find_flow(&f1->counters), f1);
  FlowCounters foreign;
  EXPECT_EQ(ledger.find_flow(&foreign), nullptr);

  LedgerSnapshot snap = ledger.snapshot();
  ASSERT_EQ(snap.destinations.size(), 2u);
  const DestinationSummary& sb = snap.destinations[0];  // "" sorts before "localhost"
  const DestinationSummary& sa = snap.destinations[1];
  EXPECT_EQ(sa.key.name, "localhost");
  EXPECT_EQ(sa.attempts, 2u);
  EXPECT_EQ(sa.established, 1u);
  EXPECT_EQ(sa.failed.at("ECONNREFUSED"), 1u);
  EXPECT_EQ(sa.bytes_sent, 100u);
  EXPECT_EQ(sa.bytes_received, 40u);
  EXPECT_EQ(sb.attempts, 1u);
  EXPECT_EQ(snap.totals.connections_attempted, 3u);
  EXPECT_EQ(snap.totals.connections_established, 1u);
  EXPECT_EQ(snap.totals.connections_failed, 2u);
  EXPECT_EQ(snap.totals.bytes_sent, 100u);
}

TEST(Ledger, DenialsByRule) {
  Ledger ledger;
  const Destination d{Transport::kTcp, IpAddress::v4(10, 9, 9, 9), 22, {}};
  DestinationRecord* r = ledger.destination(d, kDenied);
  ledger.count_denied(r);
  ledger.count_denied(r);
  LedgerSnapshot snap = ledger.snapshot();
  ASSERT_EQ(snap.destinations.size(), 1u);
  EXPECT_FALSE(snap.destinations[0].allowed);
  EXPECT_EQ(snap.destinations[0].denied, 2u);
  EXPECT_EQ(snap.destinations[0].rule, "default-deny");
  EXPECT_EQ(snap.destinations[0].reason, "no --allow-outbound rule matches");
  EXPECT_EQ(snap.destinations[0].attempts, 0u);
  EXPECT_EQ(snap.totals.connections_denied, 2u);
}

TEST(Ledger, DatagramsShareOneFlowPerDestination) {
  Ledger ledger;
  const Destination d{Transport::kUdp, IpAddress::v4(10, 0, 0, 53), 53, {}};
  DestinationRecord* r = ledger.destination(d, kAllowed);
  FlowRecord* f = ledger.count_datagram(r, 40);
  EXPECT_EQ(ledger.count_datagram(r, 60), f);
  FlowCounters::add(f->counters.datagrams_in, 1);
  FlowCounters::add(f->counters.bytes_in, 512);
  LedgerSnapshot snap = ledger.snapshot();
  EXPECT_EQ(snap.destinations[0].datagrams_sent, 2u);
  EXPECT_EQ(snap.destinations[0].bytes_sent, 100u);
  EXPECT_EQ(snap.totals.udp_bytes_sent, 100u);
  EXPECT_EQ(snap.totals.udp_bytes_received, 512u);
  EXPECT_EQ(snap.totals.datagrams_received, 1u);
  EXPECT_EQ(snap.totals.bytes_sent, 0u);  // TCP only
  EXPECT_EQ(snap.totals.connections_attempted, 0u);
}

TEST(Ledger, KernelCrossCheck) {
  Ledger ledger;
  DestinationRecord* r = ledger.destination({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 1, {}}, kAllowed);
  FlowRecord* good = ledger.open_flow(r);
  FlowCounters::add(good->counters.bytes_out, 1000);
  FlowCounters::add(good->counters.bytes_in, 10);
  KernelTcpCounters k{1000, 1200, 10};
  EXPECT_TRUE(ledger.close_flow(good, &k));
  EXPECT_FALSE(ledger.close_flow(good, &k));  // closing twice counts once
  LedgerSnapshot snap = ledger.snapshot();
  EXPECT_EQ(snap.destinations[0].kernel.connections_checked, 1u);
  EXPECT_EQ(snap.destinations[0].kernel.bytes_sent, 1200u);
  EXPECT_FALSE(snap.destinations[0].kernel.mismatch);

  FlowRecord* bad = ledger.open_flow(r);
  FlowCounters::add(bad->counters.bytes_out, 500);
  KernelTcpCounters short_ack{400, 400, 0};
  ledger.close_flow(bad, &short_ack);
  snap = ledger.snapshot();
  EXPECT_EQ(snap.destinations[0].kernel.connections_checked, 2u);
  EXPECT_EQ(snap.destinations[0].kernel.bytes_acked, 1400u);
  EXPECT_TRUE(snap.destinations[0].kernel.mismatch);
  EXPECT_TRUE(ledger.open_flows().empty());
}

TEST(Ledger, DnsCounts) {
  Ledger ledger;
  ledger.count_lookup("example.com", false);
  ledger.lookup_finished("example.com", 2, 0);
  ledger.count_lookup("example.com", false);
  ledger.lookup_finished("example.com", 0, -2);
  ledger.count_lookup("evil.example", true);
  LedgerSnapshot snap = ledger.snapshot();
  ASSERT_EQ(snap.dns.size(), 2u);
  EXPECT_EQ(snap.dns[0].name, "evil.example");
  EXPECT_EQ(snap.dns[0].denied, 1u);
  EXPECT_EQ(snap.dns[1].lookups, 2u);
  EXPECT_EQ(snap.dns[1].addresses, 2u);
  EXPECT_EQ(snap.dns[1].failed, 1u);
  EXPECT_EQ(snap.totals.dns_lookups, 2u);
  EXPECT_EQ(snap.totals.dns_denied, 1u);
}

TEST(Ledger, FlowCountersStayPutAsFlowsGrow) {
  Ledger ledger;
  DestinationRecord* r = ledger.destination({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 1, {}}, kAllowed);
  FlowCounters* first = &ledger.open_flow(r)->counters;
  for (int i = 0; i < 10000; ++i) ledger.open_flow(r);
  FlowCounters::add(first->bytes_out, 7);  // still valid memory (ASan would catch a move)
  EXPECT_EQ(ledger.find_flow(first)->counters.bytes_out.load(), 7u);
}

}  // namespace
}  // namespace sluice::egress

namespace sluice::egress {
namespace {

TEST(Ledger, BoundedBreakdownKeepsExactTotals) {
  Ledger ledger(/*max_destinations=*/3, /*max_names=*/2);
  for (uint16_t port = 1; port <= 10; ++port) {
    const Destination d{Transport::kTcp, IpAddress::v4(10, 0, 0, 1), port, {}};
    ledger.count_denied(ledger.destination(d, kDenied));
  }
  FlowRecord* f = ledger.open_flow(
      ledger.destination({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 80, {}}, kAllowed));
  FlowCounters::add(f->counters.bytes_out, 5);
  for (int i = 0; i < 10; ++i) ledger.count_lookup("n" + std::to_string(i) + ".example", true);

  LedgerSnapshot snap = ledger.snapshot();
  ASSERT_EQ(snap.destinations.size(), 5u);  // 3 kept + "(other denied)" + "(other allowed)"
  EXPECT_EQ(snap.destinations[0].key.name, kOtherAllowed);  // 0.0.0.0 sorts first
  EXPECT_EQ(snap.destinations[0].attempts, 1u);
  EXPECT_EQ(snap.destinations[0].bytes_sent, 5u);
  EXPECT_EQ(snap.destinations[1].key.name, kOtherDenied);
  EXPECT_EQ(snap.destinations[1].denied, 7u);
  EXPECT_EQ(snap.destinations[1].rule, kVarious);
  EXPECT_EQ(snap.totals.connections_denied, 10u);
  EXPECT_EQ(snap.totals.bytes_sent, 5u);
  ASSERT_EQ(snap.dns.size(), 3u);
  EXPECT_EQ(snap.dns[0].name, kOtherNames);
  EXPECT_EQ(snap.dns[0].denied, 8u);
  EXPECT_EQ(snap.totals.dns_denied, 10u);
}

}  // namespace
}  // namespace sluice::egress
