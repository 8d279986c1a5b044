// Adversarial end-to-end tests of the egress policy: the `adversary` guest
// (tests/guests/sockets/adversary.c) tries to get around `sluice run`'s policy (--allow-outbound,
// --deny-outbound, --policy FILE.toml) and every attempt must be refused before it reaches the
// OS, and counted in the report with the rule and reason that decided.
//
// Each test checks three things:
//   1. what the guest saw: its one line per step ("connect 127.0.0.2 4000 access-denied");
//   2. that nothing arrived: a LoopbackSink on 127.0.0.1:PORT and Tripwires (listeners on other
//      loopback addresses, same port) count every connection and datagram that got through;
//   3. the report: totals.connections_denied and the denied[] rows (expect_denials below: the one
//      place that knows the row format, to adapt when the report gains detail).
// Network: loopback only (127.0.0.0/8, ::1, fe80::1%1 on lo). Names: "localhost" only (from
// /etc/hosts); any other name in these tests is one no rule allows, so no resolver ever sees it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/egress_sink.h"
#include "tests/cli/sluice_process.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using sluice::testing::closed_loopback_port;
using sluice::testing::guest;
using sluice::testing::LoopbackSink;
using sluice::testing::ProcessOutput;
using sluice::testing::run_process;
using sluice::testing::TempDir;

namespace {

const bool kIgnoreSigpipe = [] {
  signal(SIGPIPE, SIG_IGN);  // a guest that stops reading stdin early must not kill the test
  return true;
}();

// ---- Tripwire: a loopback listener that must stay untouched ----------------------------------
// TCP and UDP on IP:PORT (IP a loopback address, e.g. 127.0.0.2 or ::1). Counts accepted
// connections and datagrams; a denied attempt that slipped through shows up here, where the
// guest alone might not tell (a connect to 127.0.0.2 "works" on Linux once it gets to the OS).
class Tripwire {
 public:
  Tripwire(const std::string& ip, uint16_t port) : ip_(ip) {
    sockaddr_storage a{};
    socklen_t len = address(ip, port, a);
    tcp_ = bound_socket(a, len, SOCK_STREAM);
    udp_ = bound_socket(a, len, SOCK_DGRAM);
    if (listen(tcp_, 128) != 0 || pipe(wake_) != 0)
      throw std::runtime_error("Tripwire " + ip + ": listen failed");
    thread_ = std::thread([this] { run(); });
  }
  ~Tripwire() {
    char c = 'x';
    (void)!write(wake_[1], &c, 1);
    thread_.join();
    for (int fd : {tcp_, udp_, wake_[0], wake_[1]}) close(fd);
  }
  Tripwire(const Tripwire&) = delete;
  Tripwire& operator=(const Tripwire&) = delete;

  uint64_t connections() const { return connections_.load(); }
  uint64_t datagrams() const { return datagrams_.load(); }
  const std::string& ip() const { return ip_; }

 private:
  static socklen_t address(const std::string& ip, uint16_t port, sockaddr_storage& a) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
    if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(port);
      return sizeof *v4;
    }
    if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(port);
      return sizeof *v6;
    }
    throw std::runtime_error("Tripwire: not an address: " + ip);
  }
  static int bound_socket(const sockaddr_storage& a, socklen_t len, int type) {
    int fd = socket(a.ss_family, type | SOCK_NONBLOCK, 0);
    int one = 1;
    if (a.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (fd < 0 || bind(fd, reinterpret_cast<const sockaddr*>(&a), len) != 0)
      throw std::runtime_error("Tripwire: bind failed");
    return fd;
  }
  void run() {
    for (;;) {
      pollfd fds[3] = {{wake_[0], POLLIN, 0}, {tcp_, POLLIN, 0}, {udp_, POLLIN, 0}};
      if (poll(fds, 3, -1) < 0) continue;
      if (fds[0].revents) return;
      for (int c; (c = accept(tcp_, nullptr, nullptr)) >= 0; close(c)) ++connections_;
      char buf[65536];
      while (recv(udp_, buf, sizeof buf, 0) >= 0) ++datagrams_;
    }
  }

  std::string ip_;
  int tcp_ = -1, udp_ = -1, wake_[2] = {-1, -1};
  std::atomic<uint64_t> connections_{0}, datagrams_{0};
  std::thread thread_;
};

// ---- running the adversary -----------------------------------------------------------------
// The policy of one run: flags, and optionally a policy file (TOML text, written to
// DIR/policy.toml and passed with --policy).
struct PolicySpec {
  // Default member initializers let tests name only what they set ({.allow = {...}}).
  std::vector<std::string> allow = {}, deny = {};
  std::string file = {};
  std::vector<std::string> extra = {};  // more `sluice run` options
};

struct AdversaryRun {
  ProcessOutput proc;
  json report;                     // null when missing (a failure is recorded)
  std::vector<json> log;           // the egress log's records
  std::vector<std::string> lines;  // the guest's stdout, one entry per step
};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Steps written as {"connect", "127.0.0.1", "80"}, {"sleep", "10"}: flattened to argv.
std::vector<std::string> steps(std::initializer_list<std::vector<std::string>> list) {
  std::vector<std::string> argv;
  for (const auto& s : list) argv.insert(argv.end(), s.begin(), s.end());
  return argv;
}

std::vector<std::string> sluice_argv(const PolicySpec& policy, const fs::path& dir) {
  std::vector<std::string> argv = {SLUICE_BIN, "run", "--timeout", "300"};
  if (!policy.file.empty()) {
    fs::path file = dir / "policy.toml";
    std::ofstream(file) << policy.file;
    argv.insert(argv.end(), {"--policy", file.string()});
  }
  for (const std::string& a : policy.allow) argv.insert(argv.end(), {"--allow-outbound", a});
  for (const std::string& d : policy.deny) argv.insert(argv.end(), {"--deny-outbound", d});
  argv.insert(argv.end(), policy.extra.begin(), policy.extra.end());
  return argv;
}

ProcessOutput run_sluice(const std::vector<std::string>& argv, const std::string& stdin_data = "") {
  return run_process(argv, stdin_data, {"XDG_CACHE_HOME=" + std::string(SLUICE_TEST_CACHE_DIR)});
}

