// The handle table of one component instance: what the guest holds as `own<T>` / `borrow<T>`
// indices, and the host objects behind them.
//
// Every lookup checks the handle's resource type, so a guest that passes an output-stream handle
// where a pollable is expected traps instead of confusing the host.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::component {

// Base of every host object a guest can hold a handle to.
class HostResource {
 public:
  virtual ~HostResource() = default;
};

// Identity of a resource type: compared by address. One per C++ host type (see resource_type_of).
struct HostResourceType {
  std::string name;  // WIT name, for messages: "output-stream"
};

// A host resource class names its WIT type with `static constexpr std::string_view kWitName`.
template <typename T>
const HostResourceType& resource_type_of() {
  static const HostResourceType type{std::string(T::kWitName)};
  return type;
}

class ResourceTable {
 public:
  // Bound on live handles per instance, so a guest cannot grow host memory without limit.
  static constexpr uint32_t kMaxHandles = 1u << 20;

  ResourceTable() = default;
  ResourceTable(const ResourceTable&) = delete;
  ResourceTable& operator=(const ResourceTable&) = delete;

  // Takes ownership of `object`; returns the new handle (never 0). Throws GuestTrap when full.
  uint32_t insert(const HostResourceType& type, std::unique_ptr<HostResource> object);

  // The object behind a handle the guest lends to the host for one call.
  HostResource& borrow(uint32_t handle, const HostResourceType& type) const;

  // Removes the handle and hands its object to the caller (an `own<T>` parameter).
  std::unique_ptr<HostResource> take(uint32_t handle, const HostResourceType& type);

  // resource.drop: removes the handle and destroys its object.
  void drop(uint32_t handle, const HostResourceType& type) { take(handle, type).reset(); }

  size_t live() const { return live_; }

  // Destroys every object, children after the objects created after them (reverse handle
  // order), as a guest is torn down.
  void clear();

 private:
  struct Slot {
    const HostResourceType* type = nullptr;  // null: free
    std::unique_ptr<HostResource> object;
    uint32_t next_free = 0;
  };
  const Slot& lookup(uint32_t handle, const HostResourceType& type) const;

  std::vector<Slot> slots_{1};  // slot 0 is never a valid handle
  uint32_t free_head_ = 0;
  size_t live_ = 0;
};

}  // namespace sluice::component
