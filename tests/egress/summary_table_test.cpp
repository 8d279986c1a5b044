#include "egress/summary_table.h"

#include <sstream>

#include <gtest/gtest.h>

namespace sluice::egress {
namespace {

TEST(SummaryTable, HumanBytes) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(1023), "1023 B");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(3ull << 30), "3.0 GiB");
}

TEST(SummaryTable, OneRowPerDestination) {
  Policy policy;
  policy.add("tcp://127.0.0.1:*", RuleAction::kAllow, Direction::kOutbound, "test");
  Meter meter(std::move(policy), {});
  FlowCounters* flow = nullptr;
  meter.decide_connect({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080, {}}, &flow);
  meter.connect_finished(flow, true, 0);
  FlowCounters::add(flow->bytes_out, 2048);
  meter.decide_connect({Transport::kTcp, IpAddress::v4(10, 0, 0, 1), 22, {}}, &flow);
  meter.decide_lookup("evil.example");
  std::ostringstream out;
  write_summary(meter, out);
  const std::string text = out.str();
  EXPECT_NE(text.find("127.0.0.1:8080"), std::string::npos) << text;
  EXPECT_NE(text.find("allow tcp://127.0.0.1:*"), std::string::npos) << text;
  EXPECT_NE(text.find("2.0 KiB"), std::string::npos) << text;
  EXPECT_NE(text.find("10.0.0.1:22"), std::string::npos) << text;
  EXPECT_NE(text.find("deny default-deny (no-allow-rule)"), std::string::npos) << text;
  EXPECT_NE(text.find("evil.example (denied 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("1 connects (1 ok, 0 failed), 1 denied"), std::string::npos) << text;
  EXPECT_EQ(text.find("listen:"), std::string::npos) << text;  // no listens, no line

  Meter quiet(Policy{}, {});
  std::ostringstream none;
  write_summary(quiet, none);
  EXPECT_NE(none.str().find("no network egress"), std::string::npos);
}

TEST(SummaryTable, AllowedThenDeniedByALimitShowsBoth) {
  Policy policy;
  policy.add("tcp://127.0.0.1:*", RuleAction::kAllow, Direction::kOutbound, "test");
  policy.limits().concurrent_connections = 1;
  Meter meter(std::move(policy), {});
  FlowCounters* flow = nullptr;
  const Destination d{Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 80, {}};
  ASSERT_TRUE(meter.decide_connect(d, &flow).allowed);
  ASSERT_FALSE(meter.decide_connect(d, &flow).allowed);
  const std::string text = render_summary(meter.snapshot(), 0);
  EXPECT_NE(text.find("allow tcp://127.0.0.1:*; deny limits.concurrent_connections (concurrent-connections)"),
            std::string::npos)
      << text;
}

TEST(SummaryTable, ListensAndInbound) {
  Policy policy;
  policy.add("tcp://127.0.0.1:8080", RuleAction::kAllow, Direction::kInbound, "test");
  Meter meter(std::move(policy), {});
  meter.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080);
  meter.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 9090);
  FlowCounters* in = meter.accepted(Transport::kTcp, IpAddress::v4(127, 0, 0, 5), 8080);
  ASSERT_NE(in, nullptr);
  const std::string text = render_summary(meter.snapshot(), 3);
  EXPECT_NE(text.find("tcp in"), std::string::npos) << text;
  EXPECT_NE(text.find("127.0.0.5:8080"), std::string::npos) << text;
  EXPECT_NE(text.find("listen: tcp 127.0.0.1:8080 (1 allowed, 0 denied) tcp 127.0.0.1:9090 (0 allowed, 1 denied); "
                      "1 connections accepted"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("3 events dropped"), std::string::npos) << text;
}

}  // namespace
}  // namespace sluice::egress