AdversaryRun run_adversary(const PolicySpec& policy, const std::vector<std::string>& guest_args,
                           const std::string& stdin_data = "") {
  TempDir dir;
  fs::path report = dir.path() / "report.json", log = dir.path() / "egress.jsonl";
  std::vector<std::string> argv = sluice_argv(policy, dir.path());
  argv.insert(argv.end(), {"--egress-report", report.string(), "--egress-log", log.string(),
                           guest("adversary"), "--"});
  argv.insert(argv.end(), guest_args.begin(), guest_args.end());
  AdversaryRun r;
  r.proc = run_sluice(argv, stdin_data);
  r.lines = split_lines(r.proc.out);
  EXPECT_EQ(r.proc.exit_status, 0) << "the adversary must survive every denial\nstdout:\n"
                                   << r.proc.out << "stderr:\n" << r.proc.err;
  std::ifstream in(report);
  if (!in) {
    ADD_FAILURE() << "no egress report\nstderr: " << r.proc.err;
    return r;
  }
  try {
    r.report = json::parse(in);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "egress report is not JSON: " << e.what();
  }
  std::ifstream lin(log);
  for (std::string line; std::getline(lin, line);)
    if (!line.empty()) r.log.push_back(json::parse(line, nullptr, false));
  return r;
}

// `sluice run` with a configuration that must be refused before the guest starts.
ProcessOutput run_refused(const PolicySpec& policy, fs::path* policy_path = nullptr) {
  TempDir dir;
  std::vector<std::string> argv = sluice_argv(policy, dir.path());
  argv.insert(argv.end(), {guest("adversary"), "--", "connect", "127.0.0.1", "9"});
  if (policy_path) *policy_path = dir.path() / "policy.toml";
  return run_sluice(argv);
}

std::string P(uint16_t port) { return std::to_string(port); }

// The outcome words of one output line after its first `skip` words.
std::vector<std::string> words(const std::string& line, size_t skip = 0) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string s; in >> s;) w.push_back(s);
  if (w.size() <= skip) return {};
  return {w.begin() + static_cast<long>(skip), w.end()};
}

// A blocked attempt is refused by policy (access-denied) and counted, whatever its spelling:
// WASI requires invalid-argument for IPv4-mapped IPv6 and unspecified remote addresses, but
// sluice asks the policy first (Egress::decide_malformed), so a denied one is still counted.
// Returns 1: the denial the report must show.
uint64_t expect_blocked(const std::string& outcome, const std::string& what) {
  EXPECT_EQ(outcome, "access-denied") << what;
  return 1;
}

// Gives any connection that did get through time to be accepted and counted.
void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(200)); }

void expect_untouched(const LoopbackSink& sink, std::initializer_list<const Tripwire*> wires) {
  settle();
  LoopbackSink::Totals t = sink.totals();
  EXPECT_EQ(t.accepted, 0u) << "a denied connect reached the sink";
  EXPECT_EQ(t.tcp_bytes_in, 0u);
  EXPECT_EQ(t.datagrams_in, 0u) << "a denied datagram reached the sink";
  for (const Tripwire* w : wires) {
    EXPECT_EQ(w->connections(), 0u) << "a denied connect reached " << w->ip();
    EXPECT_EQ(w->datagrams(), 0u) << "a denied datagram reached " << w->ip();
  }
}

// ---- report assertions (the one place that knows the denial row format) ---------------------
// Reasons (egress::Reason, to_string) and rule ids (egress/policy.h) as the report writes them.
constexpr const char* kDeniedByRule = "denied-by-rule";
constexpr const char* kNoAllowRule = "no-allow-rule";
constexpr const char* kDefaultDeny = "default-deny";

struct Denial {
  std::string transport;  // "tcp" | "udp"
  std::vector<std::string> ips;  // the report's "ip": any of these (canonical forms may differ)
  uint16_t port;
  std::string rule;    // the rule's text as written, "default-deny" or a limits.* id
  std::string reason;  // kebab-case egress::Reason
  uint64_t count;
  std::optional<std::string> name = std::nullopt;  // the attributed name; nullopt: not checked
};

std::string row_text(const Denial& d) {
  std::string ips;
  for (const auto& ip : d.ips) ips += (ips.empty() ? "" : "|") + ip;
  return d.transport + "://" + ips + ":" + std::to_string(d.port) + " rule=" + d.rule +
         " reason=" + d.reason + " count=" + std::to_string(d.count);
}

// totals.connections_denied is `connections_denied`, the denied[] rows add up to it (every
// refusal is counted once, in one row), and each expected row is there with its rule, reason and
// count. Refusals of every kind count: rules, connection limits, and writes refused by a byte
// quota (docs/policy.md: "Every refusal is counted").
void expect_denials(const AdversaryRun& r, uint64_t connections_denied,
                    const std::vector<Denial>& rows) {
  ASSERT_FALSE(r.report.is_null());
  const json& denied = r.report.at("denied");
  EXPECT_EQ(r.report.at("totals").at("connections_denied").get<uint64_t>(), connections_denied)
      << denied.dump(2);
  uint64_t sum = 0;
  for (const json& row : denied) {
    for (const char* key : {"transport", "ip", "port", "name", "rule", "reason", "count"})
      EXPECT_TRUE(row.contains(key)) << "denied row lacks \"" << key << "\": " << row.dump();
    sum += row.value("count", uint64_t{0});
  }
  EXPECT_EQ(sum, connections_denied) << "denied[] does not add up\n" << denied.dump(2);
  for (const Denial& want : rows) {
    const json* found = nullptr;
    for (const json& row : denied) {
      bool ip_ok = false;
      for (const auto& ip : want.ips) ip_ok = ip_ok || row.value("ip", "") == ip;
      if (ip_ok && row.value("transport", "") == want.transport &&
          row.value("port", 0) == want.port && row.value("rule", "") == want.rule &&
          row.value("reason", "") == want.reason &&
          (!want.name || (row.at("name").is_string() && row.at("name") == *want.name)))
        found = &row;
    }
    if (!found) {
      ADD_FAILURE() << "no denied row " << row_text(want) << "\n" << denied.dump(2);
      continue;
    }
    EXPECT_EQ(found->at("count").get<uint64_t>(), want.count) << found->dump();
  }
  // The flow log has one REJECT record per refusal, unless events were dropped (counters never
  // are).
  if (r.report.at("events").at("dropped") == 0) {
    uint64_t rejects = 0;
    for (const json& rec : r.log)
      if (rec.value("type", "") == "flow" && rec.value("action", "") == "REJECT")
        ++rejects;
    EXPECT_EQ(rejects, connections_denied) << "REJECT records in the egress log";
  }
}

