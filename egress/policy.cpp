// Policy (policy.h): parsing rule patterns, and deciding connects, lookups and listens with a
// RuleIndex per direction.
#include "egress/policy.h"

#include <array>
#include <charconv>

#include "egress/address_sets.h"
#include "egress/ip_address.h"
#include "egress/rule_index.h"

namespace sluice::egress {

namespace {

// ---- Parsing ---------------------------------------------------------------------------------

// Everything needed to say where a bad pattern came from: "--deny-outbound 'tcp://x': ...".
struct PatternSource {
  std::string_view pattern;
  const std::string& origin;
  Direction direction;

  [[noreturn]] void fail(const std::string& what) const {
    std::string message = origin.empty() ? std::string() : origin + " ";
    message += "'" + std::string(pattern) + "': " + what;
    throw RuleSyntaxError(message);
  }
};

constexpr std::array<AddressSet, kAddressSetCount> kAllSets = {
    AddressSet::kPrivate, AddressSet::kLoopback, AddressSet::kLinkLocal, AddressSet::kMetadata,
    AddressSet::kPublic};

std::optional<unsigned> parse_number(std::string_view text, unsigned max) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > max) {
    return std::nullopt;
  }
  return value;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void parse_port(const PatternSource& source, std::string_view port, Rule& rule) {
  if (port == "*") return;  // 0-65535, the defaults
  const auto dash = port.find('-');
  const std::string_view low = port.substr(0, dash);
  const std::string_view high = dash == std::string_view::npos ? low : port.substr(dash + 1);
  const auto lo = parse_number(low, 65535);
  const auto hi = parse_number(high, 65535);
  if (!lo || !hi) {
    source.fail("bad port '" + std::string(port) +
                "' (expected a number 0-65535, a range LOW-HIGH, or *)");
  }
  if (*lo > *hi) source.fail("port range '" + std::string(port) + "' is backwards");
  rule.port_low = static_cast<uint16_t>(*lo);
  rule.port_high = static_cast<uint16_t>(*hi);
}

bool host_bits_clear(const IpAddress& network, unsigned prefix_len) {
  const unsigned bits = network.is_v6 ? 128 : 32;
  for (unsigned i = prefix_len; i < bits; ++i) {
    if (network.bytes[i / 8] & (0x80u >> (i % 8))) return false;
  }
  return true;
}

bool leading_96_bits_zero(const IpAddress& ip) {
  for (unsigned i = 0; i < 12; ++i) {
    if (ip.bytes[i] != 0) return false;
  }
  return true;
}

IpAddress masked(IpAddress network, unsigned prefix_len) {
  const unsigned bits = network.is_v6 ? 128 : 32;
  for (unsigned i = prefix_len; i < bits; ++i) {
    network.bytes[i / 8] = static_cast<uint8_t>(network.bytes[i / 8] & ~(0x80u >> (i % 8)));
  }
  return network;
}

// `address` is an IP literal (IPv6 without its brackets), `prefix` what followed a '/'.
void parse_network(const PatternSource& source, std::string_view address,
                   std::optional<std::string_view> prefix, Rule& rule) {
  auto ip = parse_ip_address(address);
  if (!ip) source.fail("'" + std::string(address) + "' is not an IP address");
  ip->scope_id = 0;  // zones are not part of an address's identity for policy
  const bool written_v6 = address.find(':') != std::string_view::npos;
  const unsigned written_max = written_v6 ? 128 : 32;
  unsigned len = written_max;
  if (prefix) {
    // A prefix is written against the family the user typed; "[::ffff:10.0.0.0]/104" works.
    const auto parsed = parse_number(*prefix, written_max);
    if (!parsed) {
      source.fail("bad prefix length '/" + std::string(*prefix) + "' (expected 0-" +
                  std::to_string(written_max) + ")");
    }
    len = *parsed;
  }
  if (written_v6 && !ip->is_v6) {  // IPv4-mapped: parse_ip_address made it IPv4 already
    if (len < 96) source.fail("an IPv4-mapped prefix must be at least /96");
    len -= 96;
  } else if (written_v6 && len >= 96 && len < 128 && leading_96_bits_zero(*ip)) {
    // ::/96 holds the IPv4-compatible addresses, which connect as IPv4 (canonical_address):
    // a rule over part of it is an IPv4 rule in disguise, and ::/96 would be all of IPv4.
    source.fail("'" + std::string(address) + "/" + std::to_string(len) +
                "' is an IPv4-compatible range; write the IPv4 network instead");
  }
  const unsigned max_len = ip->is_v6 ? 128 : 32;
  // Host bits past the prefix are a typo more often than not ("10.0.0.1/8"): refuse them
  // rather than guess, as ip(8) and most firewalls do.
  if (!host_bits_clear(*ip, len)) {
    source.fail("'" + std::string(address) + "/" + std::string(prefix.value_or("")) +
                "' has bits set past the prefix (did you mean " +
                masked(*ip, len).to_string() + "/" + std::to_string(len) + "?)");
  }
  rule.host = Rule::Host::kNetwork;
  rule.prefix_len = len;
  if (len == max_len) {
    // One address: judge it as the destinations it names are judged, so "0.0.0.0" is the
    // loopback address it connects to. Listening binds, where 0.0.0.0 means every interface.
    rule.network = source.direction == Direction::kOutbound ? canonical_address(*ip)
                                                            : canonical_bind_address(*ip);
    rule.prefix_len = rule.network.is_v6 ? 128 : 32;  // "[::10.0.0.1]" became 10.0.0.1/32
  } else {
    rule.network = canonical_bind_address(*ip);  // drops the zone; no unspecified -> loopback
  }
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;  // leading dot or ".."
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label != 0;
}

void parse_host(const PatternSource& source, std::string_view host, Rule& rule) {
  if (host.empty()) {
    source.fail("missing host (use a name, *.suffix, an IP, a CIDR, a named set or *)");
  }
  if (host == "*") {
    rule.host = Rule::Host::kAny;
    return;
  }
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) source.fail("'[' without a closing ']'");
    std::string_view inside = host.substr(1, close - 1);
    const std::string_view after = host.substr(close + 1);
    std::optional<std::string_view> prefix;
    if (auto slash = inside.find('/'); slash != std::string_view::npos) {
      prefix = inside.substr(slash + 1);
      inside = inside.substr(0, slash);
    }
    if (!after.empty()) {
      if (after.front() != '/' || prefix) source.fail("unexpected '" + std::string(after) + "' after ']'");
      prefix = after.substr(1);
    }
    if (inside.find(':') == std::string_view::npos) {
      source.fail("brackets are for IPv6 addresses; '" + std::string(inside) + "' is not one");
    }
    parse_network(source, inside, prefix, rule);
    return;
  }
  if (auto slash = host.find('/'); slash != std::string_view::npos) {
    parse_network(source, host.substr(0, slash), host.substr(slash + 1), rule);
    return;
  }
  if (parse_ip_address(host)) {
    parse_network(source, host, std::nullopt, rule);
    return;
  }
  for (AddressSet set : kAllSets) {
    if (equals_ignoring_case(host, to_string(set))) {
      rule.host = Rule::Host::kSet;
      rule.set = set;
      return;
    }
  }
  // "127.1" would be a name rule no connect could ever match (lookups and connects of it are
  // judged as 127.0.0.1): say so instead of accepting a rule that silently does nothing.
  if (auto legacy = parse_lookup_literal(host)) {
    source.fail("'" + std::string(host) + "' is a legacy spelling of the IPv4 address " +
                legacy->to_string() + "; write it that way");
  }
  if (source.direction == Direction::kInbound) {
    source.fail("inbound patterns take a local address, a CIDR, a named set or *, not a name");
  }
  std::string_view name = host;
  const bool subdomains = name.starts_with("*.");
  if (subdomains) name.remove_prefix(2);
  if (name.find('*') != std::string_view::npos) {
    source.fail("'*' is only allowed as the whole host or as a leading '*.' label");
  }
  if (name.ends_with('.')) name.remove_suffix(1);  // the root dot: "private." is a name
  if (!valid_name(name)) {
    source.fail("'" + std::string(host) +
                "' is not a valid host name (letters, digits, '-', '_', dot-separated labels "
                "of 1-63 characters, 253 in all)");
  }
  rule.host = subdomains ? Rule::Host::kSubdomains : Rule::Host::kName;
  rule.name = (subdomains ? "." : "") + normalized_name(name);
}

