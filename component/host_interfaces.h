// The set of interfaces the host implements, looked up by the names components import.
//
// Host code registers functions under an interface key with a major.minor version
// ("wasi:io/streams@0.2"); a component importing "wasi:io/streams@0.2.12" (or @0.2.0) finds
// them, because 0.2.x releases only add to 0.2.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "component/host_function.h"

namespace sluice::component {

// "wasi:io/streams@0.2.12" -> "wasi:io/streams@0.2"; "wasi:io/streams" -> itself;
// "x@1.4.2" -> "x@1". Returns nullopt for a malformed version (or a pre-release tag, which makes
// no compatibility promise).
std::optional<std::string> interface_key(std::string_view import_name);

class HostInterfaces {
 public:
  void define(std::string_view interface, std::string_view name, HostFunc func);

  template <auto F>
  void define(std::string_view interface, std::string_view name) {
    define(interface, name, host_func<F>());
  }

  template <typename R>
  void define_resource(std::string_view interface, std::string_view name) {
    define_resource(interface, name, resource_type_of<R>());
  }
  void define_resource(std::string_view interface, std::string_view name, const HostResourceType& type);

  // By the names a component uses; null when the host has no such function or resource.
  const HostFunc* find_func(std::string_view import_name, std::string_view name) const;
  const HostResourceType* find_resource(std::string_view import_name, std::string_view name) const;

  // Whether the host implements this interface at all (for a clear "unsupported import" error).
  bool has_interface(std::string_view import_name) const;

 private:
  struct Interface {
    std::map<std::string, HostFunc, std::less<>> funcs;
    std::map<std::string, const HostResourceType*, std::less<>> resources;
  };
  const Interface* find_interface(std::string_view import_name) const;

  std::map<std::string, Interface, std::less<>> interfaces_;
};

}  // namespace sluice::component