// The dns[] entry of `name`: lookups allowed, and denied.
void expect_dns(const AdversaryRun& r, const std::string& name, uint64_t lookups,
                uint64_t denied) {
  ASSERT_FALSE(r.report.is_null());
  for (const json& e : r.report.at("dns"))
    if (e.at("name") == name) {
      EXPECT_EQ(e.at("lookups").get<uint64_t>(), lookups) << e.dump();
      EXPECT_EQ(e.at("denied").get<uint64_t>(), denied) << e.dump();
      return;
    }
  ADD_FAILURE() << "no dns entry for " << name << ": " << r.report.at("dns").dump(2);
}

uint64_t total(const AdversaryRun& r, const char* key) {
  return r.report.is_null() ? 0 : r.report.at("totals").at(key).get<uint64_t>();
}

// ============================================================================================
// Default deny: --allow-outbound only
// ============================================================================================

// Other loopback addresses than the allowed one: each is its own destination, denied.
TEST(Policy, OtherLoopbackAddressesAreNotTheAllowedOne) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  Tripwire two("127.0.0.2", sink.port()), top("127.255.255.254", sink.port()),
      v6("::1", sink.port());
  AdversaryRun r = run_adversary(
      {.allow = {"tcp://127.0.0.1:" + P(closed_loopback_port())}},
      steps({{"connect", "127.0.0.2", port},
             {"connect", "127.255.255.254", port},
             {"connect", "::1", port},
             {"udp", "127.0.0.2", port, "10"},
             {"udp-connected", "::1", port, "10"}}));
  EXPECT_EQ(r.lines, (std::vector<std::string>{
                         "connect 127.0.0.2 " + port + " access-denied",
                         "connect 127.255.255.254 " + port + " access-denied",
                         "connect ::1 " + port + " access-denied",
                         "udp 127.0.0.2 " + port + " 10 access-denied",
                         "udp-connected ::1 " + port + " 10 access-denied",
                     }));
  expect_untouched(sink, {&two, &top, &v6});
  expect_denials(r, 5,
                 {{"tcp", {"127.0.0.2"}, sink.port(), kDefaultDeny, kNoAllowRule, 1},
                  {"tcp", {"127.255.255.254"}, sink.port(), kDefaultDeny, kNoAllowRule, 1},
                  {"tcp", {"::1"}, sink.port(), kDefaultDeny, kNoAllowRule, 1},
                  {"udp", {"127.0.0.2"}, sink.port(), kDefaultDeny, kNoAllowRule, 1},
                  {"udp", {"::1"}, sink.port(), kDefaultDeny, kNoAllowRule, 1}});
}

// ::ffff:127.0.0.1 and ::127.0.0.1 spell 127.0.0.1 in IPv6: to an IPv4 that is not allowed.
TEST(Policy, Ipv4InIpv6ToAnUnallowedIpv4) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  AdversaryRun r = run_adversary({.allow = {"tcp://127.0.0.1:" + P(closed_loopback_port()),
                                            "udp://127.0.0.1:" + P(closed_loopback_port())}},
                                 steps({{"connect", "::ffff:127.0.0.1", port},
                                        {"connect", "::ffff:7f00:1", port},
                                        {"connect", "::127.0.0.1", port},
                                        {"udp", "::ffff:127.0.0.1", port, "10"},
                                        {"udp-connected", "::ffff:127.0.0.1", port, "10"}}));
  ASSERT_EQ(r.lines.size(), 5u) << r.proc.out;
  uint64_t counted = 0;
  for (const std::string& line : r.lines) counted += expect_blocked(words(line).back(), line);
  expect_untouched(sink, {});
  expect_denials(r, counted, {});
}

// Retrying a denial thousands of times: refused and counted every time, exactly.
TEST(Policy, ThousandsOfDeniedConnectsAreCountedExactly) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  AdversaryRun r = run_adversary({.allow = {"tcp://127.0.0.1:" + P(closed_loopback_port())}},
                                 steps({{"connect-many", "127.0.0.1", port, "3000"}}));
  EXPECT_EQ(r.lines, std::vector<std::string>{"connect-many 127.0.0.1 " + port +
                                              " 3000 access-denied=3000"});
  expect_untouched(sink, {});
  expect_denials(r, 3000, {{"tcp", {"127.0.0.1"}, sink.port(), kDefaultDeny, kNoAllowRule, 3000}});
  EXPECT_EQ(total(r, "connections_attempted"), 0u);
}

// Retrying in a loop, with pauses, over TCP and UDP: no retry is ever let through.
TEST(Policy, RetryingDenialsInALoop) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  Tripwire two("127.0.0.2", sink.port());
  std::vector<std::string> args;
  for (int round = 0; round < 5; ++round) {
    std::vector<std::string> s =
        steps({{"connect-many", "127.0.0.2", port, "200"}, {"udp", "127.0.0.2", port, "1"},
               {"udp-connected", "127.0.0.2", port, "1"}, {"sleep", "20"}});
    args.insert(args.end(), s.begin(), s.end());
  }
  AdversaryRun r = run_adversary({.allow = {"tcp://127.0.0.1:" + port}}, args);
  ASSERT_EQ(r.lines.size(), 20u) << r.proc.out;
  for (int round = 0; round < 5; ++round) {
    EXPECT_EQ(r.lines[4 * round], "connect-many 127.0.0.2 " + port + " 200 access-denied=200");
    EXPECT_EQ(r.lines[4 * round + 1], "udp 127.0.0.2 " + port + " 1 access-denied");
    EXPECT_EQ(r.lines[4 * round + 2], "udp-connected 127.0.0.2 " + port + " 1 access-denied");
  }
  expect_untouched(sink, {&two});
  expect_denials(r, 1010,
                 {{"tcp", {"127.0.0.2"}, sink.port(), kDefaultDeny, kNoAllowRule, 1000},
                  {"udp", {"127.0.0.2"}, sink.port(), kDefaultDeny, kNoAllowRule, 10}});
}