// ---- Decisions -------------------------------------------------------------------------------

Verdict verdict_of(const RuleMatch& match, Reason allowed, Reason none) {
  if (match.deny) return Verdict{false, Reason::kDeniedByRule, match.deny->text};
  if (match.allow) return Verdict{true, allowed, match.allow->text};
  return Verdict{false, none, kDefaultDenyRule};
}

// The DNS-exfiltration guards: data smuggled out in long names or labels. nullopt: passed.
std::optional<Verdict> dns_guard(std::string_view name, const Limits& limits) {
  if (name.ends_with('.')) name.remove_suffix(1);  // the root dot is not part of the length
  if (name.size() > limits.max_dns_name_length) {
    return Verdict{false, Reason::kNameTooLong, kLimitMaxDnsNameLength};
  }
  size_t label = 0;
  for (char c : name) {
    label = c == '.' ? 0 : label + 1;
    if (label > limits.max_dns_label_length) {
      return Verdict{false, Reason::kLabelTooLong, kLimitMaxDnsLabelLength};
    }
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(AddressSet set) {
  switch (set) {
    case AddressSet::kPrivate: return "private";
    case AddressSet::kLoopback: return "loopback";
    case AddressSet::kLinkLocal: return "link-local";
    case AddressSet::kMetadata: return "metadata";
    case AddressSet::kPublic: return "public";
  }
  return "?";
}

std::string normalized_name(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');  // ASCII only, as DNS does
  }
  return out;
}

Rule parse_rule(std::string_view pattern, RuleAction action, Direction direction,
                std::string origin) {
  Rule rule;
  rule.text = std::string(pattern);
  rule.origin = std::move(origin);
  rule.action = action;
  rule.direction = direction;
  const PatternSource source{pattern, rule.origin, direction};

  const auto sep = pattern.find("://");
  if (sep == std::string_view::npos) {
    source.fail("missing scheme (write tcp://, udp:// or *:// before the host)");
  }
  const std::string_view scheme = pattern.substr(0, sep);
  if (scheme == "tcp") {
    rule.transport = Transport::kTcp;
  } else if (scheme == "udp") {
    rule.transport = Transport::kUdp;
  } else if (scheme != "*") {
    source.fail("unknown scheme '" + std::string(scheme) + "' (expected tcp, udp or *)");
  }
  const std::string_view rest = pattern.substr(sep + 3);
  // The port follows the last ':' outside brackets; an unbracketed IPv6 literal is ambiguous.
  const auto bracket_end = rest.starts_with('[') ? rest.find(']') : std::string_view::npos;
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || (bracket_end != std::string_view::npos && colon < bracket_end)) {
    source.fail("missing port (end the pattern with :PORT, :LOW-HIGH or :*)");
  }
  const std::string_view host = rest.substr(0, colon);
  const std::string_view port = rest.substr(colon + 1);
  if (!host.starts_with('[') && host.find(':') != std::string_view::npos) {
    source.fail("IPv6 addresses must be in brackets, e.g. tcp://[::1]:8080");
  }
  if (port.find('/') != std::string_view::npos) {
    source.fail("unexpected path after the port (patterns are scheme://host:port)");
  }
  parse_host(source, host, rule);
  parse_port(source, port, rule);
  return rule;
}

