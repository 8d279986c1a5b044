#include "egress/outbound_rules.h"

#include <cctype>
#include <charconv>

#include "egress/ip_address.h"

namespace sluice::egress {

namespace {

[[noreturn]] void fail(RuleDirection direction, std::string_view pattern, const std::string& what) {
  const char* flag = direction == RuleDirection::kInbound ? "--allow-inbound" : "--allow-outbound";
  throw RuleSyntaxError(std::string(flag) + " '" + std::string(pattern) + "': " + what);
}

std::optional<unsigned> parse_number(std::string_view text, unsigned max) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > max) {
    return std::nullopt;
  }
  return value;
}

void parse_port(RuleDirection dir, std::string_view pattern, std::string_view port, OutboundRule& rule) {
  if (port == "*") return;  // 0-65535, the defaults
  auto dash = port.find('-');
  std::string_view low = port.substr(0, dash);
  std::string_view high = dash == std::string_view::npos ? low : port.substr(dash + 1);
  auto lo = parse_number(low, 65535);
  auto hi = parse_number(high, 65535);
  if (!lo || !hi) {
    fail(dir, pattern, "bad port '" + std::string(port) +
                           "' (expected a number 0-65535, a range LOW-HIGH, or *)");
  }
  if (*lo > *hi) fail(dir, pattern, "port range '" + std::string(port) + "' is backwards");
  rule.port_low = static_cast<uint16_t>(*lo);
  rule.port_high = static_cast<uint16_t>(*hi);
}

// `address` is an IP literal, optionally "/len".
void parse_network(RuleDirection dir, std::string_view pattern, std::string_view address,
                   std::optional<std::string_view> prefix, OutboundRule& rule) {
  auto ip = parse_ip_address(address);
  if (!ip) fail(dir, pattern, "'" + std::string(address) + "' is not an IP address");
  const bool written_v6 = address.find(':') != std::string_view::npos;
  unsigned max_len = ip->is_v6 ? 128 : 32;
  unsigned len = max_len;
  if (prefix) {
    // A prefix is written against the family the user typed; "::ffff:10.0.0.0/104" still works.
    const unsigned written_max = written_v6 ? 128 : 32;
    auto parsed = parse_number(*prefix, written_max);
    if (!parsed) {
      fail(dir, pattern, "bad prefix length '/" + std::string(*prefix) + "' (expected 0-" +
                             std::to_string(written_max) + ")");
    }
    len = *parsed;
    if (written_v6 && !ip->is_v6) {  // an IPv4-mapped network, normalised to IPv4
      if (len < 96) fail(dir, pattern, "an IPv4-mapped prefix must be at least /96");
      len -= 96;
    }
  }
  rule.host = OutboundRule::Host::kNetwork;
  rule.network = *ip;
  rule.prefix_len = len;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) {
      return false;
    }
  }
  return name.front() != '.' && name.find("..") == std::string_view::npos;
}

void parse_host(RuleDirection dir, std::string_view pattern, std::string_view host, OutboundRule& rule) {
  if (host.empty()) fail(dir, pattern, "missing host (use a name, *.suffix, an IP, a CIDR or *)");
  if (host == "*") {
    rule.host = OutboundRule::Host::kAny;
    return;
  }
  if (host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos) fail(dir, pattern, "'[' without a closing ']'");
    std::string_view inside = host.substr(1, close - 1);
    std::string_view after = host.substr(close + 1);
    std::optional<std::string_view> prefix;
    if (auto slash = inside.find('/'); slash != std::string_view::npos) {
      prefix = inside.substr(slash + 1);
      inside = inside.substr(0, slash);
    }
    if (!after.empty()) {
      if (after.front() != '/' || prefix) fail(dir, pattern, "unexpected '" + std::string(after) + "' after ']'");
      prefix = after.substr(1);
    }
    if (inside.find(':') == std::string_view::npos) {
      fail(dir, pattern, "brackets are for IPv6 addresses; '" + std::string(inside) + "' is not one");
    }
    parse_network(dir, pattern, inside, prefix, rule);
    return;
  }
  if (auto slash = host.find('/'); slash != std::string_view::npos) {
    parse_network(dir, pattern, host.substr(0, slash), host.substr(slash + 1), rule);
    return;
  }
  if (parse_ip_address(host)) {
    parse_network(dir, pattern, host, std::nullopt, rule);
    return;
  }
  if (dir == RuleDirection::kInbound) {
    fail(dir, pattern, "inbound patterns take a local address, a CIDR or *, not a name");
  }
  std::string_view name = host;
  bool subdomains = false;
  if (name.starts_with("*.")) {
    subdomains = true;
    name.remove_prefix(2);
  }
  if (name.find('*') != std::string_view::npos) {
    fail(dir, pattern, "'*' is only allowed as the whole host or as a leading '*.' label");
  }
  if (!valid_name(name)) fail(dir, pattern, "'" + std::string(host) + "' is not a valid host name");
  rule.host = subdomains ? OutboundRule::Host::kSubdomains : OutboundRule::Host::kName;
  rule.name = (subdomains ? "." : "") + normalized_name(name);
}