// A name rule allows the IPs the sandbox resolved from that name, nothing else: a raw IP the
// lookup did not return is judged by IP rules alone.
TEST(Policy, RawIpAfterAnAllowedLookupIsJudgedByIpRules) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  Tripwire two("127.0.0.2", sink.port());
  const uint16_t other = closed_loopback_port();
  AdversaryRun r = run_adversary({.allow = {"tcp://localhost:" + port}},
                                 steps({{"lookup", "localhost"},
                                        {"connect", "127.0.0.2", port},
                                        {"connect", "127.0.0.1", P(other)},
                                        {"connect", "127.0.0.1", port}}));
  ASSERT_EQ(r.lines.size(), 4u) << r.proc.out;
  EXPECT_EQ(words(r.lines[0], 1)[0], "localhost") << r.lines[0];
  EXPECT_NE(r.lines[0].find(" 127.0.0.1"), std::string::npos) << r.lines[0];
  EXPECT_EQ(r.lines[1], "connect 127.0.0.2 " + port + " access-denied");
  // The resolved address, but not the port the name rule names.
  EXPECT_EQ(r.lines[2], "connect 127.0.0.1 " + P(other) + " access-denied");
  // Control: the address the lookup did return is allowed through the name rule.
  EXPECT_EQ(r.lines[3], "connect 127.0.0.1 " + port + " ok");
  ASSERT_TRUE(sink.wait_idle(1));
  settle();
  EXPECT_EQ(two.connections(), 0u);
  EXPECT_EQ(sink.totals().accepted, 1u);
  expect_denials(r, 2,
                 {{"tcp", {"127.0.0.2"}, sink.port(), kDefaultDeny, kNoAllowRule, 1},
                  {"tcp", {"127.0.0.1"}, other, kDefaultDeny, kNoAllowRule, 1, "localhost"}});
  expect_dns(r, "localhost", 1, 0);
}

// A guest that catches every error and carries on: after denials of every kind, an allowed
// connection in the same run still works and its bytes are counted, to the byte.
TEST(Policy, CarryingOnAfterDenialsStillCountsAllowedBytes) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  const uint16_t closed = closed_loopback_port();
  Tripwire two("127.0.0.2", sink.port());
  AdversaryRun r = run_adversary(
      {.allow = {"tcp://127.0.0.1:" + port}},
      steps({{"connect", "127.0.0.2", port},
             {"connect-many", "127.0.0.1", P(closed), "50"},
             {"udp", "127.0.0.1", port, "100"},
             {"lookup", "localhost"},
             {"send", "127.0.0.2", port, "write", "1000"},
             {"send", "127.0.0.1", port, "write", "5000"},
             {"send", "127.0.0.1", port, "zeroes", "3000"}}));
  ASSERT_EQ(r.lines.size(), 7u) << r.proc.out;
  EXPECT_EQ(r.lines[0], "connect 127.0.0.2 " + port + " access-denied");
  EXPECT_EQ(words(r.lines[1], 4), std::vector<std::string>{"access-denied=50"});
  EXPECT_EQ(r.lines[2], "udp 127.0.0.1 " + port + " 100 access-denied");
  EXPECT_EQ(r.lines[3], "lookup localhost access-denied");
  EXPECT_EQ(r.lines[4], "send 127.0.0.2 " + port + " write 1000 connect=access-denied");
  EXPECT_EQ(r.lines[5], "send 127.0.0.1 " + port + " write 5000 sent=5000 ok");
  EXPECT_EQ(r.lines[6], "send 127.0.0.1 " + port + " zeroes 3000 sent=3000 ok");
  ASSERT_TRUE(sink.wait_idle(2)) << r.proc.out;
  settle();
  EXPECT_EQ(two.connections(), 0u);
  LoopbackSink::Totals t = sink.totals();
  EXPECT_EQ(t.accepted, 2u);
  EXPECT_EQ(t.tcp_bytes_in, 8000u);
  EXPECT_EQ(t.datagrams_in, 0u);
  EXPECT_EQ(total(r, "bytes_sent"), 8000u);
  EXPECT_EQ(total(r, "connections_established"), 2u);
  EXPECT_EQ(total(r, "dns_denied"), 1u);
  expect_denials(
      r, 53,
      {{"tcp", {"127.0.0.2"}, sink.port(), kDefaultDeny, kNoAllowRule, 2},
       {"tcp", {"127.0.0.1"}, closed, kDefaultDeny, kNoAllowRule, 50},
       {"udp", {"127.0.0.1"}, sink.port(), kDefaultDeny, kNoAllowRule, 1}});
}

// A --allow-outbound pattern error (works today): refused before the guest runs.
TEST(Policy, AllowOutboundPatternErrorStopsBeforeTheGuest) {
  ProcessOutput p = run_refused({.allow = {"tcp://::1:80"}});
  EXPECT_NE(p.exit_status, 0);
  EXPECT_EQ(p.out, "") << "the guest ran";
  EXPECT_NE(p.err.find("tcp://::1:80"), std::string::npos) << p.err;
}

// ============================================================================================
// Deny rules: --deny-outbound, and policy files
// ============================================================================================

// A deny rule beats every allow rule, the most specific allow included, from flags or a file.
TEST(Policy, DenyBeatsAllow) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  const std::string exact = "tcp://127.0.0.1:" + port, net = "tcp://127.0.0.0/8:*";
  AdversaryRun r = run_adversary(
      {.allow = {exact, "*://*:*"}, .deny = {net}},
      steps({{"connect", "127.0.0.1", port}, {"connect-many", "127.0.0.1", port, "3000"}}));
  EXPECT_EQ(r.lines, (std::vector<std::string>{
                         "connect 127.0.0.1 " + port + " access-denied",
                         "connect-many 127.0.0.1 " + port + " 3000 access-denied=3000"}));
  expect_untouched(sink, {});
  expect_denials(r, 3001, {{"tcp", {"127.0.0.1"}, sink.port(), net, kDeniedByRule, 3001}});
}