Policy::Policy() : outbound_(std::make_unique<RuleIndex>()), inbound_(std::make_unique<RuleIndex>()) {}
Policy::~Policy() = default;
Policy::Policy(Policy&&) noexcept = default;
Policy& Policy::operator=(Policy&&) noexcept = default;

const Rule& Policy::add(std::string_view pattern, RuleAction action, Direction direction,
                        std::string origin) {
  Rule rule = parse_rule(pattern, action, direction, std::move(origin));
  rule.order = static_cast<uint32_t>(rules_.size());
  std::unique_ptr<RuleIndex>& index = direction == Direction::kOutbound ? outbound_ : inbound_;
  if (!index) index = std::make_unique<RuleIndex>();  // a moved-from Policy being reused
  rules_.push_back(std::move(rule));
  index->add(rules_.back());
  return rules_.back();
}

bool Policy::has_inbound_rules() const { return inbound_ && inbound_->size() > 0; }

Verdict Policy::decide_connect(const Destination& dest) const {
  if (!outbound_) return Verdict{false, Reason::kNoAllowRule, kDefaultDenyRule};
  const IpAddress ip = canonical_address(dest.ip);
  const RuleMatch match = outbound_->match(dest.transport, dest.port, ip, address_sets_of(ip), dest.name);
  return verdict_of(match, Reason::kAllowedByRule, Reason::kNoAllowRule);
}

Verdict Policy::decide_lookup(std::string_view name) const {
  if (auto refused = dns_guard(name, limits_)) return *refused;
  if (!outbound_) return Verdict{false, Reason::kNoNameRule, kDefaultDenyRule};
  // An IP literal never reaches DNS: the resolver hands it back as an address, so it is judged
  // as the connect to that address would be.
  if (auto literal = parse_lookup_literal(name)) {
    const IpAddress ip = canonical_address(*literal);
    return verdict_of(outbound_->match_lookup_address(ip, address_sets_of(ip)),
                      Reason::kAllowedByRule, Reason::kNoNameRule);
  }
  const std::string normal = normalized_name(name);
  if (normal.empty()) return Verdict{false, Reason::kNoNameRule, kDefaultDenyRule};
  return verdict_of(outbound_->match_lookup_name(normal), Reason::kAllowedByRule, Reason::kNoNameRule);
}

Verdict Policy::decide_listen(Transport transport, const IpAddress& ip, uint16_t port) const {
  if (!inbound_) return Verdict{false, Reason::kNoInboundRule, kDefaultDenyRule};
  const IpAddress local = canonical_bind_address(ip);
  const RuleMatch match = inbound_->match(transport, port, local, address_sets_of(local), {});
  return verdict_of(match, Reason::kInboundAllowed, Reason::kNoInboundRule);
}

}  // namespace sluice::egress
