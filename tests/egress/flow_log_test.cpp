#include "egress/flow_log.h"

#include <netdb.h>

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

Policy rules() {
  Policy p;
  p.add("tcp://example.org:443", RuleAction::kAllow, Direction::kOutbound, "test");
  p.add("udp://10.0.0.0/8:53", RuleAction::kAllow, Direction::kOutbound, "test");
  return p;
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
  EXPECT_TRUE(lines[0]["reason"].is_null());
  EXPECT_TRUE(lines[0]["error"].is_null());

  const json& f = lines[1];
  EXPECT_EQ(f["type"], "flow");
  EXPECT_EQ(f["sandbox"], "sb-9");
  EXPECT_EQ(f["direction"], "outbound");
  EXPECT_EQ(f["transport"], "tcp");
  EXPECT_EQ(f["dst_ip"], "93.184.216.34");
  EXPECT_EQ(f["dst_port"], 443);
  EXPECT_EQ(f["dst_name"], "example.org");
  EXPECT_EQ(f["action"], "ACCEPT");
  EXPECT_EQ(f["rule"], "tcp://example.org:443");
  EXPECT_TRUE(f["reason"].is_null());
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
  EXPECT_EQ(lines[0]["type"], "flow");
  EXPECT_EQ(lines[0]["rule"], "default-deny");
  EXPECT_EQ(lines[0]["reason"], "no-allow-rule");
  EXPECT_EQ(lines[0]["start"], lines[0]["end"]);
  EXPECT_TRUE(lines[0]["dst_name"].is_null());
  EXPECT_EQ(lines[0]["bytes_out"], 0);
  EXPECT_EQ(lines[0]["duration_ms"], 0.0);
  EXPECT_EQ(lines[1]["type"], "dns");
  EXPECT_EQ(lines[1]["action"], "REJECT");
  EXPECT_EQ(lines[1]["rule"], "default-deny");
  EXPECT_EQ(lines[1]["reason"], "no-name-rule");
  EXPECT_EQ(lines[2]["transport"], "udp");
  EXPECT_EQ(lines[2]["action"], "ACCEPT");
  EXPECT_EQ(lines[2]["packets_out"], 1);
  EXPECT_EQ(lines[2]["bytes_out"], 33);

  Policy local;
  local.add("tcp://127.0.0.1:*", RuleAction::kAllow, Direction::kOutbound, "test");
  Meter refused(std::move(local), {});
  refused.decide_connect({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 1, {}}, &flow);
  refused.connect_finished(flow, false, ECONNREFUSED);  // ends the flow: no flow_closed
  refused.finish();
  auto refused_lines = lines_of(refused);
  ASSERT_EQ(refused_lines.size(), 1u);  // the failed connect, once
  EXPECT_EQ(refused_lines[0]["type"], "flow");
  EXPECT_EQ(refused_lines[0]["action"], "ACCEPT");  // the policy allowed it; the OS refused it
  EXPECT_EQ(refused_lines[0]["error"], "ECONNREFUSED");
  EXPECT_EQ(refused_lines[0]["rule"], "tcp://127.0.0.1:*");
  EXPECT_EQ(refused_lines[0]["bytes_out"], 0);
  EXPECT_GE(refused_lines[0]["duration_ms"].get<double>(), 0.0);
}

TEST(FlowLog, DenialLinesNameReasonAndRule) {
  Policy policy = rules();
  policy.add("tcp://10.0.0.0/8:*", RuleAction::kDeny, Direction::kOutbound, "test");
  policy.add("tcp://10.0.0.0/8:*", RuleAction::kAllow, Direction::kOutbound, "test");
  policy.limits().bytes_out = 10;
  Meter meter(std::move(policy), {.sandbox_id = "sb-9"});
  FlowCounters* flow = nullptr;
  EXPECT_FALSE(meter.decide_connect({Transport::kTcp, IpAddress::v4(10, 1, 2, 3), 80, {}}, &flow).allowed);
  EXPECT_FALSE(meter.decide_datagram({Transport::kUdp, IpAddress::v4(10, 0, 0, 1), 53, {}}, 11, &flow).allowed);
  auto lines = lines_of(meter);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["action"], "REJECT");
  EXPECT_EQ(lines[0]["reason"], "denied-by-rule");
  EXPECT_EQ(lines[0]["rule"], "tcp://10.0.0.0/8:*");
  EXPECT_EQ(lines[1]["action"], "REJECT");
  EXPECT_EQ(lines[1]["transport"], "udp");
  EXPECT_EQ(lines[1]["reason"], "byte-quota");
  EXPECT_EQ(lines[1]["rule"], "limits.bytes_out");
  EXPECT_EQ(lines[1]["bytes_out"], 0);  // nothing left
}