TEST(Policy, DenyInPolicyFileBeatsAllowFlag) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  const std::string deny = "udp://127.0.0.1:" + port;
  AdversaryRun r = run_adversary(
      {.allow = {"udp://127.0.0.1:" + port},
       .file = "version = 1\n[outbound]\nallow = [\"tcp://127.0.0.1:" + port + "\"]\ndeny = [\"" +
               deny + "\"]\n"},
      steps({{"udp", "127.0.0.1", port, "10"},
             {"udp-connected", "127.0.0.1", port, "10"},
             {"send", "127.0.0.1", port, "write", "100"}}));
  EXPECT_EQ(r.lines, (std::vector<std::string>{
                         "udp 127.0.0.1 " + port + " 10 access-denied",
                         "udp-connected 127.0.0.1 " + port + " 10 access-denied",
                         "send 127.0.0.1 " + port + " write 100 sent=100 ok"}));
  ASSERT_TRUE(sink.wait_idle(1));
  settle();
  EXPECT_EQ(sink.totals().datagrams_in, 0u);
  EXPECT_EQ(sink.totals().tcp_bytes_in, 100u);
  expect_denials(r, 2, {{"udp", {"127.0.0.1"}, sink.port(), deny, kDeniedByRule, 2}});
}

// With loopback denied, no spelling of loopback gets through: other 127/8 addresses, ::1,
// IPv4-mapped and -compatible IPv6, the unspecified addresses (the kernel sends 0.0.0.0 and ::
// to loopback), and the legacy "127.1" through a lookup.
TEST(Policy, NoSpellingOfLoopbackGetsThrough) {
  LoopbackSink sink;
  const uint16_t p = sink.port();
  const std::string port = P(p), deny = "*://loopback:*";
  Tripwire two("127.0.0.2", p), top("127.255.255.254", p), v6("::1", p);
  AdversaryRun r = run_adversary(
      {.allow = {"*://*:*"}, .deny = {deny}},
      steps({{"connect", "127.0.0.1", port},
             {"connect", "127.0.0.2", port},
             {"connect", "127.255.255.254", port},
             {"connect", "::1", port},
             {"udp", "127.0.0.2", port, "10"},
             {"udp-connected", "::1", port, "10"},
             {"connect", "::ffff:127.0.0.1", port},
             {"connect", "::ffff:7f00:1", port},
             {"connect", "::127.0.0.1", port},
             {"udp", "::ffff:127.0.0.1", port, "10"},
             {"connect", "0.0.0.0", port},
             {"connect", "::", port},
             {"udp", "0.0.0.0", port, "10"},
             {"lookup-connect", "127.1", port}}));
  ASSERT_EQ(r.lines.size(), 14u) << r.proc.out;
  // Plain addresses: policy's business, refused by the deny rule.
  EXPECT_EQ(r.lines[0], "connect 127.0.0.1 " + port + " access-denied");
  EXPECT_EQ(r.lines[1], "connect 127.0.0.2 " + port + " access-denied");
  EXPECT_EQ(r.lines[2], "connect 127.255.255.254 " + port + " access-denied");
  EXPECT_EQ(r.lines[3], "connect ::1 " + port + " access-denied");
  EXPECT_EQ(r.lines[4], "udp 127.0.0.2 " + port + " 10 access-denied");
  EXPECT_EQ(r.lines[5], "udp-connected ::1 " + port + " 10 access-denied");
  uint64_t counted = 6;
  // IPv4 in IPv6 and unspecified: refused by policy or rejected as invalid by WASI first.
  for (size_t i = 6; i < 13; ++i) counted += expect_blocked(words(r.lines[i]).back(), r.lines[i]);
  // 127.1: the lookup is judged as 127.0.0.1 (denied), or it resolves and every connect is.
  std::vector<std::string> legacy = words(r.lines[13], 3);
  ASSERT_FALSE(legacy.empty()) << r.lines[13];
  if (legacy[0] != "lookup=access-denied") {
    for (const std::string& o : legacy) {
      EXPECT_EQ(o.substr(o.find('=') + 1), "access-denied") << r.lines[13];
      ++counted;
    }
  }
  expect_untouched(sink, {&two, &top, &v6});
  // The compatible form may be reported as IPv6 or canonical IPv4: the helper's row sum covers
  // every counted denial, the rows named here the unambiguous ones.
  expect_denials(r, counted,
                 {{"tcp", {"127.0.0.2"}, p, deny, kDeniedByRule, 1},
                  {"tcp", {"127.255.255.254"}, p, deny, kDeniedByRule, 1},
                  {"tcp", {"::1"}, p, deny, kDeniedByRule, 1},
                  {"udp", {"127.0.0.2"}, p, deny, kDeniedByRule, 1},
                  {"udp", {"::1"}, p, deny, kDeniedByRule, 1}});
  for (const json& row : r.report.at("denied")) {
    EXPECT_EQ(row.at("rule"), deny) << row.dump();
    EXPECT_EQ(row.at("reason"), kDeniedByRule) << row.dump();
  }
}

// Link-local (fe80::/10, here on lo) is its own set.
TEST(Policy, LinkLocalDenied) {
  const uint16_t p = closed_loopback_port();
  const std::string deny = "*://link-local:*";
  AdversaryRun r = run_adversary({.allow = {"*://*:*"}, .deny = {deny}},
                                 steps({{"connect", "fe80::1%1", P(p)},
                                        {"udp", "fe80::1%1", P(p), "10"}}));
  EXPECT_EQ(r.lines, (std::vector<std::string>{"connect fe80::1%1 " + P(p) + " access-denied",
                                               "udp fe80::1%1 " + P(p) + " 10 access-denied"}));
  expect_denials(r, 2,
                 {{"tcp", {"fe80::1", "fe80::1%1"}, p, deny, kDeniedByRule, 1},
                  {"udp", {"fe80::1", "fe80::1%1"}, p, deny, kDeniedByRule, 1}});
}

