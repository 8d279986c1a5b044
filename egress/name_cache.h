// IP -> DNS name attribution for one sandbox: which name did this guest resolve to this address?
// Name rules are checked against it, and the ledger keys destinations by it.
//
// Bounded (LRU) because a guest controls how many lookups it makes; entries expire because an
// address seen once should not carry a name forever (addresses get reused by other hosts, and
// WASI gives us no TTL to honour). The last name resolved to an address wins.
// Single-threaded: used from the sandbox's guest thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "egress/egress.h"
#include "egress/ip_address.h"

namespace sluice::egress {

class NameCache {
 public:
  using Clock = std::chrono::steady_clock;

  explicit NameCache(std::size_t capacity = 4096,
                     Clock::duration ttl = std::chrono::minutes(10));

  // Remember that `name` resolved to `ip` at `now`; evicts the least recently used entry when full.
  void remember(const IpAddress& ip, std::string_view name, Clock::time_point now);
  // The name for `ip`, or "" when none or expired (expired entries are dropped). A hit counts as
  // a use for the LRU order. The view is valid until the next remember() or lookup().
  std::string_view lookup(const IpAddress& ip, Clock::time_point now);

  std::size_t size() const { return index_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    IpAddress ip;
    std::string name;
    Clock::time_point expires;
  };
  using List = std::list<Entry>;  // front: most recently used

  std::size_t capacity_;
  Clock::duration ttl_;
  List entries_;
  std::unordered_map<IpAddress, List::iterator, IpAddressHash> index_;
};

}  // namespace sluice::egress
