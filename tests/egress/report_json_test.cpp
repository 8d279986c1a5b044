#include "egress/report_json.h"

#include <netdb.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sluice::egress {
namespace {

using nlohmann::json;

// A scripted run: a lookup, a named connect with traffic and a kernel check, a refused connect,
// a denied connect, UDP datagrams, a denied lookup, and a socket the guest never closed.
void script(Meter& meter) {
  const IpAddress local = IpAddress::v4(127, 0, 0, 1);
  ASSERT_TRUE(meter.decide_lookup("localhost").allowed);
  meter.lookup_finished("localhost", {local, IpAddress::v4(127, 0, 0, 2)}, 0);

  FlowCounters* flow = nullptr;
  Destination named{Transport::kTcp, local, 8080, meter.name_for(local)};
  ASSERT_TRUE(meter.decide_connect(named, &flow).allowed);
  meter.connect_finished(flow, true, 0);
  FlowCounters::add(flow->bytes_out, 1000);
  FlowCounters::add(flow->bytes_in, 250);
  KernelTcpCounters kernel{1000, 1000, 250};
  meter.flow_closed(flow, &kernel);

  ASSERT_TRUE(meter.decide_connect(named, &flow).allowed);
  meter.connect_finished(flow, false, ECONNREFUSED);  // ends the flow

  ASSERT_FALSE(meter.decide_connect({Transport::kTcp, IpAddress::v4(10, 0, 0, 1), 22, {}}, &flow).allowed);
  ASSERT_FALSE(meter.decide_connect({Transport::kTcp, IpAddress::v4(10, 0, 0, 1), 22, {}}, &flow).allowed);

  const Destination dns_server{Transport::kUdp, IpAddress::v4(127, 0, 0, 53), 53, {}};
  ASSERT_TRUE(meter.decide_datagram(dns_server, 40, &flow).allowed);
  ASSERT_TRUE(meter.decide_datagram(dns_server, 60, &flow).allowed);
  FlowCounters::add(flow->datagrams_in, 1);
  FlowCounters::add(flow->bytes_in, 300);

  ASSERT_FALSE(meter.decide_lookup("exfil.attacker.example").allowed);

  ASSERT_TRUE(meter.decide_connect({Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 9000, {}}, &flow).allowed);
  // ...and the guest traps here, leaving that connection open.
}

RunInfo run_info() {
  RunInfo run;
  run.sandbox_id = "sb-1";
  run.component = "/tmp/agent.wasm";
  run.outcome = "trapped";
  run.exit_status = 1;
  run.started_at = std::chrono::system_clock::time_point{} + std::chrono::seconds(1764384000);
  run.duration_seconds = 1.25;
  return run;
}

Policy script_rules() {
  Policy policy;
  policy.add("tcp://localhost:8080", RuleAction::kAllow, Direction::kOutbound, "test");
  policy.add("*://127.0.0.0/8:*", RuleAction::kAllow, Direction::kOutbound, "test");
  return policy;
}

TEST(ReportJson, ScriptedRun) {
  Meter meter(script_rules(), {.sandbox_id = "sb-1"});
  script(meter);
  meter.finish();
  const json r = json::parse(render_report(meter, run_info()));

  EXPECT_EQ(r["sandbox"], "sb-1");
  EXPECT_EQ(r["component"], "/tmp/agent.wasm");
  EXPECT_EQ(r["outcome"], "trapped");
  EXPECT_EQ(r["exit_status"], 1);
  EXPECT_EQ(r["started_at"], "2025-11-29T02:40:00.000Z");
  EXPECT_DOUBLE_EQ(r["duration_seconds"].get<double>(), 1.25);

  const json& t = r["totals"];
  EXPECT_EQ(t["connections_attempted"], 3);
  EXPECT_EQ(t["connections_established"], 1);
  EXPECT_EQ(t["connections_failed"], 1);
  EXPECT_EQ(t["connections_denied"], 2);
  EXPECT_EQ(t["bytes_sent"], 1000);
  EXPECT_EQ(t["bytes_received"], 250);
  EXPECT_EQ(t["datagrams_sent"], 2);
  EXPECT_EQ(t["datagrams_received"], 1);
  EXPECT_EQ(t["udp_bytes_sent"], 100);
  EXPECT_EQ(t["udp_bytes_received"], 300);
  EXPECT_EQ(t["dns_lookups"], 1);
  EXPECT_EQ(t["dns_denied"], 1);
  EXPECT_EQ(t["connections_accepted"], 0);
  EXPECT_EQ(t["listens_allowed"], 0);
  EXPECT_EQ(t["listens_denied"], 0);
  for (const auto& [key, value] : t.items()) EXPECT_TRUE(value.is_number_unsigned()) << key;

  // Ordered by transport, IP, port, name: tcp 10.0.0.1:22, tcp 127.0.0.1:8080 localhost,
  // tcp 127.0.0.1:9000, udp 127.0.0.53:53.
  const json& d = r["destinations"];
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0]["ip"], "10.0.0.1");
  EXPECT_EQ(d[0]["denied"], 2);
  EXPECT_TRUE(d[0]["name"].is_null());
  EXPECT_TRUE(d[0]["allowed_by"].is_null());
  EXPECT_EQ(d[0]["direction"], "outbound");
  const json& web = d[1];
  EXPECT_EQ(web["transport"], "tcp");
  EXPECT_EQ(web["ip"], "127.0.0.1");
  EXPECT_EQ(web["port"], 8080);
  EXPECT_EQ(web["name"], "localhost");
  EXPECT_EQ(web["attempts"], 2);
  EXPECT_EQ(web["established"], 1);
  EXPECT_EQ(web["failed"], json({{"ECONNREFUSED", 1}}));
  EXPECT_EQ(web["denied"], 0);
  EXPECT_EQ(web["allowed_by"], "tcp://localhost:8080");
  EXPECT_EQ(web["bytes_sent"], 1000);
  EXPECT_EQ(web["bytes_received"], 250);
  EXPECT_EQ(web["kernel"], json({{"bytes_acked", 1000}, {"bytes_sent", 1000}, {"bytes_received", 250},
                                 {"connections_checked", 1}, {"mismatch", false}}));
  EXPECT_EQ(d[2]["port"], 9000);
  EXPECT_EQ(d[2]["attempts"], 1);
  EXPECT_EQ(d[2]["allowed_by"], "*://127.0.0.0/8:*");
  EXPECT_EQ(d[3]["transport"], "udp");
  EXPECT_EQ(d[3]["datagrams_sent"], 2);
  EXPECT_EQ(d[3]["bytes_sent"], 100);
  EXPECT_EQ(d[3]["datagrams_received"], 1);

  ASSERT_EQ(r["denied"].size(), 1u);
  EXPECT_EQ(r["denied"][0], json({{"direction", "outbound"}, {"transport", "tcp"}, {"ip", "10.0.0.1"},
                                  {"port", 22}, {"name", nullptr}, {"rule", "default-deny"},
                                  {"reason", "no-allow-rule"}, {"count", 2}}));

  ASSERT_EQ(r["dns"].size(), 2u);
  EXPECT_EQ(r["dns"][0], json({{"name", "exfil.attacker.example"}, {"lookups", 0}, {"addresses", 0},
                               {"failed", 0}, {"errors", json::object()}, {"denied", 1},
                               {"denials", json::array({json({{"rule", "default-deny"},
                                                              {"reason", "no-name-rule"},
                                                              {"count", 1}})})}}));
  EXPECT_EQ(r["dns"][1], json({{"name", "localhost"}, {"lookups", 1}, {"addresses", 2}, {"failed", 0},
                               {"errors", json::object()}, {"denied", 0}, {"denials", json::array()}}));
  EXPECT_TRUE(r["listens"].is_array());
  EXPECT_TRUE(r["listens"].empty());
  EXPECT_EQ(r["policy"], json({{"rules", 2}, {"generation", 1}}));

  // 1 dns lookup, attempt+established+closed, attempt+failed (a failed connect has no closed
  // event), 2 denied, 1 denied dns, attempt (9000), and finish(): closed 9000 + closed udp.
  EXPECT_EQ(r["events"]["recorded"], 12);
  EXPECT_EQ(r["events"]["dropped"], 0);
}

