// End to end, with sluice running while the test acts on it: policy reloads (the --policy file
// rewritten, SIGHUP) and ingress (a guest that listens, a test that connects to it). The
// adversary guest (tests/guests/sockets/adversary.c) waits on its stdin ("wait-stdin") where the
// test must act between two of its steps, so nothing here depends on timing.
//
// Loopback only: the sink and the guest's listener are on 127.0.0.1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cli/background_process.h"
#include "tests/cli/egress_sink.h"
#include "tests/cli/sluice_process.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using sluice::testing::BackgroundProcess;
using sluice::testing::guest;
using sluice::testing::LoopbackSink;
using sluice::testing::TempDir;

namespace {

const bool kIgnoreSigpipe = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

const std::string kCacheEnv = "XDG_CACHE_HOME=" + std::string(SLUICE_TEST_CACHE_DIR);

// Writes `text` to `path` the way editors save: a new file renamed over the old one.
void save_policy(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
  }
  fs::rename(tmp, path);
}

std::string policy_allowing(const std::string& rule) {
  return "version = 1\n[outbound]\nallow = [\"" + rule + "\"]\n";
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  return json::parse(in);
}

// Expects the next stdout line of `p` to be `expected`.
void expect_line(BackgroundProcess& p, const std::string& expected) {
  std::optional<std::string> line = p.next_line();
  ASSERT_TRUE(line.has_value()) << "no output line; expected \"" << expected << "\"\nstderr: " << p.err();
  EXPECT_EQ(*line, expected) << "stderr: " << p.err();
}

// A port on 127.0.0.1 nothing listens on right now (for the guest to listen on).
uint16_t free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Connects to 127.0.0.1:port (retrying while the guest is still starting to listen).
int connect_loopback(uint16_t port) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    close(fd);
    usleep(20000);
  }
  return -1;
}

std::string read_all(int fd) {
  std::string data;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  return data;
}

TEST(PolicyReload, FileChangeAppliesNewRulesAndKeepsCounters) {
  LoopbackSink sink;
  TempDir dir;
  const fs::path policy = dir.path() / "policy.toml";
  const fs::path report = dir.path() / "report.json";
  const std::string port = std::to_string(sink.port());
  save_policy(policy, policy_allowing("tcp://127.0.0.1:1"));  // not the sink's port
  BackgroundProcess sluice({SLUICE_BIN, "run", "--policy", policy.string(), "--egress-report",
                            report.string(), guest("adversary"), "--", "connect", "127.0.0.1",
                            port, "wait-stdin", "connect", "127.0.0.1", port, "wait-stdin",
                            "connect", "127.0.0.1", port},
                           {kCacheEnv});

  expect_line(sluice, "connect 127.0.0.1 " + port + " access-denied");
  save_policy(policy, policy_allowing("tcp://127.0.0.1:" + port));
  ASSERT_TRUE(sluice.wait_stderr("policy reloaded")) << sluice.err();
  sluice.write_stdin("go\n");
  expect_line(sluice, "wait-stdin go");
  expect_line(sluice, "connect 127.0.0.1 " + port + " ok");

  // A broken policy is rejected with its position; the one in force stays.
  save_policy(policy, "version = 1\n[outbound]\nallow = [\"tcp://127.0.0.1\"]\n");
  ASSERT_TRUE(sluice.wait_stderr("rejected")) << sluice.err();
  EXPECT_NE(sluice.err().find("policy.toml:3:"), std::string::npos) << sluice.err();
  sluice.write_stdin("go\n");
  expect_line(sluice, "wait-stdin go");
  expect_line(sluice, "connect 127.0.0.1 " + port + " ok");
  ASSERT_EQ(sluice.wait(), 0) << sluice.err();

  const json r = read_json(report);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["totals"]["connections_denied"], 1);
  EXPECT_EQ(r["totals"]["connections_attempted"], 2);
  EXPECT_EQ(r["policy"]["generation"], 2);  // the rejected file made no generation
  ASSERT_EQ(r["denied"].size(), 1u);
  EXPECT_EQ(r["denied"][0]["rule"], "default-deny");
  EXPECT_TRUE(sink.wait_idle(2));
}

TEST(PolicyReload, SighupReloadsAndTheRunGoesOn) {
  LoopbackSink sink;
  TempDir dir;
  const fs::path report = dir.path() / "report.json";
  const std::string port = std::to_string(sink.port());
  BackgroundProcess sluice({SLUICE_BIN, "run", "--allow-outbound", "tcp://127.0.0.1:" + port,
                            "--egress-report", report.string(), guest("adversary"), "--",
                            "connect", "127.0.0.1", port, "wait-stdin", "connect", "127.0.0.1",
                            port},
                           {kCacheEnv});
  expect_line(sluice, "connect 127.0.0.1 " + port + " ok");
  sluice.signal(SIGHUP);  // SIGHUP's default action would kill the process
  ASSERT_TRUE(sluice.wait_stderr("policy reloaded (SIGHUP)")) << sluice.err();
  sluice.write_stdin("go\n");
  expect_line(sluice, "wait-stdin go");
  expect_line(sluice, "connect 127.0.0.1 " + port + " ok");
  ASSERT_EQ(sluice.wait(), 0) << sluice.err();
  const json r = read_json(report);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["policy"]["generation"], 2);
  EXPECT_EQ(r["totals"]["connections_attempted"], 2);
}

