#include "component/resource_table.h"

#include "component/guest_error.h"

namespace sluice::component {

uint32_t ResourceTable::insert(const HostResourceType& type, std::unique_ptr<HostResource> object) {
  uint32_t handle;
  if (free_head_ != 0) {
    handle = free_head_;
    free_head_ = slots_[handle].next_free;
  } else {
    if (slots_.size() > kMaxHandles) {
      throw GuestTrap("too many live handles (limit " + std::to_string(kMaxHandles) + ")");
    }
    handle = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& slot = slots_[handle];
  slot.type = &type;
  slot.object = std::move(object);
  slot.next_free = 0;
  ++live_;
  return handle;
}

const ResourceTable::Slot& ResourceTable::lookup(uint32_t handle, const HostResourceType& type) const {
  if (handle == 0 || handle >= slots_.size() || slots_[handle].type == nullptr) {
    throw GuestTrap("unknown handle " + std::to_string(handle) + " for " + type.name);
  }
  const Slot& slot = slots_[handle];
  if (slot.type != &type) {
    throw GuestTrap("handle " + std::to_string(handle) + " is a " + slot.type->name + ", not a " +
                    type.name);
  }
  return slot;
}

HostResource& ResourceTable::borrow(uint32_t handle, const HostResourceType& type) const {
  return *lookup(handle, type).object;
}

std::unique_ptr<HostResource> ResourceTable::take(uint32_t handle, const HostResourceType& type) {
  lookup(handle, type);
  Slot& slot = slots_[handle];
  std::unique_ptr<HostResource> object = std::move(slot.object);
  slot.type = nullptr;
  slot.next_free = free_head_;
  free_head_ = handle;
  --live_;
  return object;
}

void ResourceTable::clear() {
  for (size_t i = slots_.size(); i-- > 1;) slots_[i].object.reset();
  slots_.clear();
  slots_.emplace_back();
  free_head_ = 0;
  live_ = 0;
}

}  // namespace sluice::component