// DNS rebinding: an allowed name that resolves to a denied address. The lookup is allowed (no
// rule denies the name), the connect is not: IP rules judge the IP whatever name it came from.
TEST(Policy, NameResolvingToADeniedAddressIsDeniedAtConnect) {
  LoopbackSink sink;
  const std::string port = P(sink.port()), deny = "*://loopback:*";
  Tripwire v6("::1", sink.port());
  AdversaryRun r = run_adversary({.allow = {"tcp://localhost:" + port}, .deny = {deny}},
                                 steps({{"lookup-connect", "localhost", port},
                                        {"lookup-connect", "localhost", port}}));
  ASSERT_EQ(r.lines.size(), 2u) << r.proc.out;
  uint64_t denied = 0;
  std::vector<Denial> rows;
  for (const std::string& line : r.lines) {
    std::vector<std::string> outcomes = words(line, 3);
    ASSERT_FALSE(outcomes.empty()) << line;
    ASSERT_EQ(outcomes[0].rfind("lookup=", 0), std::string::npos) << "lookup refused: " << line;
    for (const std::string& o : outcomes) {
      EXPECT_EQ(o.substr(o.find('=') + 1), "access-denied") << line;
      ++denied;
    }
  }
  expect_untouched(sink, {&v6});
  EXPECT_EQ(total(r, "dns_lookups"), 2u);
  expect_dns(r, "localhost", 2, 0);
  expect_denials(r, denied,
                 {{"tcp", {"127.0.0.1"}, sink.port(), deny, kDeniedByRule, 2, "localhost"}});
}

// A private-set deny also holds when the name is allowed by a wildcard.
TEST(Policy, PrivateAndLoopbackSetsBeatWildcardNames) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  AdversaryRun r = run_adversary(
      {.allow = {"tcp://*:" + port}, .deny = {"tcp://private:*", "tcp://loopback:*"}},
      steps({{"lookup-connect", "localhost", port}}));
  ASSERT_EQ(r.lines.size(), 1u) << r.proc.out;
  for (const std::string& o : words(r.lines[0], 3))
    EXPECT_EQ(o.substr(o.find('=') + 1), "access-denied") << r.lines[0];
  expect_untouched(sink, {});
  expect_denials(r, words(r.lines[0], 3).size(),
                 {{"tcp", {"127.0.0.1"}, sink.port(), "tcp://loopback:*", kDeniedByRule, 1,
                   "localhost"}});
}

// ---- limits ---------------------------------------------------------------------------------
std::string limits_policy(const std::string& allow, const std::string& limits) {
  return "version = 1\n[outbound]\nallow = [\"" + allow + "\"]\n[limits]\n" + limits + "\n";
}

// Going over the byte quota through every write path: check-write never grants more than the
// quota left, the write that would go over fails, the sink gets at most the quota, and the
// report counts exactly what the sink got. A second connection finds the quota used up.
class ByteQuota : public ::testing::TestWithParam<const char*> {};

TEST_P(ByteQuota, NeverMoreThanTheQuotaLeaves) {
  constexpr uint64_t kQuota = 10000, kTry = 50000;
  const std::string mode = GetParam();
  const bool polled = mode.rfind("blocking-", 0) != 0;
  LoopbackSink sink;
  const std::string port = P(sink.port());
  std::string stdin_data(mode.find("splice") != std::string::npos ? 2 * kTry : 0, 's');
  AdversaryRun r = run_adversary(
      {.file = limits_policy("tcp://127.0.0.1:" + port, "bytes_out = " + P(kQuota))},
      steps({{"send", "127.0.0.1", port, mode, P(kTry)},
             {"send", "127.0.0.1", port, mode, P(kTry)}}),
      stdin_data);
  ASSERT_EQ(r.lines.size(), 2u) << r.proc.out;
  const std::string head = "send 127.0.0.1 " + port + " " + mode + " " + P(kTry) + " sent=";
  for (const std::string& line : r.lines) {
    ASSERT_EQ(line.rfind(head, 0), 0u) << line;
    EXPECT_EQ(words(line).back(), "last-operation-failed") << line;
  }
  uint64_t first = std::stoull(r.lines[0].substr(head.size()));
  uint64_t second = std::stoull(r.lines[1].substr(head.size()));
  EXPECT_LE(first + second, kQuota);
  if (polled) {
    EXPECT_EQ(first, kQuota) << "check-write should grant exactly the quota";
  }
  EXPECT_EQ(second, 0u);
  ASSERT_TRUE(sink.wait_idle(2)) << r.proc.out;
  LoopbackSink::Totals t = sink.totals();
  EXPECT_LE(t.tcp_bytes_in, kQuota);
  EXPECT_GE(t.tcp_bytes_in, first + second);
  EXPECT_EQ(total(r, "bytes_sent"), t.tcp_bytes_in);
  // One refused write per send step (the guest stops a send at its first error).
  expect_denials(r, 2,
                 {{"tcp", {"127.0.0.1"}, sink.port(), "limits.bytes_out", "byte-quota", 2}});
}

