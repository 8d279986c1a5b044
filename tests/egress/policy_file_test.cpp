#include "egress/policy_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "egress/policy_file_charset.h"
#include "egress/policy_file_values.h"

namespace sluice::egress {
namespace {

constexpr std::string_view kSource = "p.toml";

Policy load(std::string_view text) {
  Policy policy;
  load_policy_text(text, kSource, policy);
  return policy;
}

// The whole error message of a file that must not load.
std::string error_of(std::string_view text) {
  Policy policy;
  try {
    load_policy_text(text, kSource, policy);
  } catch (const RuleSyntaxError& e) {
    return e.what();
  }
  return "(loaded)";
}

struct RuleSummary {
  std::string text;
  std::string origin;
  RuleAction action;
  Direction direction;
  bool operator==(const RuleSummary&) const = default;
};

std::vector<RuleSummary> summary(const Policy& policy) {
  std::vector<RuleSummary> out;
  for (const Rule& r : policy.rules()) out.push_back({r.text, r.origin, r.action, r.direction});
  return out;
}

constexpr auto kAllow = RuleAction::kAllow;
constexpr auto kDeny = RuleAction::kDeny;
constexpr auto kOut = Direction::kOutbound;
constexpr auto kIn = Direction::kInbound;

// --- Good files ----------------------------------------------------------------------------

TEST(PolicyFile, MinimalFileHasNoRulesAndNoLimits) {
  const Policy policy = load("version = 1\n");
  EXPECT_TRUE(policy.rules().empty());
  const Limits& limits = policy.limits();
  EXPECT_FALSE(limits.bytes_out);
  EXPECT_FALSE(limits.bytes_out_per_destination);
  EXPECT_FALSE(limits.concurrent_connections);
  EXPECT_FALSE(limits.connections_per_second);
  EXPECT_FALSE(limits.dns_lookups_per_second);
  EXPECT_EQ(limits.max_dns_name_length, 253u);
  EXPECT_EQ(limits.max_dns_label_length, 63u);
}

TEST(PolicyFile, ReadsEverySectionWithOrigins) {
  const Policy policy = load(R"(version = 1
[outbound]
allow = ["tcp://api.example.com:443", "udp://10.0.0.53:53"]
deny  = ["*://metadata:*"]
[inbound]
allow = ["tcp://127.0.0.1:8080"]
[limits]
bytes_out = "10 MiB"
bytes_out_per_destination = 1048576
concurrent_connections = 64
connections_per_second = 20
dns_lookups_per_second = { rate = 50, burst = 100 }
[dns]
max_name_length = 200
max_label_length = 30
)");
  EXPECT_EQ(summary(policy), (std::vector<RuleSummary>{
                                 {"tcp://api.example.com:443", "p.toml:3:10", kAllow, kOut},
                                 {"udp://10.0.0.53:53", "p.toml:3:39", kAllow, kOut},
                                 {"*://metadata:*", "p.toml:4:10", kDeny, kOut},
                                 {"tcp://127.0.0.1:8080", "p.toml:6:10", kAllow, kIn},
                             }));
  const Limits& limits = policy.limits();
  EXPECT_EQ(limits.bytes_out, 10u * 1024 * 1024);
  EXPECT_EQ(limits.bytes_out_per_destination, 1048576u);
  EXPECT_EQ(limits.concurrent_connections, 64u);
  ASSERT_TRUE(limits.connections_per_second);
  EXPECT_EQ(limits.connections_per_second->per_second, 20);
  EXPECT_EQ(limits.connections_per_second->burst, 20);
  ASSERT_TRUE(limits.dns_lookups_per_second);
  EXPECT_EQ(limits.dns_lookups_per_second->per_second, 50);
  EXPECT_EQ(limits.dns_lookups_per_second->burst, 100);
  EXPECT_EQ(limits.max_dns_name_length, 200u);
  EXPECT_EQ(limits.max_dns_label_length, 30u);
}

// toml++ keeps a table's keys sorted; the rules must come out as written instead.
TEST(PolicyFile, RulesKeepFileOrder) {
  const Policy policy = load(R"(version = 1
[inbound]
allow = ["tcp://127.0.0.1:8080"]
[outbound]
deny = [
  "*://private:*",
  "*://metadata:*",
]
allow = ["tcp://b.example.com:443", "tcp://a.example.com:443"]
)");
  EXPECT_EQ(summary(policy), (std::vector<RuleSummary>{
                                 {"tcp://127.0.0.1:8080", "p.toml:3:10", kAllow, kIn},
                                 {"*://private:*", "p.toml:6:3", kDeny, kOut},
                                 {"*://metadata:*", "p.toml:7:3", kDeny, kOut},
                                 {"tcp://b.example.com:443", "p.toml:9:10", kAllow, kOut},
                                 {"tcp://a.example.com:443", "p.toml:9:37", kAllow, kOut},
                             }));
}

TEST(PolicyFile, InlineAndDottedTablesWork) {
  const Policy policy = load(R"(version = 1
outbound = { deny = ["*://metadata:*"], allow = ["tcp://*:443"] }
limits.concurrent_connections = 3
)");
  EXPECT_EQ(summary(policy), (std::vector<RuleSummary>{
                                 {"*://metadata:*", "p.toml:2:22", kDeny, kOut},
                                 {"tcp://*:443", "p.toml:2:50", kAllow, kOut},
                             }));
  EXPECT_EQ(policy.limits().concurrent_connections, 3u);
}

TEST(PolicyFile, EmptyListsAndTablesAreFine) {
  const Policy policy = load("version = 1\n[outbound]\nallow = []\ndeny = []\n[inbound]\n[limits]\n[dns]\n");
  EXPECT_TRUE(policy.rules().empty());
}

TEST(PolicyFile, AddsToRulesAlreadyInThePolicyAndKeepsLimitsItDoesNotName) {
  Policy policy;
  policy.add("tcp://flag.example.com:443", kAllow, kOut, "--allow-outbound");
  policy.limits().bytes_out = 5;
  policy.limits().max_dns_label_length = 20;
  load_policy_text("version = 1\noutbound.allow = [\"tcp://file.example.com:443\"]\n"
                   "limits.concurrent_connections = 2\n",
                   kSource, policy);
  EXPECT_EQ(summary(policy), (std::vector<RuleSummary>{
                                 {"tcp://flag.example.com:443", "--allow-outbound", kAllow, kOut},
                                 {"tcp://file.example.com:443", "p.toml:2:19", kAllow, kOut},
                             }));
  EXPECT_EQ(policy.limits().bytes_out, 5u);
  EXPECT_EQ(policy.limits().max_dns_label_length, 20u);
  EXPECT_EQ(policy.limits().concurrent_connections, 2u);
}

TEST(PolicyFile, ABadFileLeavesThePolicyUnchanged) {
  Policy policy;
  policy.add("tcp://flag.example.com:443", kAllow, kOut, "--allow-outbound");
  EXPECT_THROW(load_policy_text(R"(version = 1
outbound.allow = ["tcp://good.example.com:443"]
limits.bytes_out = 7
limits.concurrent_connections = -1
)",
                                kSource, policy),
               RuleSyntaxError);
  ASSERT_EQ(policy.rules().size(), 1u);
  EXPECT_FALSE(policy.limits().bytes_out);
}

TEST(PolicyFile, ByteCountsTakeUnits) {
  const std::vector<std::pair<std::string, uint64_t>> cases = {
      {"0", 0},
      {"1048576", 1048576},
      {"\"0 B\"", 0},
      {"\"1 B\"", 1},
      {"\"1KB\"", 1000},
      {"\"1 KiB\"", 1024},
      {"\"10 MB\"", 10'000'000},
      {"\"10 MiB\"", 10u << 20},
      {"\"2 GB\"", 2'000'000'000},
      {"\"3 GiB\"", 3ull << 30},
      {"\"1 TB\"", 1'000'000'000'000},
      {"\"1 TiB\"", 1ull << 40},
      {"\"  7 \tB \"", 7},
      {"\"18446744073709551615 B\"", UINT64_MAX},
  };
  for (const auto& [value, bytes] : cases) {
    const Policy policy = load("version = 1\n[limits]\nbytes_out = " + value + "\n");
    EXPECT_EQ(policy.limits().bytes_out, bytes) << value;
  }
}

TEST(PolicyFile, ZeroQuotaAndZeroConnectionsMeanNone) {
  const Policy policy = load("version = 1\n[limits]\nbytes_out = 0\nbytes_out_per_destination = "
                             "\"0 B\"\nconcurrent_connections = 0\n");
  EXPECT_EQ(policy.limits().bytes_out, 0u);
  EXPECT_EQ(policy.limits().bytes_out_per_destination, 0u);
  EXPECT_EQ(policy.limits().concurrent_connections, 0u);
}

TEST(PolicyFile, RatesTakeANumberOrATable) {
  struct Case {
    std::string value;
    double rate;
    double burst;
  };
  const std::vector<Case> cases = {
      {"20", 20, 20},
      {"0.5", 0.5, 1},  // burst is at least 1, or nothing could ever pass
      {"2.5", 2.5, 2.5},
      {"{ rate = 20, burst = 40 }", 20, 40},
      {"{ rate = 20 }", 20, 20},
      {"{ rate = 0.1 }", 0.1, 1},
      {"{ burst = 1, rate = 100 }", 100, 1},
  };
  for (const Case& c : cases) {
    const Policy policy = load("version = 1\n[limits]\nconnections_per_second = " + c.value + "\n");
    ASSERT_TRUE(policy.limits().connections_per_second) << c.value;
    EXPECT_EQ(policy.limits().connections_per_second->per_second, c.rate) << c.value;
    EXPECT_EQ(policy.limits().connections_per_second->burst, c.burst) << c.value;
  }
  const Policy policy =
      load("version = 1\n[limits.dns_lookups_per_second]\nrate = 3\nburst = 9\n");
  ASSERT_TRUE(policy.limits().dns_lookups_per_second);
  EXPECT_EQ(policy.limits().dns_lookups_per_second->per_second, 3);
  EXPECT_EQ(policy.limits().dns_lookups_per_second->burst, 9);
}

TEST(PolicyFile, DnsGuardsTakeTheirWholeRange) {
  Policy policy = load("version = 1\n[dns]\nmax_name_length = 1\nmax_label_length = 1\n");
  EXPECT_EQ(policy.limits().max_dns_name_length, 1u);
  EXPECT_EQ(policy.limits().max_dns_label_length, 1u);
  policy = load("version = 1\n[dns]\nmax_name_length = 253\nmax_label_length = 63\n");
  EXPECT_EQ(policy.limits().max_dns_name_length, 253u);
  EXPECT_EQ(policy.limits().max_dns_label_length, 63u);
}

// --- Errors: every one says FILE:LINE:COL and what is wrong --------------------------------

TEST(PolicyFileErrors, TomlSyntax) {
  const std::string error = error_of("version = 1\n[outbound\nallow = []\n");
  EXPECT_EQ(error.rfind("p.toml:2:10: invalid TOML: ", 0), 0u) << error;
  EXPECT_EQ(error_of("version = 1\nversion = 1\n").rfind("p.toml:2:11: invalid TOML: ", 0), 0u)
      << error_of("version = 1\nversion = 1\n");
}

TEST(PolicyFileErrors, Version) {
  EXPECT_EQ(error_of("[outbound]\nallow = []\n"),
            "p.toml:1:1: missing version: a policy file starts with `version = 1`");
  EXPECT_EQ(error_of(""), "p.toml:1:1: missing version: a policy file starts with `version = 1`");
  EXPECT_EQ(error_of("version = 2\n"),
            "p.toml:1:11: unsupported policy file version 2 (this sluice reads version 1)");
  EXPECT_EQ(error_of("version = \"1\"\n"),
            "p.toml:1:11: version must be an integer, not a string");
}

TEST(PolicyFileErrors, UnknownKeysAreNamedWithASuggestion) {
  EXPECT_EQ(error_of("version = 1\n[outbund]\n"),
            "p.toml:2:2: unknown key 'outbund' at the top level (did you mean 'outbound'?); "
            "expected one of: version, outbound, inbound, limits, dns");
  EXPECT_EQ(error_of("version = 1\n[outbound]\nalow = []\n"),
            "p.toml:3:1: unknown key 'alow' in [outbound] (did you mean 'allow'?); expected one "
            "of: allow, deny");
  EXPECT_EQ(error_of("version = 1\n[limits]\nbandwidth = 5\n"),
            "p.toml:3:1: unknown key 'bandwidth' in [limits]; expected one of: bytes_out, "
            "bytes_out_per_destination, concurrent_connections, connections_per_second, "
            "dns_lookups_per_second");
  EXPECT_EQ(error_of("version = 1\n[dns]\nmax_name_len = 5\n"),
            "p.toml:3:1: unknown key 'max_name_len' in [dns]; expected one of: max_name_length, "
            "max_label_length");
  EXPECT_EQ(error_of("version = 1\n[limits]\nconnections_per_second = { rate = 1, brust = 2 }\n"),
            "p.toml:3:38: unknown key 'brust' in [limits.connections_per_second] (did you mean "
            "'burst'?); expected one of: rate, burst");
  EXPECT_EQ(error_of("version = 1\n[inbound]\nalow = []\n"),
            "p.toml:3:1: unknown key 'alow' in [inbound] (did you mean 'allow'?); expected one "
            "of: allow");
}

TEST(PolicyFileErrors, InboundDenyIsNotAThing) {
  EXPECT_EQ(error_of("version = 1\n[inbound]\ndeny = [\"tcp://*:22\"]\n"),
            "p.toml:3:1: [inbound] takes no deny list: listening is allow-only (nothing may "
            "listen unless an [inbound] allow rule matches), so remove inbound.deny");
}

TEST(PolicyFileErrors, WrongTypes) {
  EXPECT_EQ(error_of("version = 1\noutbound = 5\n"),
            "p.toml:2:12: outbound must be a table ([outbound]), not an integer");
  EXPECT_EQ(error_of("version = 1\n[[outbound]]\n"),
            "p.toml:2:1: outbound must be a table ([outbound]), not an array");
  EXPECT_EQ(error_of("version = 1\n[outbound]\nallow = \"tcp://*:443\"\n"),
            "p.toml:3:9: outbound.allow must be an array of pattern strings, not a string");
  EXPECT_EQ(error_of("version = 1\n[outbound]\nallow = [\"tcp://*:443\", 443]\n"),
            "p.toml:3:25: each element of outbound.allow must be a pattern string, not an integer");
  EXPECT_EQ(error_of("version = 1\nlimits = []\n"),
            "p.toml:2:10: limits must be a table ([limits]), not an array");
  EXPECT_EQ(error_of("version = 1\ndns = true\n"),
            "p.toml:2:7: dns must be a table ([dns]), not a boolean");
}

TEST(PolicyFileErrors, BadPatternIsReportedAtItsElement) {
  const std::string error =
      error_of("version = 1\n[outbound]\nallow = [\"tcp://a.example.com:443\", \"tcp://x:99999\"]\n");
  // The rest of the message is parse_rule's; the place is said once.
  EXPECT_EQ(error.rfind("p.toml:3:37: outbound.allow: 'tcp://x:99999': ", 0), 0u) << error;
  EXPECT_NE(error.find("port"), std::string::npos) << error;
  EXPECT_EQ(error.find("p.toml", 1), std::string::npos) << error;

  // Listening binds an address, not a name.
  const std::string inbound =
      error_of("version = 1\n[inbound]\nallow = [\"tcp://example.com:80\"]\n");
  EXPECT_EQ(inbound.rfind("p.toml:3:10: inbound.allow: 'tcp://example.com:80': ", 0), 0u) << inbound;
}

TEST(PolicyFileErrors, ByteCounts) {
  const auto bytes_out = [](std::string value) {
    return error_of("version = 1\n[limits]\nbytes_out = " + value + "\n");
  };
  const std::string units =
      "; write a number of bytes, or a string like \"10 MiB\" with a unit of B, KB, KiB, MB, "
      "MiB, GB, GiB, TB or TiB";
  EXPECT_EQ(bytes_out("-1"), "p.toml:3:13: limits.bytes_out must be 0 or more bytes, not -1");
  EXPECT_EQ(bytes_out("1.5"),
            "p.toml:3:13: limits.bytes_out must be a number of bytes or a string like \"10 MiB\", "
            "not a floating-point number");
  EXPECT_EQ(bytes_out("\"10\""),
            "p.toml:3:13: limits.bytes_out: cannot read \"10\" as a byte count (no unit)" + units);
  EXPECT_EQ(bytes_out("\"10 Mb\""),
            "p.toml:3:13: limits.bytes_out: cannot read \"10 Mb\" as a byte count (unknown unit "
            "\"Mb\")" + units);
  EXPECT_EQ(bytes_out("\"1.5 GiB\""),
            "p.toml:3:13: limits.bytes_out: cannot read \"1.5 GiB\" as a byte count (whole numbers "
            "only)" + units);
  EXPECT_EQ(bytes_out("\"MiB\""),
            "p.toml:3:13: limits.bytes_out: cannot read \"MiB\" as a byte count (it does not start "
            "with a whole number)" + units);
  EXPECT_EQ(bytes_out("\"-1 B\""),
            "p.toml:3:13: limits.bytes_out: cannot read \"-1 B\" as a byte count (it does not "
            "start with a whole number)" + units);
  EXPECT_EQ(bytes_out("\"16777216 TiB\""),
            "p.toml:3:13: limits.bytes_out: \"16777216 TiB\" is more than 2^64-1 bytes");
  EXPECT_EQ(bytes_out("\"18446744073709551616 B\""),
            "p.toml:3:13: limits.bytes_out: \"18446744073709551616 B\" is more than 2^64-1 bytes");
  EXPECT_EQ(error_of("version = 1\n[limits]\nbytes_out_per_destination = {}\n"),
            "p.toml:3:29: limits.bytes_out_per_destination must be a number of bytes or a string "
            "like \"10 MiB\", not a table");
}

TEST(PolicyFileErrors, ConcurrentConnections) {
  const auto limit = [](std::string value) {
    return error_of("version = 1\n[limits]\nconcurrent_connections = " + value + "\n");
  };
  EXPECT_EQ(limit("-1"),
            "p.toml:3:26: limits.concurrent_connections must be between 0 and 4294967295, not -1");
  EXPECT_EQ(limit("4294967296"),
            "p.toml:3:26: limits.concurrent_connections must be between 0 and 4294967295, not "
            "4294967296");
  EXPECT_EQ(limit("\"64\""),
            "p.toml:3:26: limits.concurrent_connections must be an integer, not a string");
}

TEST(PolicyFileErrors, Rates) {
  const auto rate = [](std::string value) {
    return error_of("version = 1\n[limits]\nconnections_per_second = " + value + "\n");
  };
  const std::string at = "p.toml:3:26: limits.connections_per_second";
  EXPECT_EQ(rate("0"), at + " must be a finite number greater than 0, not 0");
  EXPECT_EQ(rate("-2.5"), at + " must be a finite number greater than 0, not -2.5");
  EXPECT_EQ(rate("inf"), at + " must be a finite number greater than 0, not inf");
  EXPECT_EQ(rate("nan"), at + " must be a finite number greater than 0, not nan");
  EXPECT_EQ(rate("\"20/s\""),
            at + " must be a number per second or a table { rate = N, burst = M }, not a string");
  EXPECT_EQ(rate("{ burst = 4 }"),
            at + " needs a rate, as in { rate = 20, burst = 40 }");
  EXPECT_EQ(rate("{ rate = 0 }"),
            "p.toml:3:35: limits.connections_per_second.rate must be a finite number greater "
            "than 0, not 0");
  EXPECT_EQ(rate("{ rate = \"fast\" }"),
            "p.toml:3:35: limits.connections_per_second.rate must be a number per second, not a "
            "string");
  EXPECT_EQ(rate("{ rate = 10, burst = 0.5 }"),
            "p.toml:3:47: limits.connections_per_second.burst must be a finite number of at least "
            "1, not 0.5");
  EXPECT_EQ(rate("{ rate = 10, burst = -inf }"),
            "p.toml:3:47: limits.connections_per_second.burst must be a finite number of at least "
            "1, not -inf");
  EXPECT_EQ(rate("{ rate = 10, burst = [] }"),
            "p.toml:3:47: limits.connections_per_second.burst must be a number, not an array");
  EXPECT_EQ(error_of("version = 1\n[limits]\ndns_lookups_per_second = 0.0\n"),
            "p.toml:3:26: limits.dns_lookups_per_second must be a finite number greater than 0, "
            "not 0");
}

TEST(PolicyFileErrors, DnsGuards) {
  EXPECT_EQ(error_of("version = 1\n[dns]\nmax_name_length = 0\n"),
            "p.toml:3:19: dns.max_name_length must be between 1 and 253, not 0");
  EXPECT_EQ(error_of("version = 1\n[dns]\nmax_name_length = 254\n"),
            "p.toml:3:19: dns.max_name_length must be between 1 and 253, not 254");
  EXPECT_EQ(error_of("version = 1\n[dns]\nmax_label_length = 64\n"),
            "p.toml:3:20: dns.max_label_length must be between 1 and 63, not 64");
  EXPECT_EQ(error_of("version = 1\n[dns]\nmax_label_length = 6.5\n"),
            "p.toml:3:20: dns.max_label_length must be an integer, not a floating-point number");
}

TEST(PolicyFileErrors, EveryProblemIsReportedInFileOrder) {
  EXPECT_EQ(error_of(R"([limits]
bytes_out = -5
[outbound]
allow = [1]
deny = "x"
[dns]
max_label_length = 0
)"),
            "p.toml:1:1: missing version: a policy file starts with `version = 1`\n"
            "p.toml:2:13: limits.bytes_out must be 0 or more bytes, not -5\n"
            "p.toml:4:10: each element of outbound.allow must be a pattern string, not an integer\n"
            "p.toml:5:8: outbound.deny must be an array of pattern strings, not a string\n"
            "p.toml:7:20: dns.max_label_length must be between 1 and 63, not 0");
}

TEST(PolicyFileErrors, ALongListOfProblemsIsCut) {
  std::string text = "version = 1\n[outbound]\nallow = [\n";
  for (int i = 0; i < 25; ++i) text += "  " + std::to_string(i) + ",\n";
  text += "]\n";
  const std::string error = error_of(text);
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 20);
  EXPECT_EQ(error.rfind("p.toml:4:3: each element of outbound.allow", 0), 0u) << error;
  EXPECT_EQ(error.substr(error.rfind('\n') + 1), "p.toml: and 5 more problems");
}

TEST(PolicyFileErrors, NonAsciiOnlyInComments) {
  const std::string why =
      ": non-ASCII character outside a comment (keys, patterns and values are ASCII: write an "
      "international domain name in punycode, xn--...)";
  // Comments may be in any language.
  const Policy policy = load(
      "\xEF\xBB\xBF# Richtlinie f\xC3\xBCr den Agenten\nversion = 1 # Gr\xC3\xB6\xC3\x9F"
      "e\noutbound.allow = [\"tcp://a.example.com:443\"] # \"\xC3\xA9\"\n");
  EXPECT_EQ(policy.rules().size(), 1u);
  EXPECT_EQ(error_of("version = 1\noutbound.allow = [\"tcp://b\xC3\xBC"
                     "cher.example:443\"]\n"),
            "p.toml:2:27" + why);
  EXPECT_EQ(error_of("v\xC3\xA9rsion = 1\n"), "p.toml:1:2" + why);
  // toml++ 3.3.0 reaches __builtin_unreachable on this one (its issue #190).
  EXPECT_EQ(error_of("version = 1\ns = \"\"\"\\\n\xC2\xA7\"\"\"\n"), "p.toml:3:1" + why);
}

TEST(NonAsciiGuard, FollowsStringsAndComments) {
  using Where = std::pair<size_t, size_t>;
  const auto at = [](std::string_view text) {
    const auto found = find_non_ascii_outside_comments(text);
    return found ? Where{found->line, found->column} : Where{0, 0};
  };
  const std::string e = "\xC3\xA9";  // é
  EXPECT_EQ(at("a = 1 # " + e + "\nb = 2\n"), Where(0, 0));
  EXPECT_EQ(at("x = \"#\" " + e), Where(1, 9));              // '#' in a string starts no comment
  EXPECT_EQ(at("x = \"a\\\" # " + e + "\""), Where(1, 12));  // \" does not close a basic string
  EXPECT_EQ(at("x = 'a\\' # " + e), Where(0, 0));            // literal strings have no escapes
  EXPECT_EQ(at("s = \"\"\"a\"\"\"\"\" # " + e), Where(0, 0));  // """a""""": 2 more quotes at most
  EXPECT_EQ(at("s = '''a''''' # " + e), Where(0, 0));
  EXPECT_EQ(at("s = \"\"\"\\\"\"\" " + e + "\"\"\""), Where(1, 13));  // \"" closes nothing
  EXPECT_EQ(at("a = 1\nb = \"\"\"\nx\n" + e + "\"\"\""), Where(4, 1));
  EXPECT_EQ(at("# " + e + "\nx = \"" + e + "\""), Where(2, 6));  // columns count code points
  EXPECT_EQ(at("\xEF\xBB\xBF"
               "a = 1"),
            Where(0, 0));  // a byte order mark, only at the start
  EXPECT_EQ(at("a = 1\xEF\xBB\xBF"), Where(1, 6));
  EXPECT_EQ(at("x = \"\\\xC3\xA9\""), Where(1, 7));  // an escaped byte is still looked at
}

// --- Files on disk ---------------------------------------------------------------------------

class PolicyFileOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-policy-file-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& name, std::string_view text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(PolicyFileOnDisk, OriginsNameThePathAsGiven) {
  const auto path = write("agent.toml", "version = 1\n\n[outbound]\nallow = [\"tcp://*:443\"]\n");
  Policy policy;
  load_policy_file(path, policy);
  ASSERT_EQ(policy.rules().size(), 1u);
  EXPECT_EQ(policy.rules()[0].origin, path.string() + ":4:10");
}

TEST_F(PolicyFileOnDisk, ErrorsNameThePath) {
  const auto path = write("bad.toml", "version = 1\n[outbound]\ndeny = 1\n");
  Policy policy;
  try {
    load_policy_file(path, policy);
    FAIL() << "loaded";
  } catch (const RuleSyntaxError& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() + ":3:8: outbound.deny must be an array of pattern strings, not an integer");
  }
}