bool name_matches(const OutboundRule& rule, std::string_view name) {
  switch (rule.host) {
    case OutboundRule::Host::kAny: return true;
    case OutboundRule::Host::kName: return name == rule.name;
    case OutboundRule::Host::kSubdomains:
      return name.size() > rule.name.size() && name.ends_with(rule.name);
    case OutboundRule::Host::kNetwork: return false;
  }
  return false;
}

Verdict allow(const OutboundRule& rule, std::string_view reason) {
  return Verdict{true, rule.text, std::string(reason)};
}

Verdict deny(std::string_view reason) {
  return Verdict{false, std::string(kDefaultDenyRule), std::string(reason)};
}

}  // namespace

std::string normalized_name(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

OutboundRule parse_rule(std::string_view pattern, RuleDirection dir) {
  OutboundRule rule;
  rule.text = std::string(pattern);
  auto sep = pattern.find("://");
  if (sep == std::string_view::npos) {
    fail(dir, pattern, "missing scheme (write tcp://, udp:// or *:// before the host)");
  }
  std::string_view scheme = pattern.substr(0, sep);
  if (scheme == "tcp") {
    rule.transport = Transport::kTcp;
  } else if (scheme == "udp") {
    rule.transport = Transport::kUdp;
  } else if (scheme != "*") {
    fail(dir, pattern, "unknown scheme '" + std::string(scheme) + "' (expected tcp, udp or *)");
  }
  std::string_view rest = pattern.substr(sep + 3);
  // The port follows the last ':' outside brackets; an unbracketed IPv6 literal is ambiguous.
  const auto bracket_end = rest.starts_with('[') ? rest.find(']') : std::string_view::npos;
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || (bracket_end != std::string_view::npos && colon < bracket_end)) {
    fail(dir, pattern, "missing port (end the pattern with :PORT, :LOW-HIGH or :*)");
  }
  std::string_view host = rest.substr(0, colon);
  std::string_view port = rest.substr(colon + 1);
  if (!host.starts_with('[') && host.find(':') != std::string_view::npos) {
    fail(dir, pattern, "IPv6 addresses must be in brackets, e.g. tcp://[::1]:8080");
  }
  if (port.find('/') != std::string_view::npos) {
    fail(dir, pattern, "unexpected path after the port (patterns are scheme://host:port)");
  }
  parse_host(dir, pattern, host, rule);
  parse_port(dir, pattern, port, rule);
  return rule;
}

bool OutboundRule::covers(const IpAddress& ip) const {
  if (host == Host::kAny) return true;
  return host == Host::kNetwork && in_prefix(normalized(ip), network, prefix_len);
}

bool OutboundRule::names(std::string_view n) const { return name_matches(*this, normalized_name(n)); }

bool OutboundRule::matches(const Destination& dest) const {
  if (transport && *transport != dest.transport) return false;
  if (dest.port < port_low || dest.port > port_high) return false;
  if (host == Host::kAny || host == Host::kNetwork) return covers(dest.ip);
  return !dest.name.empty() && names(dest.name);
}

void OutboundRules::allow_outbound(std::string_view pattern) {
  outbound_.push_back(parse_rule(pattern, RuleDirection::kOutbound));
}

void OutboundRules::allow_inbound(std::string_view pattern) {
  inbound_.push_back(parse_rule(pattern, RuleDirection::kInbound));
}

const OutboundRule* OutboundRules::match_connect(const Destination& dest) const {
  for (const auto& rule : outbound_) {
    if (rule.matches(dest)) return &rule;
  }
  return nullptr;
}

const OutboundRule* OutboundRules::match_lookup(std::string_view name) const {
  // Resolving an IP literal reveals nothing and leaks nothing; allow it when a rule covers it.
  auto literal = parse_ip_address(name);
  const std::string normal = normalized_name(name);
  for (const auto& rule : outbound_) {
    if (literal ? rule.covers(*literal) : name_matches(rule, normal)) return &rule;
  }
  return nullptr;
}

const OutboundRule* OutboundRules::match_listen(Transport transport, const IpAddress& ip,
                                                uint16_t port) const {
  Destination local{transport, ip, port, {}};
  for (const auto& rule : inbound_) {
    if (rule.matches(local)) return &rule;
  }
  return nullptr;
}

Verdict OutboundRules::decide_connect(const Destination& dest) const {
  const OutboundRule* rule = match_connect(dest);
  return rule ? allow(*rule, kReasonAllowed) : deny(kReasonNoOutboundRule);
}

Verdict OutboundRules::decide_lookup(std::string_view name) const {
  const OutboundRule* rule = match_lookup(name);
  return rule ? allow(*rule, kReasonAllowed) : deny(kReasonNoNameRule);
}

Verdict OutboundRules::decide_listen(Transport transport, const IpAddress& ip, uint16_t port) const {
  const OutboundRule* rule = match_listen(transport, ip, port);
  return rule ? allow(*rule, kReasonInboundAllowed) : deny(kReasonNoInboundRule);
}

}  // namespace sluice::egress
