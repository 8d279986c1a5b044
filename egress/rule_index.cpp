#include "egress/rule_index.h"

#include <algorithm>

namespace sluice::egress {

namespace {

unsigned address_bit(const IpAddress& ip, unsigned i) {
  return (ip.bytes[i / 8] >> (7 - i % 8)) & 1u;
}

bool admits(const Rule& rule, Transport transport, uint16_t port) {
  return (!rule.transport || *rule.transport == transport) && port >= rule.port_low &&
         port <= rule.port_high;
}

// A deny that stops every connect to its host, whatever the transport and port.
bool denies_every_connect(const Rule& rule) {
  return !rule.transport && rule.port_low == 0 && rule.port_high == 65535;
}

// Lowers `best` to the first rule of `rules` (sorted by order) that satisfies `pred`, if that
// rule comes before `best`.
template <typename Pred>
void take_first(const std::vector<const Rule*>& rules, Pred&& pred, const Rule*& best) {
  for (const Rule* rule : rules) {
    if (best && rule->order >= best->order) return;  // sorted: nothing further can beat best
    if (pred(*rule)) {
      best = rule;
      return;
    }
  }
}

}  // namespace

RuleIndex::RuleIndex() : v4_trie_(1), v6_trie_(1) {
  for (auto& bucket : set_buckets_) {
    bucket = static_cast<uint32_t>(buckets_.size());
    buckets_.emplace_back();
  }
  any_bucket_ = static_cast<uint32_t>(buckets_.size());
  buckets_.emplace_back();
}

uint32_t RuleIndex::bucket_for_network(const IpAddress& network, unsigned prefix_len) {
  if (prefix_len == (network.is_v6 ? 128u : 32u)) {
    auto [it, inserted] = hosts_.try_emplace(network, static_cast<uint32_t>(buckets_.size()));
    if (inserted) buckets_.emplace_back();
    return it->second;
  }
  std::vector<TrieNode>& trie = network.is_v6 ? v6_trie_ : v4_trie_;
  uint32_t node = 0;
  for (unsigned i = 0; i < prefix_len; ++i) {
    const unsigned b = address_bit(network, i);
    if (trie[node].child[b] == 0) {
      trie[node].child[b] = static_cast<uint32_t>(trie.size());
      trie.emplace_back();  // may reallocate: index, never hold a reference across this
    }
    node = trie[node].child[b];
  }
  if (trie[node].bucket == kNoBucket) {
    trie[node].bucket = static_cast<uint32_t>(buckets_.size());
    buckets_.emplace_back();
  }
  return trie[node].bucket;
}

uint32_t RuleIndex::bucket_for_name(NameMap& map, const std::string& key) {
  auto [it, inserted] = map.try_emplace(key, static_cast<uint32_t>(buckets_.size()));
  if (inserted) buckets_.emplace_back();
  return it->second;
}

void RuleIndex::add(const Rule& rule) {
  uint32_t bucket = any_bucket_;
  switch (rule.host) {
    case Rule::Host::kAny: break;
    case Rule::Host::kName: bucket = bucket_for_name(names_, rule.name); break;
    case Rule::Host::kSubdomains: bucket = bucket_for_name(suffixes_, rule.name); break;
    case Rule::Host::kNetwork: bucket = bucket_for_network(rule.network, rule.prefix_len); break;
    case Rule::Host::kSet: bucket = set_buckets_[static_cast<unsigned>(rule.set)]; break;
  }
  auto& list = rule.action == RuleAction::kAllow ? buckets_[bucket].allows : buckets_[bucket].denies;
  auto by_order = [](uint32_t order, const Rule* r) { return order < r->order; };
  list.insert(std::upper_bound(list.begin(), list.end(), rule.order, by_order), &rule);
  ++size_;
}

template <typename Visit>
void RuleIndex::for_each_address_bucket(const IpAddress& ip, uint8_t sets, Visit&& visit) const {
  const std::vector<TrieNode>& trie = ip.is_v6 ? v6_trie_ : v4_trie_;
  const unsigned bits = ip.is_v6 ? 128 : 32;
  // Walk the trie from /0 down, stopping where no longer prefix was indexed.
  uint32_t node = 0;
  for (unsigned depth = 0;; ++depth) {
    if (trie[node].bucket != kNoBucket) visit(buckets_[trie[node].bucket]);
    if (depth + 1 == bits) break;  // full-length networks live in hosts_
    node = trie[node].child[address_bit(ip, depth)];
    if (node == 0) break;
  }
  if (!hosts_.empty()) {
    if (auto it = hosts_.find(ip); it != hosts_.end()) visit(buckets_[it->second]);
  }
  for (unsigned set = 0; set < kAddressSetCount; ++set) {
    if (sets & (1u << set)) visit(buckets_[set_buckets_[set]]);
  }
}

template <typename Visit>
void RuleIndex::for_each_name_bucket(std::string_view name, Visit&& visit) const {
  if (name.empty()) return;
  if (!names_.empty()) {
    if (auto it = names_.find(name); it != names_.end()) visit(buckets_[it->second]);
  }
  if (suffixes_.empty()) return;
  // "a.b.example.com" probes ".b.example.com", ".example.com", ".com". A dot at position 0
  // starts no suffix: "*.example.com" names subdomains, never ".example.com" itself.
  for (auto dot = name.find('.', 1); dot != std::string_view::npos; dot = name.find('.', dot + 1)) {
    if (auto it = suffixes_.find(name.substr(dot)); it != suffixes_.end()) visit(buckets_[it->second]);
  }
}

RuleMatch RuleIndex::match(Transport transport, uint16_t port, const IpAddress& canonical_ip,
                           uint8_t sets, std::string_view name) const {
  RuleMatch found;
  auto admitted = [&](const Rule& rule) { return admits(rule, transport, port); };
  auto visit = [&](const Bucket& bucket) {
    take_first(bucket.denies, admitted, found.deny);
    take_first(bucket.allows, admitted, found.allow);
  };
  for_each_address_bucket(canonical_ip, sets, visit);
  for_each_name_bucket(name, visit);
  visit(buckets_[any_bucket_]);
  return found;
}

RuleMatch RuleIndex::match_lookup_name(std::string_view name) const {
  RuleMatch found;
  auto any = [](const Rule&) { return true; };
  auto visit = [&](const Bucket& bucket) {
    take_first(bucket.denies, denies_every_connect, found.deny);
    take_first(bucket.allows, any, found.allow);
  };
  for_each_name_bucket(name, visit);
  visit(buckets_[any_bucket_]);
  return found;
}

RuleMatch RuleIndex::match_lookup_address(const IpAddress& canonical_ip, uint8_t sets) const {
  RuleMatch found;
  auto any = [](const Rule&) { return true; };
  auto visit = [&](const Bucket& bucket) {
    take_first(bucket.denies, denies_every_connect, found.deny);
    take_first(bucket.allows, any, found.allow);
  };
  for_each_address_bucket(canonical_ip, sets, visit);
  visit(buckets_[any_bucket_]);
  return found;
}

}  // namespace sluice::egress