TEST_F(PolicyFileOnDisk, AFileThatCannotBeReadIsAnError) {
  Policy policy;
  const auto missing = dir_ / "missing.toml";
  try {
    load_policy_file(missing, policy);
    FAIL() << "loaded";
  } catch (const RuleSyntaxError& e) {
    EXPECT_EQ(std::string(e.what()),
              missing.string() + ": cannot read the policy file: No such file or directory");
  }
  try {
    load_policy_file(dir_, policy);
    FAIL() << "loaded";
  } catch (const RuleSyntaxError& e) {
    EXPECT_EQ(std::string(e.what()), dir_.string() + ": cannot read the policy file: it is a directory");
  }
}

TEST(PolicyFileExample, TheExampleInTheRepoLoads) {
  const std::filesystem::path path = std::filesystem::path(SLUICE_SOURCE_DIR) / "examples/policy.toml";
  Policy policy;
  ASSERT_NO_THROW(load_policy_file(path, policy));
  EXPECT_EQ(policy.rules().size(), 6u);
  EXPECT_TRUE(policy.has_inbound_rules());
  EXPECT_EQ(policy.limits().bytes_out, 10u << 20);
  EXPECT_EQ(policy.limits().bytes_out_per_destination, 1u << 20);
  EXPECT_EQ(policy.limits().concurrent_connections, 16u);
  EXPECT_EQ(policy.limits().max_dns_name_length, 100u);
}

// --- Byte counts alone -----------------------------------------------------------------------

TEST(ByteCount, ParsesAndRefuses) {
  EXPECT_EQ(parse_byte_count("5 KiB").bytes, 5120u);
  EXPECT_TRUE(parse_byte_count("5 KiB").error.empty());
  EXPECT_FALSE(parse_byte_count("").error.empty());
  EXPECT_FALSE(parse_byte_count("5 kib").error.empty());  // units are case-sensitive
  EXPECT_FALSE(parse_byte_count("5 KiB extra").error.empty());
  EXPECT_FALSE(parse_byte_count("0x10 B").error.empty());
}

}  // namespace
}  // namespace sluice::egress
