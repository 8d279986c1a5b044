// The egress policy of a sandbox: allow and deny rules for outbound connects, datagrams and DNS
// lookups, allow rules for listening, and limits (quotas and rates).
//
// A Policy is built once (from --allow-outbound / --deny-outbound / --allow-inbound flags and a
// --policy file), then never changes: a reload builds a new Policy and the meter swaps it in.
// Decisions are const and thread-compatible. Rule pointers and texts stay valid for the Policy's
// lifetime (the meter keeps every policy it has used alive, so events can point at them).
//
// Rule syntax (Spin's allowed_outbound_hosts, restricted to socket schemes), one per rule:
//
//   PATTERN = SCHEME "://" HOST ":" PORT
//   SCHEME  = tcp | udp | *
//   HOST    = name ("api.example.com") | "*." suffix ("*.example.com": subdomains, not the apex)
//           | "*" | IPv4 ("10.0.0.1") | IPv4 CIDR ("10.0.0.0/8")
//           | "[" IPv6 "]" | "[" IPv6 "]/" len | "[" IPv6 "/" len "]"
//           | a named set: private | loopback | link-local | metadata | public
//             (to name a host literally called "private", write it with the root dot: "private.")
//   PORT    = number | LOW "-" HIGH | *
//
// Semantics (docs/policy.md says the same, with examples):
// - Default deny. A deny rule that matches beats every allow rule.
// - Name rules (name, *.suffix) match a connect only through attribution: the name this sandbox
//   itself resolved to the destination IP (Destination::name). A connect to a bare IP is judged
//   by IP, CIDR, set and "*" rules only. IP/CIDR/set rules always judge the IP, whatever name it
//   came from, so `deny *://private:*` stops a name that resolves to 10.0.0.1 (rebinding).
// - A DNS lookup of a name is allowed when an allow rule could later allow a connect to it (its
//   host is that name, a matching *.suffix, or "*") and no deny rule names it; a lookup of an IP
//   literal (including legacy IPv4 spellings like "127.1") is judged as that address.
// - Addresses are put in canonical form before matching (canonical_address in address_sets.h):
//   IPv4-mapped and IPv4-compatible IPv6 become IPv4, the unspecified addresses (0.0.0.0, ::)
//   are loopback, zone ids are ignored.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "egress/egress.h"

namespace sluice::egress {

// A pattern, limit or policy file that does not parse. what() says where and what is wrong.
class RuleSyntaxError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class RuleAction : uint8_t { kAllow, kDeny };

// Named address sets. `public` is every address in none of the others and not otherwise special
// (multicast, broadcast, documentation and reserved ranges are not public).
enum class AddressSet : uint8_t { kPrivate, kLoopback, kLinkLocal, kMetadata, kPublic };
const char* to_string(AddressSet set);

struct Rule {
  enum class Host : uint8_t { kAny, kName, kSubdomains, kNetwork, kSet };

  std::string text;    // the pattern as written: the rule's id in verdicts, events and reports
  std::string origin;  // where it came from: "--deny-outbound", "policy.toml:12:5"
  RuleAction action = RuleAction::kAllow;
  Direction direction = Direction::kOutbound;
  std::optional<Transport> transport;  // nullopt: any ("*://")
  Host host = Host::kAny;
  std::string name;        // kName: normalised name; kSubdomains: ".suffix"
  IpAddress network;       // kNetwork, canonical
  unsigned prefix_len = 0; // kNetwork
  AddressSet set = AddressSet::kPublic;  // kSet
  uint16_t port_low = 0;
  uint16_t port_high = 65535;
  uint32_t order = 0;      // position in the policy: the first matching allow rule is reported
};

// Parses one pattern; throws RuleSyntaxError naming the pattern and what is wrong. Inbound
// patterns take an address, CIDR, set or "*" (listening binds a local address, not a name).
Rule parse_rule(std::string_view pattern, RuleAction action, Direction direction,
                std::string origin);

// DNS names compare case-insensitively and without the trailing root dot.
std::string normalized_name(std::string_view name);

struct RateLimit {
  double per_second = 0;  // sustained rate (tokens added per second)
  double burst = 0;       // bucket size; at least 1
};

// Limits of one sandbox. Absent means unlimited.
struct Limits {
  std::optional<uint64_t> bytes_out;                  // TCP payload + UDP datagram bytes, total
  std::optional<uint64_t> bytes_out_per_destination;  // the same, per (transport, IP, port)
  std::optional<uint32_t> concurrent_connections;     // open TCP connections + connected UDP
  std::optional<RateLimit> connections_per_second;    // connect attempts (allowed by rules)
  std::optional<RateLimit> dns_lookups_per_second;    // lookups (allowed by rules)
  uint32_t max_dns_name_length = 253;   // DNS-exfiltration guards, checked before any rule
  uint32_t max_dns_label_length = 63;
};

// The ids verdicts carry for decisions that no rule made.
inline constexpr std::string_view kDefaultDenyRule = "default-deny";
inline constexpr std::string_view kLimitBytesOut = "limits.bytes_out";
inline constexpr std::string_view kLimitBytesOutPerDestination = "limits.bytes_out_per_destination";
inline constexpr std::string_view kLimitConcurrentConnections = "limits.concurrent_connections";
inline constexpr std::string_view kLimitConnectionsPerSecond = "limits.connections_per_second";
inline constexpr std::string_view kLimitDnsLookupsPerSecond = "limits.dns_lookups_per_second";
inline constexpr std::string_view kLimitMaxDnsNameLength = "dns.max_name_length";
inline constexpr std::string_view kLimitMaxDnsLabelLength = "dns.max_label_length";

class RuleIndex;  // egress/rule_index.h: trie for networks, hashed names and suffixes

class Policy {
 public:
  Policy();
  ~Policy();
  Policy(Policy&&) noexcept;
  Policy& operator=(Policy&&) noexcept;

  // Parses and adds a rule (throws RuleSyntaxError); rules keep the order they were added in.
  const Rule& add(std::string_view pattern, RuleAction action, Direction direction,
                  std::string origin);

  Limits& limits() { return limits_; }
  const Limits& limits() const { return limits_; }

  // Decisions by rules alone (limits other than the DNS guards are the meter's business: they
  // need state). `dest.ip` may be in any form (it is canonicalised); `dest.name` is the
  // attributed name, normalised, or empty. Never allocates on the allow path.
  Verdict decide_connect(const Destination& dest) const;
  Verdict decide_lookup(std::string_view name) const;  // guards, then rules
  Verdict decide_listen(Transport transport, const IpAddress& ip, uint16_t port) const;

  // Every rule, in the order added.
  const std::deque<Rule>& rules() const { return rules_; }
  bool has_inbound_rules() const;

 private:
  std::deque<Rule> rules_;  // deque: pointers stay valid as rules are added
  std::unique_ptr<RuleIndex> outbound_;
  std::unique_ptr<RuleIndex> inbound_;
  Limits limits_;
};

}  // namespace sluice::egress
