#include "component/names.h"

#include <cctype>
#include <vector>

namespace sluice::component {

namespace {

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    if (p == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, p - start));
    start = p + 1;
  }
}

// A fragment is all-lowercase (word) or all-uppercase (acronym), digits allowed.
bool is_fragment(std::string_view f, bool first) {
  if (f.empty()) return false;
  if (first && !is_lower(f[0]) && !is_upper(f[0])) return false;
  bool lower = false, upper = false;
  for (char c : f) {
    if (is_lower(c)) lower = true;
    else if (is_upper(c)) upper = true;
    else if (!is_digit(c)) return false;
  }
  return !(lower && upper);
}

// `words` of an interface name: lowercase-only kebab words.
bool is_words(std::string_view s) {
  if (s.empty() || !is_lower(s[0])) return false;
  for (auto w : split(s, '-')) {
    if (w.empty()) return false;
    for (char c : w)
      if (!is_lower(c) && !is_digit(c)) return false;
  }
  return true;
}

bool is_numeric_id(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return s.size() == 1 || s[0] != '0';  // no leading zeros
}

bool parse_u64(std::string_view s, uint64_t& out) {
  if (!is_numeric_id(s) || s.size() > 19) return false;
  out = 0;
  for (char c : s) out = out * 10 + static_cast<uint64_t>(c - '0');
  return true;
}

// Dot-separated identifiers of [0-9A-Za-z-], non-empty (semver pre-release/build).
bool is_dot_idents(std::string_view s, bool numeric_no_leading_zero) {
  if (s.empty()) return false;
  for (auto id : split(s, '.')) {
    if (id.empty()) return false;
    bool all_digits = true;
    for (char c : id) {
      if (!is_digit(c) && !is_lower(c) && !is_upper(c) && c != '-') return false;
      if (!is_digit(c)) all_digits = false;
    }
    if (numeric_no_leading_zero && all_digits && id.size() > 1 && id[0] == '0') return false;
  }
  return true;
}

std::string check_plain_name(std::string_view name) {
  auto bad_label = [](std::string_view l) { return "\"" + std::string(l) + "\" is not a kebab-case label"; };
  if (name.starts_with("[constructor]")) {
    auto l = name.substr(13);
    return is_valid_label(l) ? "" : bad_label(l);
  }
  for (std::string_view prefix : {"[method]", "[static]"}) {
    if (name.starts_with(prefix)) {
      auto rest = name.substr(prefix.size());
      auto dot = rest.find('.');
      if (dot == std::string_view::npos) return "annotated name needs the form " + std::string(prefix) + "resource.name";
      auto r = rest.substr(0, dot), f = rest.substr(dot + 1);
      if (!is_valid_label(r)) return bad_label(r);
      if (!is_valid_label(f)) return bad_label(f);
      return "";
    }
  }
  if (name.starts_with("[async")) return "unsupported: async function name \"" + std::string(name) + "\"";
  if (name.starts_with("[")) return "unknown name annotation in \"" + std::string(name) + "\"";
  return is_valid_label(name) ? "" : bad_label(name);
}

}  // namespace

bool is_valid_label(std::string_view s) {
  if (s.empty()) return false;
  auto frags = split(s, '-');
  for (size_t i = 0; i < frags.size(); ++i)
    if (!is_fragment(frags[i], i == 0)) return false;
  return true;
}

std::optional<Semver> parse_semver(std::string_view s) {
  Semver v;
  std::string_view core = s;
  if (auto plus = core.find('+'); plus != std::string_view::npos) {
    v.build = std::string(core.substr(plus + 1));
    if (!is_dot_idents(v.build, false)) return std::nullopt;
    core = core.substr(0, plus);
  }
  if (auto dash = core.find('-'); dash != std::string_view::npos) {
    v.prerelease = std::string(core.substr(dash + 1));
    if (!is_dot_idents(v.prerelease, true)) return std::nullopt;
    core = core.substr(0, dash);
  }
  auto parts = split(core, '.');
  if (parts.empty() || parts.size() > 3) return std::nullopt;
  uint64_t* fields[3] = {&v.major, &v.minor, &v.patch};
  for (size_t i = 0; i < parts.size(); ++i)
    if (!parse_u64(parts[i], *fields[i])) return std::nullopt;
  v.components = static_cast<int>(parts.size());
  // Short (canonical) versions carry no pre-release/build.
  if (v.components < 3 && (!v.prerelease.empty() || !v.build.empty())) return std::nullopt;
  return v;
}

