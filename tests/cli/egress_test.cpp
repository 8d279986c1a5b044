// End-to-end egress metering: the sluice executable runs the raw wasi:sockets
// guests of tests/guests/sockets against a loopback sink started by each test
// (LoopbackSink, 127.0.0.1, ephemeral port), with `--allow-outbound`,
// `--egress-report R.json` and `--egress-log L.jsonl`, and the report is
// compared with what the sink itself counted, to the byte.
//
// Report contract (written by `sluice run --egress-report`):
//   { "sandbox", "component", "outcome", "exit_status", "started_at",
//   "duration_seconds",
//     "totals": { connections_attempted, connections_established,
//     connections_failed,
//                 connections_denied, bytes_sent, bytes_received,
//                 datagrams_sent, datagrams_received, udp_bytes_sent,
//                 udp_bytes_received, dns_lookups, dns_denied },
//     "destinations": [ { transport, ip, port, name (null | "localhost"),
//     attempts, established,
//                         failed: { "ECONNREFUSED": 1, ... }, denied,
//                         bytes_sent, bytes_received, datagrams_sent,
//                         datagrams_received, kernel: { bytes_acked,
//                         bytes_sent, bytes_received,
//                                   connections_checked, mismatch } } ],
//     "denied": [ { transport, ip, port, name, rule, reason, count } ],
//     "dns": [ { name, lookups, addresses, denied } ],
//     "events": { recorded, dropped } }
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/egress_sink.h"
#include "tests/cli/sluice_process.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using sluice::testing::closed_loopback_port;
using sluice::testing::LoopbackSink;
using sluice::testing::ProcessOutput;
using sluice::testing::run_process;
using sluice::testing::guest;
using sluice::testing::TempDir;

