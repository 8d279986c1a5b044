// libFuzzer target for the policy file reader: any bytes must either load or throw
// RuleSyntaxError saying where ("fuzz.toml:..."), without crashes, leaks or undefined behaviour,
// and a rejected file must leave the Policy untouched. A policy that loads is asked a few
// decisions, so rules the reader let through are exercised by the matcher as well.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "egress/ip_address.h"
#include "egress/policy.h"
#include "egress/policy_file.h"

using namespace sluice::egress;

namespace {

constexpr std::string_view kSource = "fuzz.toml";

void check(bool ok) {
  if (!ok) __builtin_trap();  // an invariant of the reader is broken
}

bool starts_with_source(std::string_view text) { return text.substr(0, kSource.size()) == kSource; }

void exercise(const Policy& policy) {
  for (const Rule& rule : policy.rules()) {
    check(starts_with_source(rule.origin));
    check(rule.port_low <= rule.port_high);
  }
  const Limits& limits = policy.limits();
  check(limits.max_dns_name_length >= 1 && limits.max_dns_name_length <= 253);
  check(limits.max_dns_label_length >= 1 && limits.max_dns_label_length <= 63);
  for (const auto& rate : {limits.connections_per_second, limits.dns_lookups_per_second})
    if (rate) check(rate->per_second > 0 && rate->burst >= 1);

  for (std::string_view ip : {"10.0.0.1", "169.254.169.254", "93.184.216.34", "::1"}) {
    Destination dest;
    dest.ip = *parse_ip_address(ip);
    dest.port = 443;
    dest.name = "api.example.com";
    (void)policy.decide_connect(dest);
    (void)policy.decide_listen(Transport::kTcp, dest.ip, 8080);
  }
  (void)policy.decide_lookup("api.example.com");
  (void)policy.decide_lookup("127.1");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Policy policy;
  try {
    load_policy_text(text, kSource, policy);
  } catch (const RuleSyntaxError& e) {
    check(starts_with_source(e.what()));
    check(policy.rules().empty());
    return 0;
  }
  exercise(policy);
  return 0;
}
