// The rules of one direction, indexed so that a decision looks only at rules that could match:
// a binary prefix trie per address family for CIDR rules, a hash map for single addresses
// (/32, /128: blocklists are mostly those, and a trie would spend a node per bit on each), hash
// maps from exact names and from ".suffix"es for name rules, one list per named address set,
// one list for "*". A decision costs a trie walk (at most 32 or 128 nodes, stopping where no
// longer prefix was indexed), one hash probe for the address, one per label of the attributed
// name, and a look at the candidates found there: never a pass over every rule.
//
// Every candidate list keeps allow and deny rules apart, each sorted by Rule::order, so "the
// first matching allow" and "the first matching deny" stop at the first hit of each list.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "egress/address_sets.h"
#include "egress/egress.h"
#include "egress/ip_address.h"
#include "egress/policy.h"

namespace sluice::egress {

// What matched: the lowest-order deny rule and the lowest-order allow rule, or null.
struct RuleMatch {
  const Rule* deny = nullptr;
  const Rule* allow = nullptr;
};

class RuleIndex {
 public:
  RuleIndex();

  // Indexes `rule`, which must outlive the index (Policy keeps rules in a deque).
  void add(const Rule& rule);
  size_t size() const { return size_; }

  // Connects, datagrams and listens: rules whose transport and ports admit (transport, port)
  // and whose host covers `canonical_ip` (IP/CIDR rules), one of `sets` (a mask of
  // address_set_bit), `name` (name rules; empty: none attributed), or everything ("*").
  // Does not allocate.
  RuleMatch match(Transport transport, uint16_t port, const IpAddress& canonical_ip, uint8_t sets,
                  std::string_view name) const;

  // Lookups of a (normalised) name: `allow` is the first allow rule that could allow some
  // connect to it (its host is the name, a matching *.suffix, or "*"; ports and transport do
  // not matter), `deny` the first deny rule that denies every connect to it (same hosts, any
  // transport, all ports). A deny narrowed to some ports or one transport leaves the lookup
  // alone: the other ports may still be allowed, and they need the lookup.
  RuleMatch match_lookup_name(std::string_view name) const;
  // Lookups of an IP literal: the same, for rules whose host covers the address.
  RuleMatch match_lookup_address(const IpAddress& canonical_ip, uint8_t sets) const;

 private:
  // Rules sharing one host key, allow and deny apart, each sorted by Rule::order.
  struct Bucket {
    std::vector<const Rule*> allows;
    std::vector<const Rule*> denies;
  };

  // A binary trie over address bits: the node at depth d holds the rules of prefix length d.
  struct TrieNode {
    uint32_t child[2] = {0, 0};   // 0: none (the root is node 0, never anyone's child)
    uint32_t bucket = kNoBucket;  // index into buckets_
  };
  static constexpr uint32_t kNoBucket = UINT32_MAX;

  struct NameHash {
    using is_transparent = void;  // find(string_view) without building a std::string
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using NameMap = std::unordered_map<std::string, uint32_t, NameHash, std::equal_to<>>;

  uint32_t bucket_for_network(const IpAddress& network, unsigned prefix_len);
  uint32_t bucket_for_name(NameMap& map, const std::string& key);

  // Calls visit(bucket) for every bucket whose host key covers the address / names the name.
  template <typename Visit>
  void for_each_address_bucket(const IpAddress& ip, uint8_t sets, Visit&& visit) const;
  template <typename Visit>
  void for_each_name_bucket(std::string_view name, Visit&& visit) const;

  std::vector<Bucket> buckets_;
  std::vector<TrieNode> v4_trie_;
  std::vector<TrieNode> v6_trie_;
  std::unordered_map<IpAddress, uint32_t, IpAddressHash> hosts_;  // full-length networks
  NameMap names_;     // "api.example.com" -> kName rules
  NameMap suffixes_;  // ".example.com" -> kSubdomains rules
  uint32_t set_buckets_[kAddressSetCount];  // by AddressSet
  uint32_t any_bucket_;
  size_t size_ = 0;
};

}  // namespace sluice::egress
