#include "egress/ledger.h"

#include <cstddef>
#include <cstring>
#include <tuple>
#include <type_traits>

#include "egress/ip_address.h"

namespace sluice::egress {

std::string errno_name(int error) {
  if (const char* name = strerrorname_np(error)) return name;
  return "E" + std::to_string(error);
}

bool Ledger::KeyLess::operator()(const Destination& a, const Destination& b) const {
  if (a.transport != b.transport) return a.transport < b.transport;
  if (!(a.ip == b.ip)) return ip_less(a.ip, b.ip);
  return std::tie(a.port, a.name) < std::tie(b.port, b.name);
}

DestinationRecord* Ledger::destination(const Destination& dest, const Verdict& verdict) {
  std::lock_guard lock(mutex_);
  auto it = destinations_.find(dest);
  if (it != destinations_.end()) return it->second.get();
  if (destinations_.size() - overflow_records_ < max_destinations_) {
    return destinations_.emplace(dest, std::make_unique<DestinationRecord>(dest, verdict))
        .first->second.get();
  }
  const Destination other{dest.transport, IpAddress{}, 0,
                          std::string(verdict.allowed ? kOtherAllowed : kOtherDenied)};
  it = destinations_.find(other);
  if (it == destinations_.end()) {
    const Verdict various{verdict.allowed, std::string(kVarious), std::string(kVarious)};
    it = destinations_.emplace(other, std::make_unique<DestinationRecord>(other, various)).first;
    ++overflow_records_;
  }
  return it->second.get();
}

void Ledger::count_denied(DestinationRecord* dest) {
  std::lock_guard lock(mutex_);
  ++dest->denied;
}

FlowRecord* Ledger::open_flow(DestinationRecord* dest) {
  std::lock_guard lock(mutex_);
  FlowRecord& flow = flows_.emplace_back();
  flow.destination = dest;
  flow.started_at = std::chrono::system_clock::now();
  flow.started = std::chrono::steady_clock::now();
  flow.counters.owner = this;
  dest->flows.push_back(&flow);
  ++dest->attempts;
  return &flow;
}

FlowRecord* Ledger::count_datagram(DestinationRecord* dest, uint64_t bytes) {
  FlowRecord* flow = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!dest->datagram_flow) {
      FlowRecord& created = flows_.emplace_back();
      created.destination = dest;
      created.started_at = std::chrono::system_clock::now();
      created.started = std::chrono::steady_clock::now();
      created.counters.owner = this;
      dest->flows.push_back(&created);
      dest->datagram_flow = &created;
    }
    flow = dest->datagram_flow;
  }
  // Counters are the guest thread's to write; no lock needed, same as the socket's own adds.
  FlowCounters::add(flow->counters.datagrams_out, 1);
  FlowCounters::add(flow->counters.bytes_out, bytes);
  return flow;
}

FlowRecord* Ledger::find_flow(const FlowCounters* counters) const {
  // O(1), no lock: counters this ledger issued are the first member of their FlowRecord
  // (standard layout, so the two addresses are interconvertible), and carry this ledger as owner.
  if (counters == nullptr || counters->owner != this) return nullptr;
  static_assert(std::is_standard_layout_v<FlowRecord>);
  static_assert(offsetof(FlowRecord, counters) == 0);
  return reinterpret_cast<FlowRecord*>(const_cast<FlowCounters*>(counters));
}

void Ledger::connect_finished(FlowRecord* flow, bool established, int error) {
  std::lock_guard lock(mutex_);
  if (established) {
    ++flow->destination->established;
  } else {
    flow->error = error;
    ++flow->destination->failed[errno_name(error)];
  }
}

bool Ledger::close_flow(FlowRecord* flow, const KernelTcpCounters* kernel) {
  std::lock_guard lock(mutex_);
  if (flow->closed) return false;
  flow->closed = true;
  if (kernel) {
    KernelTotals& k = flow->destination->kernel;
    k.bytes_acked += kernel->bytes_acked;
    k.bytes_sent += kernel->bytes_sent;
    k.bytes_received += kernel->bytes_received;
    ++k.connections_checked;
    const uint64_t out = flow->counters.bytes_out.load(std::memory_order_relaxed);
    const uint64_t in = flow->counters.bytes_in.load(std::memory_order_relaxed);
    if (out != kernel->bytes_acked || in != kernel->bytes_received) k.mismatch = true;
  }
  return true;
}

std::vector<FlowRecord*> Ledger::open_flows() {
  std::lock_guard lock(mutex_);
  std::vector<FlowRecord*> open;
  for (FlowRecord& flow : flows_) {
    if (!flow.closed) open.push_back(&flow);
  }
  return open;
}

DnsRecord* Ledger::dns_record(std::string_view name) {
  auto it = dns_.find(name);
  if (it != dns_.end()) return it->second.get();
  if (dns_.size() >= max_names_) {
    name = kOtherNames;  // one record beyond the bound collects the rest
    if (it = dns_.find(name); it != dns_.end()) return it->second.get();
  }
  return dns_.emplace(std::string(name), std::make_unique<DnsRecord>(std::string(name)))
      .first->second.get();
}

DnsRecord* Ledger::count_lookup(std::string_view name, bool denied) {
  std::lock_guard lock(mutex_);
  DnsRecord* record = dns_record(name);
  ++(denied ? record->denied : record->lookups);
  return record;
}

DnsRecord* Ledger::lookup_finished(std::string_view name, uint64_t addresses, int error) {
  std::lock_guard lock(mutex_);
  DnsRecord* record = dns_record(name);
  if (error != 0) {
    ++record->failed;
  } else {
    record->addresses += addresses;
  }
  return record;
}

LedgerSnapshot Ledger::snapshot() const {
  std::lock_guard lock(mutex_);
  LedgerSnapshot snap;
  LedgerTotals& t = snap.totals;
  for (const auto& [key, record] : destinations_) {
    DestinationSummary d;
    d.key = record->key;
    d.allowed = record->allowed;
    d.rule = record->rule;
    d.reason = record->reason;
    d.attempts = record->attempts;
    d.established = record->established;
    d.denied = record->denied;
    d.failed = record->failed;
    d.kernel = record->kernel;
    for (const FlowRecord* flow : record->flows) {
      d.bytes_sent += flow->counters.bytes_out.load(std::memory_order_relaxed);
      d.bytes_received += flow->counters.bytes_in.load(std::memory_order_relaxed);
      d.datagrams_sent += flow->counters.datagrams_out.load(std::memory_order_relaxed);
      d.datagrams_received += flow->counters.datagrams_in.load(std::memory_order_relaxed);
    }
    t.connections_attempted += d.attempts;
    t.connections_established += d.established;
    for (const auto& [name, count] : d.failed) t.connections_failed += count;
    t.connections_denied += d.denied;
    if (key.transport == Transport::kTcp) {
      t.bytes_sent += d.bytes_sent;
      t.bytes_received += d.bytes_received;
    } else {
      t.udp_bytes_sent += d.bytes_sent;
      t.udp_bytes_received += d.bytes_received;
    }
    t.datagrams_sent += d.datagrams_sent;
    t.datagrams_received += d.datagrams_received;
    snap.destinations.push_back(std::move(d));
  }
  for (const auto& [name, record] : dns_) {
    snap.dns.push_back({record->name, record->lookups, record->addresses, record->denied, record->failed});
    t.dns_lookups += record->lookups;
    t.dns_denied += record->denied;
  }
  return snap;
}

}  // namespace sluice::egress
