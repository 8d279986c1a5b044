// Import/export names of components: validation, uniqueness, and the
// interface-name/semver helpers a host uses to match `wasi:io/streams@0.2.12`
// against the interfaces it implements.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::component {

// kebab-case label: `a`, `a-b-c`, `is-XML`, `A1-2-3` (not `1-2`, `a--b`, `a-`).
bool is_valid_label(std::string_view s);

// Checks an import/export name (plainname, interfacename, or one of the
// `url=<..>`-style dependency names). Returns an empty string if valid, else
// why not. Async-annotated names (`[async]f`) are reported as unsupported.
std::string check_extern_name(std::string_view name);

// Key under which two names collide: case-insensitive, with `[method]r.f` and
// `[static]r.f` mapping to the same key (as the spec's strong uniqueness does
// for annotations). Hyphens are kept (we are less strict than the spec there).
std::string uniqueness_key(std::string_view name);

struct Semver {
  uint64_t major = 0, minor = 0, patch = 0;
  // How many numeric components were written: 3 for a full semver, fewer for
  // a canonical version such as `0.2` (whose missing parts match anything).
  int components = 3;
  std::string prerelease;  // without '-'
  std::string build;       // without '+'
};

// Full semver 2.0 (`1.2.3-rc.1+build`) or canonical version (`1`, `0.2`).
std::optional<Semver> parse_semver(std::string_view s);

// `ns:pkg/iface@version` split into its parts (nested namespaces/projections
// are kept joined: `a:b:c/d/e` gives namespace "a:b", package "c", interface "d/e").
struct InterfaceName {
  std::string namespace_;  // "wasi"
  std::string package;     // "io"
  std::string interface;   // "streams"
  std::optional<Semver> version;
  std::string version_text;  // as written, "" if none

  std::string package_name() const { return namespace_ + ":" + package; }           // "wasi:io"
  std::string unversioned() const { return package_name() + "/" + interface; }     // "wasi:io/streams"
};
std::optional<InterfaceName> parse_interface_name(std::string_view s);

// True if the guest's name `wasi:io/streams@0.2.12` is served by the host's
// `pattern`, e.g. `wasi:io/streams@0.2.x`. Pattern version parts may be `x` or
// `*` (any); omitted trailing parts also mean any. A pre-release guest version
// matches only a pattern naming the same pre-release. Unversioned names must
// match exactly.
bool interface_matches(std::string_view guest_name, std::string_view host_pattern);

}  // namespace sluice::component