std::optional<InterfaceName> parse_interface_name(std::string_view s) {
  InterfaceName out;
  std::string_view body = s;
  if (auto at = s.find('@'); at != std::string_view::npos) {
    out.version_text = std::string(s.substr(at + 1));
    out.version = parse_semver(out.version_text);
    if (!out.version) return std::nullopt;
    body = s.substr(0, at);
  }
  auto colon = body.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto slash = body.find('/', colon);
  if (slash == std::string_view::npos) return std::nullopt;
  out.namespace_ = std::string(body.substr(0, colon));
  out.package = std::string(body.substr(colon + 1, slash - colon - 1));
  out.interface = std::string(body.substr(slash + 1));
  for (auto ns : split(out.namespace_, ':'))
    if (!is_words(ns)) return std::nullopt;
  if (!is_words(out.package)) return std::nullopt;
  for (auto p : split(out.interface, '/'))
    if (!is_valid_label(p)) return std::nullopt;
  return out;
}

std::string check_extern_name(std::string_view name) {
  if (name.empty()) return "empty name";
  // Dependency-style names: `url=<...>`, `locked-dep=<...>`, ... (rare in
  // practice; checked only for their overall shape).
  for (std::string_view prefix :
       {"url=<", "relative-url=<", "locked-dep=<", "unlocked-dep=<", "integrity=<"}) {
    if (name.starts_with(prefix)) {
      auto inner = name.substr(prefix.size());
      if (inner.size() < 2 || inner.back() != '>') return "malformed dependency name \"" + std::string(name) + "\"";
      return "";
    }
  }
  if (name.find(':') != std::string_view::npos || name.find('/') != std::string_view::npos ||
      name.find('@') != std::string_view::npos) {
    return parse_interface_name(name) ? "" : "\"" + std::string(name) + "\" is not a valid interface name (ns:pkg/iface@semver)";
  }
  return check_plain_name(name);
}

std::string uniqueness_key(std::string_view name) {
  std::string s;
  for (char c : name) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view prefix : {"[method]", "[static]"}) {
    if (std::string_view(s).starts_with(prefix)) {
      s = s.substr(prefix.size());
      // `[method]foo.foo` collides with `foo`.
      if (auto dot = s.find('.'); dot != std::string::npos && s.substr(0, dot) == s.substr(dot + 1)) s = s.substr(0, dot);
      break;
    }
  }
  return s;
}

bool interface_matches(std::string_view guest_name, std::string_view host_pattern) {
  // Split the pattern by hand: its version may hold wildcards that are not semver.
  std::string_view pat_body = host_pattern, pat_ver;
  bool pat_has_version = false;
  if (auto at = host_pattern.find('@'); at != std::string_view::npos) {
    pat_body = host_pattern.substr(0, at);
    pat_ver = host_pattern.substr(at + 1);
    pat_has_version = true;
  }
  auto guest = parse_interface_name(guest_name);
  if (!guest) return guest_name == host_pattern;
  if (guest->unversioned() != pat_body) return false;
  if (!pat_has_version) return !guest->version;  // unversioned matches unversioned only
  if (!guest->version) return false;

  std::string_view pat_core = pat_ver, pat_pre;
  if (auto dash = pat_ver.find('-'); dash != std::string_view::npos) {
    pat_core = pat_ver.substr(0, dash);
    pat_pre = pat_ver.substr(dash + 1);
  }
  if (pat_pre != guest->version->prerelease) return false;
  auto parts = split(pat_core, '.');
  if (parts.size() > 3) return false;
  const uint64_t have[3] = {guest->version->major, guest->version->minor, guest->version->patch};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "x" || parts[i] == "*") continue;
    uint64_t want;
    if (!parse_u64(parts[i], want)) return false;
    // A canonical guest version (`0.2`) leaves lower parts open.
    if (static_cast<int>(i) >= guest->version->components) continue;
    if (have[i] != want) return false;
  }
  return true;
}

}  // namespace sluice::component