TEST(ReportJson, ReportsDroppedEvents) {
  Meter meter(script_rules(), {.sandbox_id = "sb-1", .event_capacity = 4});
  script(meter);
  const json r = json::parse(render_report(meter, run_info()));
  EXPECT_EQ(r["events"]["recorded"], 4);
  EXPECT_EQ(r["events"]["dropped"], 6);  // 10 before finish()
  EXPECT_EQ(r["totals"]["connections_attempted"], 3);  // counters are never dropped
}

TEST(ReportJson, EmptyRunHasEveryKey) {
  Meter meter(Policy{}, {});
  RunInfo run = run_info();
  run.outcome = "exited";
  run.exit_status = 0;
  const json r = json::parse(render_report(meter, run));
  for (const char* key : {"sandbox", "component", "outcome", "exit_status", "started_at", "duration_seconds",
                          "totals", "destinations", "denied", "dns", "listens", "policy", "events"}) {
    EXPECT_TRUE(r.contains(key)) << key;
  }
  EXPECT_EQ(r["totals"].size(), 15u);
  for (const auto& [key, value] : r["totals"].items()) EXPECT_EQ(value, 0) << key;
  EXPECT_EQ(r["policy"]["rules"], 0);
  EXPECT_TRUE(r["destinations"].is_array());
  EXPECT_TRUE(r["destinations"].empty());
}