INSTANTIATE_TEST_SUITE_P(Policy, ByteQuota,
                         ::testing::Values("write", "zeroes", "splice", "blocking-write",
                                           "blocking-zeroes", "blocking-splice"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// Two connections ask check-write before either writes: the same quota must not be granted
// twice (or the second write must fail). Whatever the split, at most the quota leaves.
TEST(Policy, ByteQuotaCannotBeGrantedTwice) {
  constexpr uint64_t kQuota = 10000;
  LoopbackSink sink;
  const std::string port = P(sink.port());
  AdversaryRun r = run_adversary(
      {.file = limits_policy("tcp://127.0.0.1:" + port, "bytes_out = " + P(kQuota))},
      steps({{"double-grant", "127.0.0.1", port, P(kQuota)}}));
  ASSERT_EQ(r.lines.size(), 1u) << r.proc.out;
  // "double-grant IP PORT BYTES a=<n>/<outcome> b=<n>/<outcome>"
  std::vector<std::string> w = words(r.lines[0], 4);
  ASSERT_EQ(w.size(), 2u) << r.lines[0];
  uint64_t sent = 0, refused = 0;
  for (const std::string& side : w) {
    sent += std::stoull(side.substr(2));
    std::string outcome = side.substr(side.find('/') + 1);
    EXPECT_TRUE(outcome == "ok" || outcome == "last-operation-failed") << r.lines[0];
    refused += outcome == "last-operation-failed";
  }
  EXPECT_LE(sent, kQuota) << r.lines[0];
  ASSERT_TRUE(sink.wait_idle(2)) << r.proc.out;
  LoopbackSink::Totals t = sink.totals();
  EXPECT_LE(t.tcp_bytes_in, kQuota) << "one quota was spent twice";
  EXPECT_EQ(t.tcp_bytes_in, sent);
  EXPECT_EQ(total(r, "bytes_sent"), t.tcp_bytes_in);
  expect_denials(r, refused, {});
}

// Datagrams count against the same quota, to the byte: a datagram that does not fit is refused
// whole, and a smaller one that still fits goes.
TEST(Policy, DatagramsCountAgainstTheByteQuota) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  AdversaryRun r = run_adversary(
      {.file = limits_policy("udp://127.0.0.1:" + port, "bytes_out = 1000")},
      steps({{"udp", "127.0.0.1", port, "400"},
             {"udp", "127.0.0.1", port, "400"},
             {"udp-connected", "127.0.0.1", port, "400"},
             {"udp", "127.0.0.1", port, "400"},
             {"udp", "127.0.0.1", port, "200"},
             {"udp", "127.0.0.1", port, "1"}}));
  ASSERT_EQ(r.lines.size(), 6u) << r.proc.out;
  const std::vector<bool> fits = {true, true, false, false, true, false};
  for (size_t i = 0; i < fits.size(); ++i) {
    if (fits[i])
      EXPECT_EQ(words(r.lines[i]).back(), "ok") << r.lines[i];
    else
      EXPECT_NE(words(r.lines[i]).back(), "ok") << r.lines[i];
  }
  ASSERT_TRUE(sink.wait_idle(0, 3)) << r.proc.out;
  settle();
  LoopbackSink::Totals t = sink.totals();
  EXPECT_EQ(t.datagrams_in, 3u);
  EXPECT_EQ(t.udp_bytes_in, 1000u);
  EXPECT_EQ(total(r, "udp_bytes_sent"), 1000u);
  expect_denials(r, 3,
                 {{"udp", {"127.0.0.1"}, sink.port(), "limits.bytes_out", "byte-quota", 3}});
}

// The per-destination quota stops one destination and leaves the others alone.
TEST(Policy, PerDestinationQuota) {
  LoopbackSink a, b;
  const std::string pa = P(a.port()), pb = P(b.port());
  AdversaryRun r = run_adversary(
      {.file = "version = 1\n[outbound]\nallow = [\"tcp://127.0.0.1:" + pa +
               "\", \"tcp://127.0.0.1:" + pb + "\"]\n[limits]\nbytes_out_per_destination = 4000\n"},
      steps({{"send", "127.0.0.1", pa, "zeroes", "10000"},
             {"send", "127.0.0.1", pb, "write", "3000"}}));
  EXPECT_EQ(r.lines, (std::vector<std::string>{
                         "send 127.0.0.1 " + pa + " zeroes 10000 sent=4000 last-operation-failed",
                         "send 127.0.0.1 " + pb + " write 3000 sent=3000 ok"}));
  ASSERT_TRUE(a.wait_idle(1) && b.wait_idle(1));
  EXPECT_EQ(a.totals().tcp_bytes_in, 4000u);
  EXPECT_EQ(b.totals().tcp_bytes_in, 3000u);
  EXPECT_EQ(total(r, "bytes_sent"), 7000u);
  expect_denials(r, 1,
                 {{"tcp", {"127.0.0.1"}, a.port(), "limits.bytes_out_per_destination",
                   "destination-byte-quota", 1}});
}

// Connection rate: a burst of connects gets the bucket's worth, then new-socket-limit.
TEST(Policy, ConnectionRateLimit) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  AdversaryRun r = run_adversary(
      {.file = limits_policy("tcp://127.0.0.1:" + port,
                             "connections_per_second = { rate = 1, burst = 5 }")},
      steps({{"connect-many", "127.0.0.1", port, "20"}}));
  ASSERT_EQ(r.lines.size(), 1u) << r.proc.out;
  // At 1/s refill the burst is all a fast loop gets (one more if the loop took over a second).
  std::vector<std::string> w = words(r.lines[0], 4);
  ASSERT_EQ(w.size(), 2u) << r.lines[0];
  ASSERT_EQ(w[0].rfind("ok=", 0), 0u) << r.lines[0];
  ASSERT_EQ(w[1].rfind("new-socket-limit=", 0), 0u) << r.lines[0];
  uint64_t ok = std::stoull(w[0].substr(3)), limited = std::stoull(w[1].substr(17));
  EXPECT_GE(ok, 5u);
  EXPECT_LE(ok, 6u);
  EXPECT_EQ(ok + limited, 20u);
  ASSERT_TRUE(sink.wait_idle(ok));
  EXPECT_EQ(sink.totals().accepted, ok);
  expect_denials(r, limited,
                 {{"tcp", {"127.0.0.1"}, sink.port(), "limits.connections_per_second",
                   "connection-rate", limited}});
}

