// The cost of one policy decision as the rule count grows: decide_connect to a bare IP,
// decide_connect with an attributed name, and decide_lookup, each for a destination some rule
// allows (hit) and one no rule matches (miss), at 10, 1,000 and 100,000 rules.
// Run: build/egress/policy_bench   (time per iteration = time per decision)
//
// The rules are a realistic mix, from a fixed seed: IPv4 CIDRs of /8 to /32, IPv6 /32 to /128,
// exact names, *.suffix names, with assorted transports and ports, about one in ten a deny,
// plus `deny *://metadata:*`. Three probe rules sit in the middle of the list; the hits use them
// (a *.suffix for names, so a hit walks several label suffixes).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "egress/ip_address.h"
#include "egress/policy.h"

namespace {

using namespace sluice::egress;

constexpr const char* kProbeNetwork = "tcp://45.67.0.0/16:443";
constexpr const char* kProbeSuffix = "tcp://*.probe-suffix.net:443";
constexpr const char* kProbeName = "tcp://api.probe.example.com:443";

std::string random_port(std::mt19937& rng) {
  switch (rng() % 4) {
    case 0: return "443";
    case 1: return "80";
    case 2: return "8000-9000";
    default: return "*";
  }
}

std::string random_scheme(std::mt19937& rng) {
  switch (rng() % 4) {
    case 0: return "udp";
    case 1: return "*";
    default: return "tcp";
  }
}

std::string random_ipv4_cidr(std::mt19937& rng) {
  static constexpr unsigned kLengths[] = {8, 12, 16, 20, 24, 24, 28, 32, 32, 32};
  const unsigned len = kLengths[rng() % std::size(kLengths)];
  // Keep out of 45/8 and 9/8, where the probes live: a hit or miss must stay one.
  uint32_t bits = (static_cast<uint32_t>(rng()) & ~(0xffu << 24)) | ((60u + rng() % 160u) << 24);
  if (len < 32) bits &= ~((1u << (32 - len)) - 1);
  const IpAddress net = IpAddress::v4(static_cast<uint8_t>(bits >> 24), static_cast<uint8_t>(bits >> 16),
                                      static_cast<uint8_t>(bits >> 8), static_cast<uint8_t>(bits));
  return net.to_string() + (len == 32 ? "" : "/" + std::to_string(len));
}

std::string random_ipv6_cidr(std::mt19937& rng) {
  static constexpr unsigned kLengths[] = {32, 48, 56, 64, 128};
  const unsigned len = kLengths[rng() % std::size(kLengths)];
  char text[64];
  if (len == 128) {
    std::snprintf(text, sizeof text, "[2001:%x:%x::%x]", static_cast<unsigned>(rng() % 0xffff) + 1,
                  static_cast<unsigned>(rng() % 0xffff), static_cast<unsigned>(rng() % 0xffff) + 1);
  } else {
    std::snprintf(text, sizeof text, "[2a%02x:%x::]/%u", static_cast<unsigned>(rng() % 0x100),
                  static_cast<unsigned>(rng() % 0xffff) + 1, len);
  }
  return text;
}

std::string random_name(std::mt19937& rng, size_t i) {
  static constexpr const char* kZones[] = {"example.com", "corp.internal", "svc.cluster.local",
                                           "api.partner.io", "cdn.example.net"};
  return "host" + std::to_string(i) + ".team" + std::to_string(rng() % 500) + "." +
         kZones[rng() % std::size(kZones)];
}

std::unique_ptr<Policy> make_policy(size_t count) {
  auto policy = std::make_unique<Policy>();
  std::mt19937 rng(20240611);
  policy->add("*://metadata:*", RuleAction::kDeny, Direction::kOutbound, "bench");
  for (size_t i = 1; i < count; ++i) {
    if (i == count / 2) {
      policy->add(kProbeNetwork, RuleAction::kAllow, Direction::kOutbound, "bench");
      policy->add(kProbeSuffix, RuleAction::kAllow, Direction::kOutbound, "bench");
      policy->add(kProbeName, RuleAction::kAllow, Direction::kOutbound, "bench");
      i += 2;
      continue;
    }
    const unsigned kind = rng() % 100;
    const RuleAction action = rng() % 10 == 0 ? RuleAction::kDeny : RuleAction::kAllow;
    std::string host;
    if (kind < 35) {
      host = random_ipv4_cidr(rng);
    } else if (kind < 45) {
      host = random_ipv6_cidr(rng);
    } else if (kind < 75) {
      host = random_name(rng, i);
    } else {
      host = "*.team" + std::to_string(i) + ".zone" + std::to_string(rng() % 50) + ".example.org";
    }
    const std::string pattern = random_scheme(rng) + "://" + host + ":" + random_port(rng);
    policy->add(pattern, action, Direction::kOutbound, "bench");
  }
  return policy;
}

// Built once per size: parsing 100,000 rules is not what we measure.
const Policy& policy_with(size_t count) {
  static std::map<size_t, std::unique_ptr<Policy>> cache;
  auto& slot = cache[count];
  if (!slot) slot = make_policy(count);
  return *slot;
}

Destination destination(const char* ip, uint16_t port, std::string name = {}) {
  Destination dest;
  dest.transport = Transport::kTcp;
  dest.ip = *parse_ip_address(ip);
  dest.port = port;
  dest.name = std::move(name);
  return dest;
}

bool check(benchmark::State& state, const Verdict& verdict, bool want_allowed) {
  if (verdict.allowed == want_allowed) return true;
  state.SkipWithError(want_allowed ? "the hit was denied" : "the miss was allowed");
  return false;
}

void BM_ConnectIp(benchmark::State& state) {
  const Policy& policy = policy_with(static_cast<size_t>(state.range(0)));
  const bool hit = state.range(1) != 0;
  const Destination dest = hit ? destination("45.67.89.10", 443) : destination("9.9.9.9", 443);
  if (!check(state, policy.decide_connect(dest), hit)) return;
  for (auto _ : state) benchmark::DoNotOptimize(policy.decide_connect(dest));
}

void BM_ConnectName(benchmark::State& state) {
  const Policy& policy = policy_with(static_cast<size_t>(state.range(0)));
  const bool hit = state.range(1) != 0;
  // The address alone matches nothing: the attributed name decides.
  const Destination dest = hit ? destination("9.9.9.9", 443, "eu.edge.cdn.probe-suffix.net")
                               : destination("9.9.9.9", 443, "eu.edge.cdn.nowhere-known.net");
  if (!check(state, policy.decide_connect(dest), hit)) return;
  for (auto _ : state) benchmark::DoNotOptimize(policy.decide_connect(dest));
}

void BM_Lookup(benchmark::State& state) {
  const Policy& policy = policy_with(static_cast<size_t>(state.range(0)));
  const bool hit = state.range(1) != 0;
  const std::string name = hit ? "eu.edge.cdn.probe-suffix.net" : "eu.edge.cdn.nowhere-known.net";
  if (!check(state, policy.decide_lookup(name), hit)) return;
  for (auto _ : state) benchmark::DoNotOptimize(policy.decide_lookup(name));
}

void BM_LookupIpLiteral(benchmark::State& state) {
  const Policy& policy = policy_with(static_cast<size_t>(state.range(0)));
  const bool hit = state.range(1) != 0;
  const std::string name = hit ? "45.67.89.10" : "9.9.9.9";
  if (!check(state, policy.decide_lookup(name), hit)) return;
  for (auto _ : state) benchmark::DoNotOptimize(policy.decide_lookup(name));
}

void sizes(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"rules", "hit"});
  for (int64_t rules : {10, 1000, 100000}) {
    for (int64_t hit : {1, 0}) bench->Args({rules, hit});
  }
}

BENCHMARK(BM_ConnectIp)->Apply(sizes);
BENCHMARK(BM_ConnectName)->Apply(sizes);
BENCHMARK(BM_Lookup)->Apply(sizes);
BENCHMARK(BM_LookupIpLiteral)->Apply(sizes);

}  // namespace

BENCHMARK_MAIN();