namespace {

const bool kIgnoreSigpipe = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::string tcp_rule(uint16_t port) { return "tcp://127.0.0.1:" + std::to_string(port); }
std::string udp_rule(uint16_t port) { return "udp://127.0.0.1:" + std::to_string(port); }

// One `sluice run` with an egress report (and log) in a temporary directory.
struct GuestRun {
  ProcessOutput proc;
  json report;            // null when the report is missing or unparsable (a failure is
                          // recorded)
  std::vector<json> log;  // parsed lines of the egress log
};

GuestRun run_guest(const std::vector<std::string> &allow, const std::string &name,
                   const std::vector<std::string> &guest_args, const std::string &stdin_data = "",
                   const std::vector<std::string> &extra = {}) {
  TempDir dir;
  fs::path report = dir.path() / "report.json";
  fs::path log = dir.path() / "egress.jsonl";
  std::vector<std::string> argv = {SLUICE_BIN, "run"};
  for (const std::string &a : allow) argv.insert(argv.end(), {"--allow-outbound", a});
  argv.insert(argv.end(), {"--egress-report", report.string(), "--egress-log", log.string()});
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(guest(name));
  argv.push_back("--");
  argv.insert(argv.end(), guest_args.begin(), guest_args.end());
  GuestRun r;
  r.proc = run_process(argv, stdin_data, {"XDG_CACHE_HOME=" + std::string(SLUICE_TEST_CACHE_DIR)});
  std::ifstream in(report);
  if (!in) {
    ADD_FAILURE() << "no egress report at " << report << "\nstderr: " << r.proc.err;
    return r;
  }
  try {
    r.report = json::parse(in);
  } catch (const std::exception &e) {
    ADD_FAILURE() << "egress report is not JSON: " << e.what();
  }
  std::ifstream lin(log);
  std::string line;
  while (std::getline(lin, line)) {
    if (line.empty()) continue;
    try {
      r.log.push_back(json::parse(line));
    } catch (const std::exception &e) {
      ADD_FAILURE() << "egress log line is not JSON: " << e.what() << ": " << line;
    }
  }
  return r;
}

uint64_t u64(const json &j, const char *key) { return j.at(key).get<uint64_t>(); }

// The destination entry of transport/127.0.0.1/port; fails the test (and
// throws) when absent.
const json &destination(const json &report, const std::string &transport, uint16_t port,
                        const std::string &ip = "127.0.0.1") {
  for (const json &d : report.at("destinations"))
    if (d.at("transport") == transport && d.at("ip") == ip && d.at("port") == port) return d;
  throw std::runtime_error("no destination " + transport + "://" + ip + ":" + std::to_string(port) +
                           " in report: " + report.dump(2));
}

// Top-level fields every report carries.
void expect_report_shape(const json &r) {
  for (const char *key : {"sandbox", "component", "outcome", "exit_status", "started_at",
                          "duration_seconds", "totals", "destinations", "denied", "dns", "events"})
    EXPECT_TRUE(r.contains(key)) << "report lacks \"" << key << "\": " << r.dump(2);
  for (const char *key :
       {"connections_attempted", "connections_established", "connections_failed",
        "connections_denied", "bytes_sent", "bytes_received", "datagrams_sent",
        "datagrams_received", "udp_bytes_sent", "udp_bytes_received", "dns_lookups", "dns_denied"})
    EXPECT_TRUE(r.at("totals").contains(key)) << "totals lack \"" << key << "\"";
  EXPECT_TRUE(r.at("started_at").is_string());
  EXPECT_TRUE(r.at("duration_seconds").is_number());
  EXPECT_GE(r.at("duration_seconds").get<double>(), 0.0);
  EXPECT_TRUE(r.at("events").contains("recorded"));
  EXPECT_TRUE(r.at("events").contains("dropped"));
}

// Kernel cross-check of one TCP destination: present, no mismatch, and what the
// peer's kernel acknowledged equals what the sink received.
void expect_kernel_agrees(const json &d, uint64_t sink_bytes_in, uint64_t connections) {
  ASSERT_TRUE(d.contains("kernel")) << d.dump(2);
  const json &k = d.at("kernel");
  EXPECT_EQ(k.at("mismatch"), false) << k.dump(2);
  EXPECT_EQ(u64(k, "connections_checked"), connections) << k.dump(2);
  EXPECT_EQ(u64(k, "bytes_acked"), sink_bytes_in) << k.dump(2);
  EXPECT_EQ(u64(k, "bytes_sent"), sink_bytes_in) << k.dump(2);
  EXPECT_EQ(u64(k, "bytes_received"), u64(d, "bytes_received")) << k.dump(2);
}

// ---- TCP: every write path, several sequential connections
// ----------------------------------
class TcpWritePath : public ::testing::TestWithParam<const char *> {};

TEST_P(TcpWritePath, ReportEqualsWhatTheSinkCounted) {
  const std::string path = GetParam();
  constexpr uint64_t kConns = 3,
                     kBytes = 100000;  // > 64 KiB: several writes per connection
  LoopbackSink sink(kBytes);
  const uint16_t port = sink.port();
  std::string stdin_data;
  if (path.find("splice") != std::string::npos) stdin_data.assign(kConns * kBytes, 's');
  GuestRun r = run_guest(
      {tcp_rule(port)}, "tcp_send",
      {"127.0.0.1", std::to_string(port), std::to_string(kConns), std::to_string(kBytes), path},
      stdin_data);
  ASSERT_TRUE(sink.wait_idle(kConns)) << "sink: connections missing or still open\n"
                                      << r.proc.out << r.proc.err;
  LoopbackSink::Totals t = sink.totals();
  EXPECT_EQ(r.proc.exit_status, 0) << r.proc.err;
  EXPECT_EQ(r.proc.out, "sent " + std::to_string(kConns * kBytes) + "\nreceived " +
                            std::to_string(t.tcp_bytes_out) + "\n");
  ASSERT_EQ(t.accepted, kConns);
  for (const auto &c : sink.connections()) EXPECT_EQ(c.bytes_in, kBytes);
  ASSERT_FALSE(r.report.is_null());
  expect_report_shape(r.report);
  EXPECT_EQ(r.report.at("exit_status"), 0);
  const json &tot = r.report.at("totals");
  EXPECT_EQ(u64(tot, "bytes_sent"), t.tcp_bytes_in);
  EXPECT_EQ(u64(tot, "bytes_received"), t.tcp_bytes_out);
  EXPECT_EQ(u64(tot, "connections_attempted"), kConns);
  EXPECT_EQ(u64(tot, "connections_established"), kConns);
  EXPECT_EQ(u64(tot, "connections_failed"), 0u);
  EXPECT_EQ(u64(tot, "connections_denied"), 0u);
  EXPECT_EQ(u64(tot, "datagrams_sent"), 0u);
  EXPECT_EQ(u64(tot, "dns_lookups"), 0u);
  const json &d = destination(r.report, "tcp", port);
  EXPECT_TRUE(d.at("name").is_null()) << d.dump(2);
  EXPECT_EQ(u64(d, "attempts"), kConns);
  EXPECT_EQ(u64(d, "established"), kConns);
  EXPECT_EQ(u64(d, "denied"), 0u);
  EXPECT_EQ(u64(d, "bytes_sent"), t.tcp_bytes_in);
  EXPECT_EQ(u64(d, "bytes_received"), t.tcp_bytes_out);
  EXPECT_TRUE(d.at("failed").empty()) << d.dump(2);
  expect_kernel_agrees(d, t.tcp_bytes_in, kConns);
  EXPECT_TRUE(r.report.at("denied").empty());
  EXPECT_EQ(u64(r.report.at("events"), "dropped"), 0u);
  EXPECT_FALSE(r.log.empty()) << "the egress log recorded nothing";
}

INSTANTIATE_TEST_SUITE_P(Egress, TcpWritePath,
                         ::testing::Values("write", "blocking-write-and-flush", "write-zeroes",
                                           "blocking-write-zeroes-and-flush", "splice",
                                           "blocking-splice"),
                         [](const ::testing::TestParamInfo<const char *> &info) {
                           std::string n = info.param;
                           for (char &c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// ---- many concurrent connections under one poll loop
// -----------------------------------------
TEST(Egress, ManyConcurrentConnections) {
  constexpr uint64_t kConns = 64;
  LoopbackSink sink(1000);
  const uint16_t port = sink.port();
  GuestRun r = run_guest({tcp_rule(port)}, "tcp_many",
                         {"127.0.0.1", std::to_string(port), std::to_string(kConns)});
  ASSERT_TRUE(sink.wait_idle(kConns)) << "sink: traffic missing\n" << r.proc.out << r.proc.err;
  LoopbackSink::Totals t = sink.totals();
  EXPECT_EQ(r.proc.exit_status, 0) << r.proc.err;
  EXPECT_EQ(r.proc.out, "connected " + std::to_string(kConns) + "\nsent " +
                            std::to_string(kConns * 1000) + "\nreceived " +
                            std::to_string(t.tcp_bytes_out) + "\n");
  EXPECT_EQ(t.accepted, kConns);
  EXPECT_EQ(t.tcp_bytes_in, kConns * 1000);
  ASSERT_FALSE(r.report.is_null());
  const json &tot = r.report.at("totals");
  EXPECT_EQ(u64(tot, "connections_attempted"), kConns);
  EXPECT_EQ(u64(tot, "connections_established"), kConns);
  EXPECT_EQ(u64(tot, "bytes_sent"), t.tcp_bytes_in);
  EXPECT_EQ(u64(tot, "bytes_received"), t.tcp_bytes_out);
  const json &d = destination(r.report, "tcp", port);
  EXPECT_EQ(u64(d, "established"), kConns);
  EXPECT_EQ(u64(d, "bytes_sent"), t.tcp_bytes_in);
  expect_kernel_agrees(d, t.tcp_bytes_in, kConns);
}

// ---- UDP
// ----------------------------------------------------------------------------------------
class UdpMode : public ::testing::TestWithParam<bool> {};

TEST_P(UdpMode, DatagramsCounted) {
  const bool connected = GetParam();
  constexpr uint64_t kDatagrams = 10, kSize = 512;
  LoopbackSink sink;
  const uint16_t port = sink.port();
  std::vector<std::string> args = {"127.0.0.1", std::to_string(port), std::to_string(kDatagrams),
                                   std::to_string(kSize)};
  if (!connected) args.push_back("unconnected");
  GuestRun r = run_guest({udp_rule(port)}, "udp_send", args);
  ASSERT_TRUE(sink.wait_idle(0, kDatagrams)) << "sink: traffic missing\n"
                                             << r.proc.out << r.proc.err;
  LoopbackSink::Totals t = sink.totals();
  EXPECT_EQ(r.proc.exit_status, 0) << r.proc.err;
  EXPECT_EQ(r.proc.out, "sent 10 datagrams 5120 bytes\nreceived " +
                            std::to_string(t.datagrams_out) + " datagrams " +
                            std::to_string(t.udp_bytes_out) + " bytes\n");
  EXPECT_EQ(t.datagrams_in, kDatagrams);
  EXPECT_EQ(t.udp_bytes_in, kDatagrams * kSize);
  EXPECT_EQ(t.datagrams_out, kDatagrams);
  ASSERT_FALSE(r.report.is_null());
  expect_report_shape(r.report);
  const json &tot = r.report.at("totals");
  EXPECT_EQ(u64(tot, "datagrams_sent"), t.datagrams_in);
  EXPECT_EQ(u64(tot, "udp_bytes_sent"), t.udp_bytes_in);
  EXPECT_EQ(u64(tot, "datagrams_received"), t.datagrams_out);
  EXPECT_EQ(u64(tot, "udp_bytes_received"), t.udp_bytes_out);
  EXPECT_EQ(u64(tot, "bytes_sent"), 0u);  // TCP only
  const json &d = destination(r.report, "udp", port);
  EXPECT_EQ(u64(d, "datagrams_sent"), t.datagrams_in);
  EXPECT_EQ(u64(d, "datagrams_received"), t.datagrams_out);
  EXPECT_EQ(u64(d, "bytes_sent"), t.udp_bytes_in);
  EXPECT_EQ(u64(d, "bytes_received"), t.udp_bytes_out);
}

INSTANTIATE_TEST_SUITE_P(Egress, UdpMode, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool> &info) {
                           return std::string(info.param ? "connected" : "unconnected");
                         });

TEST(Egress, UdpToDeniedPortIsRefused) {
  LoopbackSink sink;
  const uint16_t port = sink.port();
  GuestRun r = run_guest({udp_rule(closed_loopback_port())}, "udp_send",
                         {"127.0.0.1", std::to_string(port), "3", "100"});
  EXPECT_NE(r.proc.out.find("failed: access-denied"), std::string::npos) << r.proc.out;
  EXPECT_EQ(sink.totals().datagrams_in, 0u);
  ASSERT_FALSE(r.report.is_null());
  EXPECT_EQ(u64(r.report.at("totals"), "datagrams_sent"), 0u);
  EXPECT_FALSE(r.report.at("denied").empty()) << r.report.dump(2);
}

// ---- DNS
// ----------------------------------------------------------------------------------------
bool addresses_include(const json &dns_entry, const std::string &ip) {
  const json &a = dns_entry.at("addresses");
  if (a.is_array()) {
    for (const json &x : a)
      if (x == ip) return true;
    return false;
  }
  return a.is_number() && a.get<uint64_t>() >= 1;
}

const json &dns_entry(const json &report, const std::string &name) {
  for (const json &e : report.at("dns"))
    if (e.at("name") == name) return e;
  throw std::runtime_error("no dns entry for " + name + ": " + report.dump(2));
}

TEST(Egress, DnsLookupOfLocalhostIsCountedAndAttributed) {
  LoopbackSink sink(100);
  const uint16_t port = sink.port();
  GuestRun r = run_guest({"tcp://localhost:" + std::to_string(port)}, "dns_lookup",
                         {"localhost", std::to_string(port)});
  ASSERT_TRUE(sink.wait_idle(1)) << "sink: traffic missing\n" << r.proc.out << r.proc.err;
  LoopbackSink::Totals t = sink.totals();
  EXPECT_EQ(r.proc.exit_status, 0) << r.proc.out << r.proc.err;
  EXPECT_NE(r.proc.out.find("address 127.0.0.1\n"), std::string::npos) << r.proc.out;
  EXPECT_NE(r.proc.out.find("connected 127.0.0.1\nsent 100\nreceived " +
                            std::to_string(t.tcp_bytes_out) + "\n"),
            std::string::npos)
      << r.proc.out;
  EXPECT_EQ(t.tcp_bytes_in, 100u);
  ASSERT_FALSE(r.report.is_null());
  const json &tot = r.report.at("totals");
  EXPECT_EQ(u64(tot, "dns_lookups"), 1u);
  EXPECT_EQ(u64(tot, "dns_denied"), 0u);
  EXPECT_EQ(u64(tot, "bytes_sent"), 100u);
  const json &e = dns_entry(r.report, "localhost");
  EXPECT_EQ(u64(e, "lookups"), 1u);
  EXPECT_EQ(u64(e, "denied"), 0u);
  EXPECT_TRUE(addresses_include(e, "127.0.0.1")) << e.dump(2);
  const json &d = destination(r.report, "tcp", port);
  EXPECT_EQ(d.at("name"), "localhost") << d.dump(2);
  EXPECT_EQ(u64(d, "bytes_sent"), 100u);
  EXPECT_EQ(u64(d, "bytes_received"), t.tcp_bytes_out);
}

TEST(Egress, DnsLookupAllowedByAnySchemeWildcard) {
  GuestRun r = run_guest({"*://localhost:*"}, "dns_lookup", {"localhost"});
  EXPECT_EQ(r.proc.exit_status, 0) << r.proc.out << r.proc.err;
  EXPECT_NE(r.proc.out.find("address 127.0.0.1\n"), std::string::npos) << r.proc.out;
  ASSERT_FALSE(r.report.is_null());
  EXPECT_EQ(u64(r.report.at("totals"), "dns_lookups"), 1u);
  EXPECT_EQ(u64(dns_entry(r.report, "localhost"), "lookups"), 1u);
}

TEST(Egress, DnsLookupOfUnlistedNameIsDenied) {
  GuestRun r = run_guest({tcp_rule(closed_loopback_port())}, "dns_lookup", {"localhost"});
  EXPECT_EQ(r.proc.out, "resolve failed: access-denied\n");
  EXPECT_EQ(r.proc.exit_status, 1);
  ASSERT_FALSE(r.report.is_null());
  const json &tot = r.report.at("totals");
  EXPECT_EQ(u64(tot, "dns_denied"), 1u);
  EXPECT_EQ(u64(dns_entry(r.report, "localhost"), "denied"), 1u);
}

// ---- denied and failed connects
// -------------------------------------------------------------
const json &denied_entry(const json &report, const std::string &transport, uint16_t port) {
  for (const json &d : report.at("denied"))
    if (d.at("transport") == transport && d.at("ip") == "127.0.0.1" && d.at("port") == port)
      return d;
  throw std::runtime_error("no denied entry for port " + std::to_string(port) + ": " +
                           report.dump(2));
}

TEST(Egress, DeniedConnectIsCountedWithItsReason) {
  LoopbackSink sink;
  const uint16_t port = sink.port();
  // Another port is allowed, this one is not.
  GuestRun r = run_guest({tcp_rule(closed_loopback_port())}, "denied_loop",
                         {"127.0.0.1", std::to_string(port), "1"});
  EXPECT_EQ(r.proc.exit_status, 0) << r.proc.err;
  EXPECT_EQ(r.proc.out, "attempts 1\ndenied 1\nconnected 0\nother 0\n");
  EXPECT_EQ(sink.totals().accepted, 0u);
  ASSERT_FALSE(r.report.is_null());
  expect_report_shape(r.report);
  const json &tot = r.report.at("totals");
  EXPECT_EQ(u64(tot, "connections_denied"), 1u);
  EXPECT_EQ(u64(tot, "connections_established"), 0u);
  EXPECT_EQ(u64(tot, "bytes_sent"), 0u);
  const json &d = denied_entry(r.report, "tcp", port);
  EXPECT_EQ(u64(d, "count"), 1u);
  EXPECT_TRUE(d.at("reason").is_string() && !d.at("reason").get<std::string>().empty())
      << d.dump(2);
  EXPECT_TRUE(d.contains("rule")) << d.dump(2);
  EXPECT_TRUE(d.contains("name")) << d.dump(2);
}

TEST(Egress, DeniedLoopCountsEveryAttempt) {
  constexpr uint64_t kN = 2000;
  LoopbackSink sink;
  const uint16_t port = sink.port();
  GuestRun r =
      run_guest({}, "denied_loop", {"127.0.0.1", std::to_string(port), std::to_string(kN)});
  EXPECT_EQ(r.proc.exit_status, 0) << r.proc.err;
  EXPECT_EQ(r.proc.out, "attempts 2000\ndenied 2000\nconnected 0\nother 0\n");
  EXPECT_EQ(sink.totals().accepted, 0u);
  ASSERT_FALSE(r.report.is_null());
  const json &tot = r.report.at("totals");
  EXPECT_EQ(u64(tot, "connections_denied"), kN);
  EXPECT_EQ(u64(tot, "connections_established"), 0u);
  EXPECT_EQ(u64(tot, "bytes_sent"), 0u);
  EXPECT_EQ(u64(denied_entry(r.report, "tcp", port), "count"), kN);
  // Events may be dropped under such a burst, counters never: recorded +
  // dropped covers all.
  const json &ev = r.report.at("events");
  EXPECT_GE(u64(ev, "recorded") + u64(ev, "dropped"), kN) << ev.dump();
}

TEST(Egress, RefusedConnectIsCountedAsFailed) {
  const uint16_t port = closed_loopback_port();
  GuestRun r = run_guest({tcp_rule(port)}, "denied_loop", {"127.0.0.1", std::to_string(port), "2"});
  EXPECT_EQ(r.proc.exit_status, 0) << r.proc.err;
  EXPECT_EQ(r.proc.out, "attempts 2\ndenied 0\nconnected 0\nother 2\n");
  ASSERT_FALSE(r.report.is_null());
  const json &tot = r.report.at("totals");
  EXPECT_EQ(u64(tot, "connections_attempted"), 2u);
  EXPECT_EQ(u64(tot, "connections_failed"), 2u);
  EXPECT_EQ(u64(tot, "connections_established"), 0u);
  EXPECT_EQ(u64(tot, "connections_denied"), 0u);
  const json &d = destination(r.report, "tcp", port);
  EXPECT_EQ(u64(d, "attempts"), 2u);
  EXPECT_EQ(u64(d, "established"), 0u);
  EXPECT_EQ(d.at("failed").value("ECONNREFUSED", 0u), 2u) << d.dump(2);
}

// ---- a trap mid-transfer still yields a complete report
// ------------------------------------
TEST(Egress, TrapMidTransferStillReports) {
  LoopbackSink sink;
  const uint16_t port = sink.port();
  GuestRun r =
      run_guest({tcp_rule(port)}, "trap_mid_transfer", {"127.0.0.1", std::to_string(port)});
  ASSERT_TRUE(sink.wait_idle(1)) << "the trapped guest's connection was never closed\n"
                                 << r.proc.out << r.proc.err;
  LoopbackSink::Totals t = sink.totals();
  EXPECT_NE(r.proc.exit_status, 0);
  EXPECT_EQ(r.proc.out, "sent 10000\n");
  EXPECT_EQ(t.tcp_bytes_in, 10000u);
  ASSERT_FALSE(r.report.is_null());
  expect_report_shape(r.report);
  std::string outcome = r.report.at("outcome").get<std::string>();
  EXPECT_NE(outcome.find("trap"), std::string::npos) << outcome;
  const json &tot = r.report.at("totals");
  EXPECT_EQ(u64(tot, "bytes_sent"), t.tcp_bytes_in);
  EXPECT_EQ(u64(tot, "connections_established"), 1u);
  const json &d = destination(r.report, "tcp", port);
  EXPECT_EQ(u64(d, "bytes_sent"), 10000u);
  expect_kernel_agrees(d, t.tcp_bytes_in, 1);
}

// ---- --egress-summary
// ------------------------------------------------------------------------
TEST(Egress, SummaryGoesToStderrAndLeavesGuestOutputAlone) {
  LoopbackSink sink(1000);
  const uint16_t port = sink.port();
  GuestRun r = run_guest({tcp_rule(port)}, "tcp_send",
                         {"127.0.0.1", std::to_string(port), "1", "1000", "write"}, "",
                         {"--egress-summary"});
  ASSERT_TRUE(sink.wait_idle(1)) << "sink: traffic missing\n" << r.proc.out << r.proc.err;
  EXPECT_EQ(r.proc.exit_status, 0) << r.proc.err;
  EXPECT_EQ(r.proc.out,
            "sent 1000\nreceived " + std::to_string(sink.totals().tcp_bytes_out) + "\n");
  EXPECT_NE(r.proc.err.find("127.0.0.1"), std::string::npos) << r.proc.err;
}

}  // namespace
