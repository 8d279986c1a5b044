// The allow-lists of one sandbox: `--allow-outbound PATTERN` (Spin's allowed_outbound_hosts
// syntax, restricted to the socket schemes) and `--allow-inbound PATTERN` for listening sockets.
//
//   PATTERN = SCHEME "://" HOST ":" PORT
//   SCHEME  = tcp | udp | *
//   HOST    = name ("api.example.com") | "*." suffix ("*.example.com": subdomains, not the apex)
//           | "*" | IPv4 ("10.0.0.1") | IPv4 CIDR ("10.0.0.0/8")
//           | "[" IPv6 "]" | "[" IPv6 "]/" len | "[" IPv6 "/" len "]"
//   PORT    = number | LOW "-" HIGH | *
//
// Everything not allowed is denied. A name rule matches a connect only through the name this
// sandbox resolved to the destination IP (attribution), never by reverse DNS: a guest that
// connects to a raw IP gets only the IP/CIDR rules. A DNS lookup is allowed when some outbound
// rule could later allow a connect to that name (its host is the name, a matching "*." suffix,
// or "*"), so DNS cannot be used to exfiltrate data to names nobody allowed.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "egress/egress.h"

namespace sluice::egress {

// A pattern that does not parse. what() names the pattern and what is wrong with it.
class RuleSyntaxError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct OutboundRule {
  enum class Host : uint8_t { kAny, kName, kSubdomains, kNetwork };

  std::string text;                      // the pattern as the user wrote it: the rule's id
  std::optional<Transport> transport;    // nullopt: any ("*://")
  Host host = Host::kAny;
  std::string name;                      // kName: lower-case name; kSubdomains: ".suffix"
  IpAddress network;                     // kNetwork
  unsigned prefix_len = 0;               // kNetwork
  uint16_t port_low = 0;
  uint16_t port_high = 65535;

  bool matches(const Destination& dest) const;
  // True when this rule could allow a connect to a destination attributed to `name`.
  bool names(std::string_view name) const;
  bool covers(const IpAddress& ip) const;  // host part only (kAny or kNetwork)
};

enum class RuleDirection : uint8_t { kOutbound, kInbound };

// Parses one pattern; throws RuleSyntaxError. Inbound patterns take an address, CIDR or "*"
// (listening binds a local address; a name would never match).
OutboundRule parse_rule(std::string_view pattern, RuleDirection direction = RuleDirection::kOutbound);

// DNS names compare case-insensitively and without the trailing root dot.
std::string normalized_name(std::string_view name);

// The fixed rule id of a default denial.
inline constexpr std::string_view kDefaultDenyRule = "default-deny";

class OutboundRules {
 public:
  void allow_outbound(std::string_view pattern);  // throws RuleSyntaxError
  void allow_inbound(std::string_view pattern);   // throws RuleSyntaxError

  // The first rule that allows, or nullptr (default deny). Pointers stay valid while this object
  // lives and no rule is added.
  const OutboundRule* match_connect(const Destination& dest) const;
  const OutboundRule* match_lookup(std::string_view name) const;
  const OutboundRule* match_listen(Transport transport, const IpAddress& ip, uint16_t port) const;

  Verdict decide_connect(const Destination& dest) const;
  Verdict decide_lookup(std::string_view name) const;
  Verdict decide_listen(Transport transport, const IpAddress& ip, uint16_t port) const;

  const std::vector<OutboundRule>& outbound() const { return outbound_; }
  const std::vector<OutboundRule>& inbound() const { return inbound_; }

 private:
  std::vector<OutboundRule> outbound_;
  std::vector<OutboundRule> inbound_;
};

// The reasons a verdict carries (stable strings: the report groups denials by them).
inline constexpr std::string_view kReasonAllowed = "allowed by --allow-outbound";
inline constexpr std::string_view kReasonNoOutboundRule = "no --allow-outbound rule matches";
inline constexpr std::string_view kReasonNoNameRule = "no --allow-outbound rule names this host";
inline constexpr std::string_view kReasonInboundAllowed = "allowed by --allow-inbound";
inline constexpr std::string_view kReasonNoInboundRule = "no --allow-inbound rule matches";

}  // namespace sluice::egress