// Concurrent connections: held connections count; closing them frees the slots.
TEST(Policy, ConcurrentConnectionsLimit) {
  LoopbackSink sink;
  const std::string port = P(sink.port());
  AdversaryRun r = run_adversary(
      {.file = limits_policy("*://127.0.0.1:" + port, "concurrent_connections = 3")},
      steps({{"open", "127.0.0.1", port, "5"},
             {"udp-connected", "127.0.0.1", port, "10"},
             {"close-all"},
             {"open", "127.0.0.1", port, "3"}}));
  EXPECT_EQ(r.lines, (std::vector<std::string>{
                         "open 127.0.0.1 " + port + " 5 ok=3 new-socket-limit=2",
                         "udp-connected 127.0.0.1 " + port + " 10 new-socket-limit",
                         "close-all 3", "open 127.0.0.1 " + port + " 3 ok=3"}));
  ASSERT_TRUE(sink.wait_idle(6));
  EXPECT_EQ(sink.totals().accepted, 6u);
  EXPECT_EQ(sink.totals().datagrams_in, 0u);
  expect_denials(r, 3,
                 {{"tcp", {"127.0.0.1"}, sink.port(), "limits.concurrent_connections",
                   "concurrent-connections", 2},
                  {"udp", {"127.0.0.1"}, sink.port(), "limits.concurrent_connections",
                   "concurrent-connections", 1}});
}

// Lookup rate: a burst of lookups gets the bucket's worth, then temporary-resolver-failure.
TEST(Policy, LookupRateLimit) {
  AdversaryRun r = run_adversary(
      {.file = limits_policy("tcp://localhost:*",
                             "dns_lookups_per_second = { rate = 1, burst = 2 }")},
      steps({{"lookup-many", "localhost", "10"}}));
  ASSERT_EQ(r.lines.size(), 1u) << r.proc.out;
  std::vector<std::string> w = words(r.lines[0], 3);
  ASSERT_EQ(w.size(), 2u) << r.lines[0];
  ASSERT_EQ(w[0].rfind("ok=", 0), 0u) << r.lines[0];
  ASSERT_EQ(w[1].rfind("temporary-resolver-failure=", 0), 0u) << r.lines[0];
  uint64_t ok = std::stoull(w[0].substr(3)), limited = std::stoull(w[1].substr(27));
  EXPECT_GE(ok, 2u);
  EXPECT_LE(ok, 3u);
  EXPECT_EQ(ok + limited, 10u);
  EXPECT_EQ(total(r, "dns_lookups"), ok);
  EXPECT_EQ(total(r, "dns_denied"), limited);
  expect_dns(r, "localhost", ok, limited);
  expect_denials(r, 0, {});
}

// DNS exfiltration guards: over-long names and labels are refused before any rule is asked
// (invalid-argument, not access-denied) and never reach a resolver. No rule allows these names
// either, so a guard that failed open would still not leak a query.
TEST(Policy, OverlongNamesAndLabelsAreRefused) {
  const std::string long_label(20, 'a'), long_name = std::string(9, 'b') + "." +
                                                     std::string(9, 'c') + "." +
                                                     std::string(9, 'd') + "." +
                                                     std::string(9, 'e') + ".example";
  AdversaryRun r = run_adversary(
      {.file = limits_policy("tcp://localhost:*", "") + "[dns]\nmax_name_length = 40\n"
                                                        "max_label_length = 10\n"},
      steps({{"lookup", long_label + ".example"},
             {"lookup", long_name},
             {"lookup-connect", long_label + ".example", "80"},
             {"lookup", "localhost"}}));
  ASSERT_EQ(r.lines.size(), 4u) << r.proc.out;
  EXPECT_EQ(r.lines[0], "lookup " + long_label + ".example invalid-argument");
  EXPECT_EQ(r.lines[1], "lookup " + long_name + " invalid-argument");
  EXPECT_EQ(r.lines[2], "lookup-connect " + long_label + ".example 80 lookup=invalid-argument");
  EXPECT_EQ(r.lines[3].rfind("lookup localhost 127.0.0.1", 0), 0u) << r.lines[3];
  EXPECT_EQ(total(r, "dns_denied"), 3u);
  expect_dns(r, long_label + ".example", 0, 2);
  expect_dns(r, long_name, 0, 1);
  expect_denials(r, 0, {});
}

// ---- refused configurations ------------------------------------------------------------------
// A policy file that does not parse: non-zero exit before the guest runs, FILE:LINE:COL in the
// message.
TEST(Policy, BadPatternInPolicyFileNamesFileLineAndColumn) {
  fs::path path;
  ProcessOutput p = run_refused(
      {.file = "version = 1\n[outbound]\nallow = [\"tcp://127.0.0.1:80\", \"tcp://::1:80\"]\n"},
      &path);
  EXPECT_NE(p.exit_status, 0);
  EXPECT_EQ(p.out, "") << "the guest ran";
  std::regex where(path.filename().string() + ":3:[0-9]+");
  EXPECT_TRUE(std::regex_search(p.err, where)) << "want policy.toml:3:COL in: " << p.err;
  EXPECT_NE(p.err.find("tcp://::1:80"), std::string::npos) << p.err;
}

TEST(Policy, TomlSyntaxErrorNamesFileLineAndColumn) {
  fs::path path;
  ProcessOutput p =
      run_refused({.file = "version = 1\n[limits]\nbytes_out = = 5\n"}, &path);
  EXPECT_NE(p.exit_status, 0);
  EXPECT_EQ(p.out, "") << "the guest ran";
  std::regex where(path.filename().string() + ":3:[0-9]+");
  EXPECT_TRUE(std::regex_search(p.err, where)) << "want policy.toml:3:COL in: " << p.err;
}

TEST(Policy, UnknownLimitIsRefused) {
  ProcessOutput p = run_refused({.file = "version = 1\n[limits]\nbytes_outt = 5\n"});
  EXPECT_NE(p.exit_status, 0);
  EXPECT_EQ(p.out, "") << "the guest ran";
  EXPECT_NE(p.err.find("bytes_outt"), std::string::npos) << p.err;
}

TEST(Policy, DenyOutboundPatternErrorStopsBeforeTheGuest) {
  ProcessOutput p = run_refused({.allow = {"tcp://127.0.0.1:80"}, .deny = {"tcp://::1:80"}});
  EXPECT_NE(p.exit_status, 0);
  EXPECT_EQ(p.out, "") << "the guest ran";
  EXPECT_NE(p.err.find("--deny-outbound"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("tcp://::1:80"), std::string::npos) << p.err;
}

}  // namespace
