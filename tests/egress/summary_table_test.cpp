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
  OutboundRules rules;
  rules.allow_outbound("tcp://127.0.0.1:*");
  Meter meter(std::move(rules), {});
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
  EXPECT_NE(text.find("2.0 KiB"), std::string::npos) << text;
  EXPECT_NE(text.find("10.0.0.1:22"), std::string::npos) << text;
  EXPECT_NE(text.find("deny"), std::string::npos) << text;
  EXPECT_NE(text.find("evil.example (denied 1)"), std::string::npos) << text;

  Meter quiet(OutboundRules{}, {});
  std::ostringstream none;
  write_summary(quiet, none);
  EXPECT_NE(none.str().find("no network egress"), std::string::npos);
}

}  // namespace
}  // namespace sluice::egress