TEST(ReportJson, WritesFileAndNamesUnwritablePath) {
  Meter meter(script_rules(), {});
  script(meter);
  const std::string path = ::testing::TempDir() + "/egress-report-test.json";
  write_report(meter, run_info(), path);
  std::ifstream in(path);
  const json r = json::parse(in);
  EXPECT_EQ(r["totals"]["bytes_sent"], 1000);
  std::remove(path.c_str());

  try {
    write_report(meter, run_info(), "/nonexistent-dir/report.json");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/report.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace sluice::egress

namespace sluice::egress {
namespace {

TEST(ReportJson, InboundAndListens) {
  Policy policy;
  policy.add("tcp://127.0.0.1:8080", RuleAction::kAllow, Direction::kInbound, "--allow-inbound");
  Meter meter(std::move(policy), {.sandbox_id = "sb-1"});
  ASSERT_TRUE(meter.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080).allowed);
  ASSERT_FALSE(meter.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 9090).allowed);
  ASSERT_FALSE(meter.decide_listen(Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 9090).allowed);
  FlowCounters* in = meter.accepted(Transport::kTcp, IpAddress::v4(127, 0, 0, 9), 8080);
  ASSERT_NE(in, nullptr);
  FlowCounters::add(in->bytes_in, 70);
  FlowCounters::add(in->bytes_out, 30);
  meter.flow_closed(in, nullptr);
  meter.accepted(Transport::kTcp, IpAddress::v4(127, 0, 0, 9), 8080);  // left open
  meter.finish();

  const LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.connections_accepted, 2u);
  EXPECT_EQ(snap.totals.connections_attempted, 0u);  // outbound only
  ASSERT_EQ(snap.destinations.size(), 1u);
  EXPECT_EQ(snap.destinations[0].key.direction, Direction::kInbound);

  const json r = json::parse(render_report(meter, run_info()));
  const json& t = r["totals"];
  EXPECT_EQ(t["connections_accepted"], 2);
  EXPECT_EQ(t["connections_attempted"], 0);
  EXPECT_EQ(t["bytes_received"], 70);
  EXPECT_EQ(t["bytes_sent"], 30);
  EXPECT_EQ(t["listens_allowed"], 1);
  EXPECT_EQ(t["listens_denied"], 2);
  ASSERT_EQ(r["destinations"].size(), 1u);
  const json& d = r["destinations"][0];
  EXPECT_EQ(d["direction"], "inbound");
  EXPECT_EQ(d["ip"], "127.0.0.9");
  EXPECT_EQ(d["port"], 8080);
  EXPECT_EQ(d["attempts"], 2);
  EXPECT_EQ(d["established"], 2);

  ASSERT_EQ(r["listens"].size(), 2u);
  EXPECT_EQ(r["listens"][0], json({{"transport", "tcp"}, {"ip", "127.0.0.1"}, {"port", 8080},
                                   {"allowed", 1}, {"allowed_by", "tcp://127.0.0.1:8080"},
                                   {"denied", 0}, {"denials", json::array()}}));
  EXPECT_EQ(r["listens"][1], json({{"transport", "tcp"}, {"ip", "127.0.0.1"}, {"port", 9090},
                                   {"allowed", 0}, {"allowed_by", nullptr}, {"denied", 2},
                                   {"denials", json::array({json({{"rule", "default-deny"},
                                                                  {"reason", "no-inbound-rule"},
                                                                  {"count", 2}})})}}));
}

TEST(ReportJson, DnsErrorsAndLimitDenials) {
  Policy policy = script_rules();
  policy.limits().concurrent_connections = 1;
  Meter meter(std::move(policy), {});
  ASSERT_TRUE(meter.decide_lookup("localhost").allowed);
  meter.lookup_finished("localhost", {}, EAI_NONAME);
  FlowCounters* flow = nullptr;
  const Destination d{Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 7, {}};
  ASSERT_TRUE(meter.decide_connect(d, &flow).allowed);
  ASSERT_FALSE(meter.decide_connect(d, &flow).allowed);
  const json r = json::parse(render_report(meter, run_info()));
  EXPECT_EQ(r["dns"][0]["errors"], json({{"EAI_NONAME", 1}}));
  EXPECT_EQ(r["dns"][0]["failed"], 1);
  ASSERT_EQ(r["denied"].size(), 1u);
  EXPECT_EQ(r["denied"][0]["rule"], "limits.concurrent_connections");
  EXPECT_EQ(r["denied"][0]["reason"], "concurrent-connections");
  EXPECT_EQ(r["destinations"][0]["allowed_by"], "*://127.0.0.0/8:*");
  EXPECT_EQ(r["destinations"][0]["denied"], 1);
}

}  // namespace
}  // namespace sluice::egress
