#include "egress/name_cache.h"

namespace sluice::egress {

NameCache::NameCache(std::size_t capacity, Clock::duration ttl)
    : capacity_(capacity == 0 ? 1 : capacity), ttl_(ttl) {}

void NameCache::remember(const IpAddress& raw_ip, std::string_view name, Clock::time_point now) {
  const IpAddress ip = normalized(raw_ip);
  if (auto it = index_.find(ip); it != index_.end()) {
    it->second->name.assign(name);
    it->second->expires = now + ttl_;
    entries_.splice(entries_.begin(), entries_, it->second);
    return;
  }
  if (index_.size() >= capacity_) {
    index_.erase(entries_.back().ip);
    entries_.pop_back();
  }
  entries_.push_front(Entry{ip, std::string(name), now + ttl_});
  index_.emplace(ip, entries_.begin());
}

std::string_view NameCache::lookup(const IpAddress& raw_ip, Clock::time_point now) {
  auto it = index_.find(normalized(raw_ip));
  if (it == index_.end()) return {};
  if (now >= it->second->expires) {
    entries_.erase(it->second);
    index_.erase(it);
    return {};
  }
  entries_.splice(entries_.begin(), entries_, it->second);
  return it->second->name;
}

}  // namespace sluice::egress