// A guest that listens and echoes: accepted connections are metered inbound, both ways, and
// checked against the kernel's counts.
TEST(Ingress, AcceptedConnectionsAreMeteredInbound) {
  TempDir dir;
  const fs::path report = dir.path() / "report.json";
  const uint16_t listen_port = free_loopback_port();
  const std::string port = std::to_string(listen_port);
  BackgroundProcess sluice({SLUICE_BIN, "run", "--allow-inbound", "tcp://127.0.0.1:" + port,
                            "--egress-report", report.string(), guest("adversary"), "--",
                            "serve", "127.0.0.1", port, "1"},
                           {kCacheEnv});
  expect_line(sluice, "serve 127.0.0.1 " + port + " 1 listening");
  int fd = connect_loopback(listen_port);
  ASSERT_GE(fd, 0);
  const std::string payload(3000, 'x');
  ASSERT_EQ(write(fd, payload.data(), payload.size()), static_cast<ssize_t>(payload.size()));
  shutdown(fd, SHUT_WR);
  EXPECT_EQ(read_all(fd), payload);
  close(fd);
  expect_line(sluice, "serve 127.0.0.1 " + port + " 1 accepted=1 echoed=3000 ok");
  ASSERT_EQ(sluice.wait(), 0) << sluice.err();

  const json r = read_json(report);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["totals"]["connections_accepted"], 1);
  EXPECT_EQ(r["totals"]["listens_allowed"], 1);
  EXPECT_EQ(r["totals"]["bytes_sent"], 3000);
  EXPECT_EQ(r["totals"]["bytes_received"], 3000);
  EXPECT_EQ(r["totals"]["connections_attempted"], 0);  // outbound only
  json inbound;
  for (const json& d : r["destinations"]) {
    if (d["direction"] == "inbound") inbound = d;
  }
  ASSERT_FALSE(inbound.is_null()) << r.dump(2);
  EXPECT_EQ(inbound["ip"], "127.0.0.1");
  EXPECT_EQ(inbound["port"], listen_port);  // the local port it reached
  EXPECT_EQ(inbound["kernel"]["connections_checked"], 1);
  EXPECT_EQ(inbound["kernel"]["mismatch"], false) << inbound.dump(2);
}

TEST(Ingress, ListeningNeedsAnInboundRuleAndIsCounted) {
  TempDir dir;
  const fs::path report = dir.path() / "report.json";
  const std::string port = std::to_string(free_loopback_port());
  sluice::testing::ProcessOutput out = sluice::testing::run_process(
      {SLUICE_BIN, "run", "--egress-report", report.string(), guest("adversary"), "--", "serve",
       "127.0.0.1", port, "1"},
      "", {kCacheEnv});
  ASSERT_EQ(out.exit_status, 0) << out.err;
  EXPECT_EQ(out.out, "serve 127.0.0.1 " + port + " 1 listen=access-denied\n");
  const json r = read_json(report);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["totals"]["listens_denied"], 1);
  ASSERT_EQ(r["listens"].size(), 1u);
  EXPECT_EQ(r["listens"][0]["denials"][0]["reason"], "no-inbound-rule");
}

// Replies to an accepted connection leave the sandbox too: they count against bytes_out.
TEST(Ingress, RepliesCountAgainstTheByteQuota) {
  TempDir dir;
  const fs::path policy = dir.path() / "policy.toml";
  const uint16_t listen_port = free_loopback_port();
  const std::string port = std::to_string(listen_port);
  save_policy(policy, "version = 1\n[inbound]\nallow = [\"tcp://127.0.0.1:" + port +
                          "\"]\n[limits]\nbytes_out = 1000\n");
  BackgroundProcess sluice({SLUICE_BIN, "run", "--policy", policy.string(), guest("adversary"),
                            "--", "serve", "127.0.0.1", port, "1"},
                           {kCacheEnv});
  expect_line(sluice, "serve 127.0.0.1 " + port + " 1 listening");
  int fd = connect_loopback(listen_port);
  ASSERT_GE(fd, 0);
  const std::string payload(3000, 'y');
  ASSERT_EQ(write(fd, payload.data(), payload.size()), static_cast<ssize_t>(payload.size()));
  shutdown(fd, SHUT_WR);
  const std::string echoed = read_all(fd);
  close(fd);
  EXPECT_LE(echoed.size(), 1000u);  // never more than the quota
  EXPECT_EQ(echoed, payload.substr(0, echoed.size()));
  std::optional<std::string> last = sluice.next_line();
  ASSERT_TRUE(last.has_value()) << sluice.err();
  EXPECT_NE(last->find("accepted=1"), std::string::npos) << *last;
  EXPECT_EQ(sluice.wait(), 0) << sluice.err();
}

}  // namespace
