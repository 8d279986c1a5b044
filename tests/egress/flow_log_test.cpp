#include "egress/flow_log.h"

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "egress/event_drain.h"
#include "egress/meter.h"

namespace sluice::egress {
namespace {

using nlohmann::json;

std::vector<json> lines_of(Meter& meter) {
  std::vector<json> lines;
  meter.events().drain([&](const Event& e) {
    std::string line = flow_log_line("sb-9", e);
    if (!line.empty()) {
      EXPECT_EQ(line.find('\n'), std::string::npos);
      lines.push_back(json::parse(line));
    }
  });
  return lines;
}

OutboundRules rules() {
  OutboundRules r;
  r.allow_outbound("tcp://example.org:443");
  r.allow_outbound("udp://10.0.0.0/8:53");
  return r;
}

TEST(FlowLog, AcceptedFlowCarriesTotals) {
  Meter meter(rules(), {.sandbox_id = "sb-9"});
  const IpAddress ip = IpAddress::v4(93, 184, 216, 34);
  meter.decide_lookup("example.org");
  meter.lookup_finished("example.org", {ip}, 0);
  FlowCounters* flow = nullptr;
  meter.decide_connect({Transport::kTcp, ip, 443, "example.org"}, &flow);
  meter.connect_finished(flow, true, 0);
  FlowCounters::add(flow->bytes_out, 512);
  FlowCounters::add(flow->bytes_in, 2048);
  meter.flow_closed(flow, nullptr);

  auto lines = lines_of(meter);
  ASSERT_EQ(lines.size(), 2u);  // dns + closed flow; attempt/established are not records
  EXPECT_EQ(lines[0]["type"], "dns");
  EXPECT_EQ(lines[0]["dst_name"], "example.org");
  EXPECT_EQ(lines[0]["action"], "ACCEPT");
  EXPECT_EQ(lines[0]["addresses"], 1);
  EXPECT_EQ(lines[0]["rule"], "tcp://example.org:443");

  const json& f = lines[1];
  EXPECT_EQ(f["type"], "flow");
  EXPECT_EQ(f["sandbox"], "sb-9");
  EXPECT_EQ(f["transport"], "tcp");
  EXPECT_EQ(f["dst_ip"], "93.184.216.34");
  EXPECT_EQ(f["dst_port"], 443);
  EXPECT_EQ(f["dst_name"], "example.org");
  EXPECT_EQ(f["action"], "ACCEPT");
  EXPECT_EQ(f["rule"], "tcp://example.org:443");
  EXPECT_TRUE(f["error"].is_null());
  EXPECT_EQ(f["bytes_out"], 512);
  EXPECT_EQ(f["bytes_in"], 2048);
  EXPECT_EQ(f["packets_out"], 0);
  EXPECT_GE(f["duration_ms"].get<double>(), 0.0);
  EXPECT_LE(f["start"].get<std::string>(), f["end"].get<std::string>());
  EXPECT_EQ(f["ts"], f["end"]);
  const std::string ts = f["ts"];
  ASSERT_EQ(ts.size(), 24u);  // 2026-11-29T03:01:45.123Z
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts.back(), 'Z');
}

TEST(FlowLog, RejectionsAndFailures) {
  Meter meter(rules(), {.sandbox_id = "sb-9"});
  FlowCounters* flow = nullptr;
  meter.decide_connect({Transport::kTcp, IpAddress::v4(1, 1, 1, 1), 443, {}}, &flow);
  meter.decide_datagram({Transport::kUdp, IpAddress::v4(10, 0, 0, 1), 53, {}}, 33, &flow);
  meter.decide_lookup("nope.example");
  meter.finish();  // closes the UDP flow
  auto lines = lines_of(meter);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["action"], "REJECT");
  EXPECT_EQ(lines[0]["rule"], "default-deny");
  EXPECT_EQ(lines[0]["reason"], "no --allow-outbound rule matches");
  EXPECT_TRUE(lines[0]["dst_name"].is_null());
  EXPECT_EQ(lines[0]["bytes_out"], 0);
  EXPECT_EQ(lines[0]["duration_ms"], 0.0);
  EXPECT_EQ(lines[1]["type"], "dns");
  EXPECT_EQ(lines[1]["action"], "REJECT");
  EXPECT_EQ(lines[2]["transport"], "udp");
  EXPECT_EQ(lines[2]["action"], "ACCEPT");
  EXPECT_EQ(lines[2]["packets_out"], 1);
  EXPECT_EQ(lines[2]["bytes_out"], 33);

  OutboundRules local;
  local.allow_outbound("tcp://127.0.0.1:*");
  Meter refused(std::move(local), {});
  refused.decide_connect({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 1, {}}, &flow);
  refused.connect_finished(flow, false, ECONNREFUSED);
  refused.flow_closed(flow, nullptr);
  auto refused_lines = lines_of(refused);
  ASSERT_EQ(refused_lines.size(), 1u);
  EXPECT_EQ(refused_lines[0]["error"], "ECONNREFUSED");
}

TEST(FlowLog, WriterFileFedByDrainThread) {
  const std::string path = ::testing::TempDir() + "/egress-flow-log-test.jsonl";
  Meter meter(rules(), {.sandbox_id = "sb-9"});
  {
    FlowLogWriter writer(path, "sb-9");
    EventDrain drain(meter.events(), std::ref(writer), std::chrono::milliseconds(1));
    FlowCounters* flow = nullptr;
    for (int i = 0; i < 5; ++i) {
      meter.decide_connect({Transport::kTcp, IpAddress::v4(1, 1, 1, 1), 443, {}}, &flow);
    }
    meter.finish();
    drain.stop();
    meter.events().drain(std::ref(writer));  // nothing left, but the CLI does this too
  }
  std::ifstream in(path);
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(json::parse(line)["action"], "REJECT");
    ++count;
  }
  EXPECT_EQ(count, 5);
  std::remove(path.c_str());
  EXPECT_THROW(FlowLogWriter("/nonexistent-dir/x.jsonl", "s"), std::runtime_error);
}

}  // namespace
}  // namespace sluice::egress
