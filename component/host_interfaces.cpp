#include "component/host_interfaces.h"

#include <charconv>

namespace sluice::component {
namespace {

bool parse_number(std::string_view text, unsigned& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<std::string> interface_key(std::string_view import_name) {
  size_t at = import_name.find('@');
  if (at == std::string_view::npos) return std::string(import_name);
  std::string_view name = import_name.substr(0, at);
  std::string_view version = import_name.substr(at + 1);
  size_t dot1 = version.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : version.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return std::nullopt;
  unsigned major, minor, patch;
  if (!parse_number(version.substr(0, dot1), major) ||
      !parse_number(version.substr(dot1 + 1, dot2 - dot1 - 1), minor) ||
      !parse_number(version.substr(dot2 + 1), patch)) {
    return std::nullopt;  // includes pre-release and build suffixes
  }
  // Semver: below 1.0 the minor version is the compatibility boundary.
  std::string key(name);
  key += '@';
  key += std::to_string(major);
  if (major == 0) key += "." + std::to_string(minor);
  return key;
}

void HostInterfaces::define(std::string_view interface, std::string_view name, HostFunc func) {
  interfaces_[std::string(interface)].funcs.insert_or_assign(std::string(name), std::move(func));
}

void HostInterfaces::define_resource(std::string_view interface, std::string_view name,
                                     const HostResourceType& type) {
  interfaces_[std::string(interface)].resources.insert_or_assign(std::string(name), &type);
}

const HostInterfaces::Interface* HostInterfaces::find_interface(std::string_view import_name) const {
  std::optional<std::string> key = interface_key(import_name);
  if (!key) return nullptr;
  auto it = interfaces_.find(*key);
  return it == interfaces_.end() ? nullptr : &it->second;
}

const HostFunc* HostInterfaces::find_func(std::string_view import_name, std::string_view name) const {
  const Interface* iface = find_interface(import_name);
  if (iface == nullptr) return nullptr;
  auto it = iface->funcs.find(name);
  return it == iface->funcs.end() ? nullptr : &it->second;
}

const HostResourceType* HostInterfaces::find_resource(std::string_view import_name,
                                                  std::string_view name) const {
  const Interface* iface = find_interface(import_name);
  if (iface == nullptr) return nullptr;
  auto it = iface->resources.find(name);
  return it == iface->resources.end() ? nullptr : it->second;
}

bool HostInterfaces::has_interface(std::string_view import_name) const {
  return find_interface(import_name) != nullptr;
}

}  // namespace sluice::component