TEST(FlowLog, ListenLines) {
  Policy policy;
  policy.add("tcp://127.0.0.1:8080", RuleAction::kAllow, Direction::kInbound, "test");
  Meter meter(std::move(policy), {.sandbox_id = "sb-9"});
  meter.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080);
  meter.decide_listen(Transport::kUdp, IpAddress::v4(127, 0, 0, 1), 9090);
  FlowCounters* in = meter.accepted(Transport::kTcp, IpAddress::v4(127, 0, 0, 7), 8080);
  ASSERT_NE(in, nullptr);
  FlowCounters::add(in->bytes_in, 5);
  meter.flow_closed(in, nullptr);
  auto lines = lines_of(meter);
  ASSERT_EQ(lines.size(), 3u);  // two listens and the accepted connection's flow
  EXPECT_EQ(lines[0]["type"], "listen");
  EXPECT_EQ(lines[0]["sandbox"], "sb-9");
  EXPECT_EQ(lines[0]["transport"], "tcp");
  EXPECT_EQ(lines[0]["local_ip"], "127.0.0.1");
  EXPECT_EQ(lines[0]["local_port"], 8080);
  EXPECT_EQ(lines[0]["action"], "ACCEPT");
  EXPECT_EQ(lines[0]["rule"], "tcp://127.0.0.1:8080");
  EXPECT_TRUE(lines[0]["reason"].is_null());
  EXPECT_EQ(lines[1]["type"], "listen");
  EXPECT_EQ(lines[1]["transport"], "udp");
  EXPECT_EQ(lines[1]["action"], "REJECT");
  EXPECT_EQ(lines[1]["reason"], "no-inbound-rule");
  EXPECT_EQ(lines[1]["rule"], "default-deny");
  EXPECT_EQ(lines[2]["type"], "flow");
  EXPECT_EQ(lines[2]["direction"], "inbound");
  EXPECT_EQ(lines[2]["dst_ip"], "127.0.0.7");
  EXPECT_EQ(lines[2]["dst_port"], 8080);
  EXPECT_EQ(lines[2]["action"], "ACCEPT");
  EXPECT_EQ(lines[2]["bytes_in"], 5);
}

TEST(FlowLog, DnsErrorsAreEaiNames) {
  Meter meter(rules(), {.sandbox_id = "sb-9"});
  ASSERT_TRUE(meter.decide_lookup("example.org").allowed);
  meter.lookup_finished("example.org", {}, EAI_NONAME);
  ASSERT_TRUE(meter.decide_lookup("example.org").allowed);
  meter.lookup_finished("example.org", {}, EAI_AGAIN);
  auto lines = lines_of(meter);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["type"], "dns");
  EXPECT_EQ(lines[0]["action"], "ACCEPT");
  EXPECT_EQ(lines[0]["error"], "EAI_NONAME");
  EXPECT_EQ(lines[0]["addresses"], 0);
  EXPECT_EQ(lines[1]["error"], "EAI_AGAIN");
  const LedgerSnapshot snap = meter.snapshot();
  ASSERT_EQ(snap.dns.size(), 1u);
  EXPECT_EQ(snap.dns[0].failed, 2u);
  EXPECT_EQ(snap.dns[0].errors.at("EAI_NONAME"), 1u);
  EXPECT_EQ(snap.dns[0].errors.at("EAI_AGAIN"), 1u);
}

TEST(FlowLog, QuotaRefusedSendIsARejectLine) {
  Policy policy = rules();
  policy.limits().bytes_out_per_destination = 4;
  Meter meter(std::move(policy), {.sandbox_id = "sb-9"});
  const IpAddress ip = IpAddress::v4(93, 184, 216, 34);
  FlowCounters* flow = nullptr;
  ASSERT_TRUE(meter.decide_connect({Transport::kTcp, ip, 443, "example.org"}, &flow).allowed);
  flow->charge(4);
  ASSERT_EQ(flow->send_allowance(), 0u);
  meter.quota_refused(flow);
  auto lines = lines_of(meter);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["action"], "REJECT");
  EXPECT_EQ(lines[0]["dst_name"], "example.org");
  EXPECT_EQ(lines[0]["reason"], "destination-byte-quota");
  EXPECT_EQ(lines[0]["rule"], "limits.bytes_out_per_destination");
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
