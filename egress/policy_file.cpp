#include "egress/policy_file.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "egress/policy_file_charset.h"
#include "egress/policy_file_values.h"

namespace sluice::egress {
namespace {

constexpr int64_t kSupportedVersion = 1;
// Enough to fix a file in one go; a file with more problems is probably not a policy file.
constexpr size_t kMaxReportedProblems = 20;

bool before(const toml::source_position& a, const toml::source_position& b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

std::string location(std::string_view source, const toml::source_position& where) {
  return std::string(source) + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
}

// "a string", "an integer": for "X must be Y, not <this>".
const char* with_article(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

// Edit distance, for "did you mean": keys are short, so the quadratic table is nothing.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

struct Problem {
  toml::source_position where;
  size_t sequence;  // ties (a missing version and a key, both at 1:1) keep the order found
  std::string what;
};

struct PendingRule {
  toml::source_position where;
  std::string pattern;
  RuleAction action;
  Direction direction;
};

// Walks the parsed document, collecting rules, limits and problems. Nothing reaches the Policy
// until the whole file has been checked, so a bad file leaves the Policy as it was.
class Reader {
 public:
  Reader(std::string_view source, const Limits& limits) : source_(source), limits_(limits) {}

  void read(const toml::table& root);
  void apply_to(Policy& policy);

 private:
  // Where problems with no better place (a missing key) are reported.
  static constexpr toml::source_position kStart{1, 1};

  void problem(const toml::source_position& where, std::string what) {
    problems_.push_back({where, problems_.size(), std::move(what)});
  }
  void wrong_type(const toml::node& node, std::string_view path, std::string_view expected) {
    problem(node.source().begin, std::string(path) + " must be " + std::string(expected) + ", not " +
                                     with_article(node.type()));
  }
  void unknown_key(const toml::key& key, std::string_view table,
                   const std::vector<std::string_view>& known);
  const toml::table* table_at(const toml::node& node, std::string_view path);

  void read_version(const toml::node* node);
  void read_rules(const toml::node& node, std::string_view section, Direction direction);
  void read_patterns(const toml::node& node, std::string path, RuleAction action,
                     Direction direction);
  void read_limits(const toml::node& node);
  void read_dns(const toml::node& node);
  std::optional<uint64_t> read_byte_count(const toml::node& node, std::string_view path);
  std::optional<RateLimit> read_rate(const toml::node& node, std::string_view path);
  std::optional<double> read_number(const toml::node& node, std::string_view path,
                                    std::string_view type_expected, double minimum,
                                    bool minimum_allowed);
  std::optional<int64_t> read_integer(const toml::node& node, std::string_view path, int64_t low,
                                      int64_t high);

  std::string_view source_;
  Limits limits_;
  std::vector<PendingRule> rules_;
  std::vector<Problem> problems_;
};

void Reader::unknown_key(const toml::key& key, std::string_view table,
                         const std::vector<std::string_view>& known) {
  std::string what = "unknown key '" + std::string(key.str()) + "' ";
  what += table.empty() ? "at the top level" : "in [" + std::string(table) + "]";
  std::string_view closest;
  size_t closest_distance = 3;  // further than 2 edits is not a typo
  for (std::string_view candidate : known) {
    const size_t d = edit_distance(key.str(), candidate);
    if (d < closest_distance) {
      closest = candidate;
      closest_distance = d;
    }
  }
  if (!closest.empty()) what += " (did you mean '" + std::string(closest) + "'?)";
  what += "; expected one of: " + join(known);
  problem(key.source().begin, std::move(what));
}

const toml::table* Reader::table_at(const toml::node& node, std::string_view path) {
  const toml::table* table = node.as_table();
  if (!table) wrong_type(node, path, "a table ([" + std::string(path) + "])");
  return table;
}

void Reader::read(const toml::table& root) {
  static const std::vector<std::string_view> kKeys = {"version", "outbound", "inbound", "limits",
                                                      "dns"};
  read_version(root.get("version"));
  for (const auto& [key, node] : root) {
    const std::string_view name = key.str();
    if (name == "version") continue;
    if (name == "outbound") {
      read_rules(node, name, Direction::kOutbound);
    } else if (name == "inbound") {
      read_rules(node, name, Direction::kInbound);
    } else if (name == "limits") {
      read_limits(node);
    } else if (name == "dns") {
      read_dns(node);
    } else {
      unknown_key(key, "", kKeys);
    }
  }
}

void Reader::read_version(const toml::node* node) {
  if (!node) {
    problem(kStart, "missing version: a policy file starts with `version = " +
                        std::to_string(kSupportedVersion) + "`");
    return;
  }
  const auto* version = node->as_integer();
  if (!version) {
    wrong_type(*node, "version", "an integer");
  } else if (version->get() != kSupportedVersion) {
    problem(node->source().begin, "unsupported policy file version " +
                                      std::to_string(version->get()) + " (this sluice reads version " +
                                      std::to_string(kSupportedVersion) + ")");
  }
}

void Reader::read_rules(const toml::node& node, std::string_view section, Direction direction) {
  const toml::table* table = table_at(node, section);
  if (!table) return;
  const bool inbound = direction == Direction::kInbound;
  const std::vector<std::string_view> known =
      inbound ? std::vector<std::string_view>{"allow"} : std::vector<std::string_view>{"allow", "deny"};
  for (const auto& [key, value] : *table) {
    const std::string path = std::string(section) + "." + std::string(key.str());
    if (key.str() == "allow") {
      read_patterns(value, path, RuleAction::kAllow, direction);
    } else if (key.str() == "deny" && !inbound) {
      read_patterns(value, path, RuleAction::kDeny, direction);
    } else if (key.str() == "deny") {
      problem(key.source().begin,
              "[inbound] takes no deny list: listening is allow-only (nothing may listen unless an "
              "[inbound] allow rule matches), so remove inbound.deny");
    } else {
      unknown_key(key, section, known);
    }
  }
}

void Reader::read_patterns(const toml::node& node, std::string path, RuleAction action,
                           Direction direction) {
  const toml::array* patterns = node.as_array();
  if (!patterns) {
    wrong_type(node, path, "an array of pattern strings");
    return;
  }
  for (const toml::node& element : *patterns) {
    const auto* pattern = element.as_string();
    if (!pattern) {
      wrong_type(element, "each element of " + path, "a pattern string");
      continue;
    }
    const toml::source_position where = element.source().begin;
    try {
      // Checked now so every bad pattern is reported; added to the Policy only if all are good.
      // No origin here: parse_rule would start its message with it, and ours already does.
      (void)parse_rule(pattern->get(), action, direction, {});
      rules_.push_back({where, pattern->get(), action, direction});
    } catch (const RuleSyntaxError& e) {
      problem(where, path + ": " + e.what());
    }
  }
}

void Reader::read_limits(const toml::node& node) {
  static const std::vector<std::string_view> kKeys = {
      "bytes_out", "bytes_out_per_destination", "concurrent_connections", "connections_per_second",
      "dns_lookups_per_second"};
  const toml::table* table = table_at(node, "limits");
  if (!table) return;
  for (const auto& [key, value] : *table) {
    const std::string_view name = key.str();
    const std::string path = "limits." + std::string(name);
    if (name == "bytes_out") {
      if (auto bytes = read_byte_count(value, path)) limits_.bytes_out = bytes;
    } else if (name == "bytes_out_per_destination") {
      if (auto bytes = read_byte_count(value, path)) limits_.bytes_out_per_destination = bytes;
    } else if (name == "concurrent_connections") {
      if (auto n = read_integer(value, path, 0, std::numeric_limits<uint32_t>::max()))
        limits_.concurrent_connections = static_cast<uint32_t>(*n);
    } else if (name == "connections_per_second") {
      if (auto rate = read_rate(value, path)) limits_.connections_per_second = rate;
    } else if (name == "dns_lookups_per_second") {
      if (auto rate = read_rate(value, path)) limits_.dns_lookups_per_second = rate;
    } else {
      unknown_key(key, "limits", kKeys);
    }
  }
}

void Reader::read_dns(const toml::node& node) {
  static const std::vector<std::string_view> kKeys = {"max_name_length", "max_label_length"};
  const toml::table* table = table_at(node, "dns");
  if (!table) return;
  for (const auto& [key, value] : *table) {
    const std::string_view name = key.str();
    const std::string path = "dns." + std::string(name);
    // The upper bounds are DNS's own (RFC 1035): a guard above them would guard nothing.
    if (name == "max_name_length") {
      if (auto n = read_integer(value, path, 1, kDnsMaxNameLength))
        limits_.max_dns_name_length = static_cast<uint32_t>(*n);
    } else if (name == "max_label_length") {
      if (auto n = read_integer(value, path, 1, kDnsMaxLabelLength))
        limits_.max_dns_label_length = static_cast<uint32_t>(*n);
    } else {
      unknown_key(key, "dns", kKeys);
    }
  }
}

std::optional<uint64_t> Reader::read_byte_count(const toml::node& node, std::string_view path) {
  if (const auto* integer = node.as_integer()) {
    if (integer->get() < 0) {
      problem(node.source().begin, std::string(path) + " must be 0 or more bytes, not " +
                                       std::to_string(integer->get()));
      return std::nullopt;
    }
    return static_cast<uint64_t>(integer->get());
  }
  if (const auto* text = node.as_string()) {
    ByteCount parsed = parse_byte_count(text->get());
    if (!parsed.error.empty()) {
      problem(node.source().begin, std::string(path) + ": " + parsed.error);
      return std::nullopt;
    }
    return parsed.bytes;
  }
  wrong_type(node, path, "a number of bytes or a string like \"10 MiB\"");
  return std::nullopt;
}

std::optional<RateLimit> Reader::read_rate(const toml::node& node, std::string_view path) {
  const toml::table* table = node.as_table();
  if (!table) {
    auto rate = read_number(node, path, "a number per second or a table { rate = N, burst = M }",
                            0, false);
    if (!rate) return std::nullopt;
    return RateLimit{*rate, std::max(1.0, *rate)};
  }
  static const std::vector<std::string_view> kKeys = {"rate", "burst"};
  std::optional<double> rate;
  std::optional<double> burst;
  bool ok = true;
  for (const auto& [key, value] : *table) {
    const std::string sub_path = std::string(path) + "." + std::string(key.str());
    if (key.str() == "rate") {
      rate = read_number(value, sub_path, "a number per second", 0, false);
      ok = ok && rate;
    } else if (key.str() == "burst") {
      burst = read_number(value, sub_path, "a number", 1, true);
      ok = ok && burst;
    } else {
      unknown_key(key, path, kKeys);
      ok = false;
    }
  }
  if (!table->contains("rate")) {
    problem(node.source().begin,
            std::string(path) + " needs a rate, as in { rate = 20, burst = 40 }");
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return RateLimit{*rate, burst ? *burst : std::max(1.0, *rate)};
}

// A finite number above `minimum`, or at least `minimum` when `minimum_allowed`.
std::optional<double> Reader::read_number(const toml::node& node, std::string_view path,
                                          std::string_view type_expected, double minimum,
                                          bool minimum_allowed) {
  double number = 0;
  if (const auto* integer = node.as_integer()) {
    number = static_cast<double>(integer->get());
  } else if (const auto* floating = node.as_floating_point()) {
    number = floating->get();
  } else {
    wrong_type(node, path, type_expected);
    return std::nullopt;
  }
  const bool in_range =
      std::isfinite(number) && (number > minimum || (minimum_allowed && number == minimum));
  if (!in_range) {
    problem(node.source().begin, std::string(path) + " must be a finite number " +
                                     (minimum_allowed ? "of at least " : "greater than ") +
                                     format_number(minimum) + ", not " + format_number(number));
    return std::nullopt;
  }
  return number;
}

std::optional<int64_t> Reader::read_integer(const toml::node& node, std::string_view path,
                                            int64_t low, int64_t high) {
  const auto* integer = node.as_integer();
  if (!integer) {
    wrong_type(node, path, "an integer");
    return std::nullopt;
  }
  const int64_t n = integer->get();
  if (n < low || n > high) {
    problem(node.source().begin, std::string(path) + " must be between " + std::to_string(low) +
                                     " and " + std::to_string(high) + ", not " + std::to_string(n));
    return std::nullopt;
  }
  return n;
}

void Reader::apply_to(Policy& policy) {
  if (!problems_.empty()) {
    // std::sort, not stable_sort: clang rejects libstdc++ 12's stable_sort under -Werror.
    std::sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
      return before(a.where, b.where) || (!before(b.where, a.where) && a.sequence < b.sequence);
    });
    std::string message;
    const size_t shown = std::min(problems_.size(), kMaxReportedProblems);
    for (size_t i = 0; i < shown; ++i) {
      if (i) message += '\n';
      message += location(source_, problems_[i].where) + ": " + problems_[i].what;
    }
    if (problems_.size() > shown)
      message += "\n" + std::string(source_) + ": and " + std::to_string(problems_.size() - shown) +
                 " more problems";
    throw RuleSyntaxError(message);
  }
  // toml++ tables iterate in key order; rules keep the order they are written in (no two
  // elements start at the same place).
  std::sort(rules_.begin(), rules_.end(),
            [](const PendingRule& a, const PendingRule& b) { return before(a.where, b.where); });
  for (const PendingRule& rule : rules_)
    policy.add(rule.pattern, rule.action, rule.direction, location(source_, rule.where));
  policy.limits() = limits_;
}

}  // namespace

void load_policy_text(std::string_view text, std::string_view source_name, Policy& policy) {
  if (const auto at = find_non_ascii_outside_comments(text)) {
    throw RuleSyntaxError(std::string(source_name) + ":" + std::to_string(at->line) + ":" +
                          std::to_string(at->column) +
                          ": non-ASCII character outside a comment (keys, patterns and values are "
                          "ASCII: write an international domain name in punycode, xn--...)");
  }
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw RuleSyntaxError(location(source_name, e.source().begin) + ": invalid TOML: " +
                          std::string(e.description()));
  }
  Reader reader(source_name, policy.limits());
  reader.read(root);
  reader.apply_to(policy);
}

void load_policy_file(const std::filesystem::path& path, Policy& policy) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw RuleSyntaxError(name + ": cannot read the policy file: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuleSyntaxError(name + ": cannot read the policy file: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw RuleSyntaxError(name + ": cannot read the policy file: " + std::strerror(errno));
  load_policy_text(text.str(), name, policy);
}

}  // namespace sluice::egress
