#include "egress/ledger.h"

#include <netdb.h>

#include <cstddef>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <unordered_map>

#include "egress/ip_address.h"

namespace sluice::egress {

std::string errno_name(int error) {
  if (const char* name = strerrorname_np(error)) return name;
  return "E" + std::to_string(error);
}

std::string eai_name(int error) {
  switch (error) {
    case EAI_AGAIN: return "EAI_AGAIN";
    case EAI_BADFLAGS: return "EAI_BADFLAGS";
    case EAI_FAIL: return "EAI_FAIL";
    case EAI_FAMILY: return "EAI_FAMILY";
    case EAI_MEMORY: return "EAI_MEMORY";
    case EAI_NONAME: return "EAI_NONAME";
    case EAI_SERVICE: return "EAI_SERVICE";
    case EAI_SOCKTYPE: return "EAI_SOCKTYPE";
    case EAI_SYSTEM: return "EAI_SYSTEM";
    case EAI_OVERFLOW: return "EAI_OVERFLOW";
#ifdef EAI_NODATA
    case EAI_NODATA: return "EAI_NODATA";
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY: return "EAI_ADDRFAMILY";
#endif
  }
  return "EAI" + std::to_string(error);
}

namespace {

void add_denial(std::vector<DenialCount>& denials, const Verdict& verdict) {
  for (DenialCount& d : denials) {
    if (d.reason == verdict.reason && d.rule == verdict.rule) {
      ++d.count;
      return;
    }
  }
  denials.push_back({verdict.rule, verdict.reason, 1});
}

uint64_t denial_total(const std::vector<DenialCount>& denials) {
  uint64_t total = 0;
  for (const DenialCount& d : denials) total += d.count;
  return total;
}

std::vector<DestinationSummary::Denial> copy_denials(const std::vector<DenialCount>& denials) {
  std::vector<DestinationSummary::Denial> out;
  out.reserve(denials.size());
  for (const DenialCount& d : denials) out.push_back({std::string(d.rule), d.reason, d.count});
  return out;
}

void add_totals(FlowTotals& into, const FlowCounters& c) {
  into.bytes_out += c.bytes_out.load(std::memory_order_relaxed);
  into.bytes_in += c.bytes_in.load(std::memory_order_relaxed);
  into.datagrams_out += c.datagrams_out.load(std::memory_order_relaxed);
  into.datagrams_in += c.datagrams_in.load(std::memory_order_relaxed);
}

void add_kernel_check(KernelTotals& k, uint64_t bytes_out, uint64_t bytes_in,
                      const KernelTcpCounters& kernel) {
  k.bytes_acked += kernel.bytes_acked;
  k.bytes_sent += kernel.bytes_sent;
  k.bytes_received += kernel.bytes_received;
  ++k.connections_checked;
  if (bytes_out != kernel.bytes_acked || bytes_in != kernel.bytes_received) k.mismatch = true;
}

}  // namespace

uint64_t DestinationRecord::denied() const { return denial_total(denials); }

bool Ledger::KeyLess::operator()(const Destination& a, const Destination& b) const {
  if (a.direction != b.direction) return a.direction < b.direction;
  if (a.transport != b.transport) return a.transport < b.transport;
  if (!(a.ip == b.ip)) return ip_less(a.ip, b.ip);
  return std::tie(a.port, a.name) < std::tie(b.port, b.name);
}

DestinationRecord* Ledger::destination(const Destination& dest) {
  std::lock_guard lock(mutex_);
  auto it = destinations_.find(dest);
  if (it != destinations_.end()) return it->second.get();
  const bool keep_apart = destinations_.size() - overflow_records_ < max_destinations_;
  const Destination key = keep_apart ? dest
                                     : Destination{dest.transport, IpAddress{}, 0,
                                                   std::string(kOtherDestinations), dest.direction};
  if (!keep_apart) {
    it = destinations_.find(key);
    if (it != destinations_.end()) return it->second.get();
    ++overflow_records_;
  }
  auto record = std::make_unique<DestinationRecord>(key);
  // Past the bound, the "(other)" record's own key (0.0.0.0:0) shares one quota: stricter,
  // never looser.
  Destination quota_key = key;
  quota_key.name.clear();
  auto& charged = quota_charged_[quota_key];
  if (!charged) charged = std::make_unique<std::atomic<uint64_t>>(0);
  record->quota_charged = charged.get();
  return destinations_.emplace(key, std::move(record)).first->second.get();
}

void Ledger::count_denied(DestinationRecord* dest, const Verdict& verdict) {
  std::lock_guard lock(mutex_);
  add_denial(dest->denials, verdict);
}

FlowRecord* Ledger::new_flow(DestinationRecord* dest, const Verdict& verdict, int64_t now_ns) {
  FlowRecord* flow;
  if (!free_flows_.empty()) {
    flow = free_flows_.back();
    free_flows_.pop_back();
    FlowCounters& c = flow->counters;
    c.bytes_out.store(0, std::memory_order_relaxed);
    c.bytes_in.store(0, std::memory_order_relaxed);
    c.datagrams_out.store(0, std::memory_order_relaxed);
    c.datagrams_in.store(0, std::memory_order_relaxed);
  } else {
    flow = &flow_storage_.emplace_back();
    flow->counters.owner = this;
  }
  flow->counters.quota = nullptr;
  flow->counters.destination_charged = dest->quota_charged;
  flow->destination = dest;
  flow->rule = verdict.rule;
  flow->started_ns = now_ns;
  flow->error = 0;
  flow->open = true;
  flow->connection = false;
  flow->prev_open = nullptr;
  flow->next_open = open_head_;
  if (open_head_) open_head_->prev_open = flow;
  open_head_ = flow;
  ++open_count_;
  dest->allowed_by = verdict.rule;
  return flow;
}

FlowRecord* Ledger::open_flow(DestinationRecord* dest, const Verdict& verdict, int64_t now_ns) {
  std::lock_guard lock(mutex_);
  ++dest->attempts;
  return new_flow(dest, verdict, now_ns);
}

FlowRecord* Ledger::count_datagram(DestinationRecord* dest, const Verdict& verdict,
                                   uint64_t bytes, int64_t now_ns) {
  FlowRecord* flow = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (!dest->datagram_flow) dest->datagram_flow = new_flow(dest, verdict, now_ns);
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

bool Ledger::close_flow(FlowRecord* flow, const KernelTcpCounters* kernel, FlowTotals* final,
                        int64_t* started_ns) {
  std::lock_guard lock(mutex_);
  if (!flow->open) return false;
  DestinationRecord* dest = flow->destination;
  FlowTotals totals;
  add_totals(totals, flow->counters);
  if (kernel) add_kernel_check(dest->kernel, totals.bytes_out, totals.bytes_in, *kernel);
  dest->closed.bytes_out += totals.bytes_out;
  dest->closed.bytes_in += totals.bytes_in;
  dest->closed.datagrams_out += totals.datagrams_out;
  dest->closed.datagrams_in += totals.datagrams_in;
  if (dest->datagram_flow == flow) dest->datagram_flow = nullptr;
  if (final) *final = totals;
  if (started_ns) *started_ns = flow->started_ns;

  flow->open = false;
  if (flow->prev_open) flow->prev_open->next_open = flow->next_open;
  else open_head_ = flow->next_open;
  if (flow->next_open) flow->next_open->prev_open = flow->prev_open;
  --open_count_;
  free_flows_.push_back(flow);
  return true;
}

void Ledger::kernel_checked(DestinationRecord* dest, uint64_t bytes_out, uint64_t bytes_in,
                            const KernelTcpCounters& kernel) {
  std::lock_guard lock(mutex_);
  add_kernel_check(dest->kernel, bytes_out, bytes_in, kernel);
}

std::vector<FlowRecord*> Ledger::open_flows() const {
  std::lock_guard lock(mutex_);
  std::vector<FlowRecord*> open;
  open.reserve(open_count_);
  for (FlowRecord* flow = open_head_; flow; flow = flow->next_open) open.push_back(flow);
  return open;
}

std::size_t Ledger::open_flow_count() const {
  std::lock_guard lock(mutex_);
  return open_count_;
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

DnsRecord* Ledger::count_lookup(std::string_view name, const Verdict& verdict) {
  std::lock_guard lock(mutex_);
  DnsRecord* record = dns_record(name);
  if (verdict.allowed) {
    ++record->lookups;
    record->allowed_by = verdict.rule;
  } else {
    ++record->denied;
    add_denial(record->denials, verdict);
  }
  return record;
}

DnsRecord* Ledger::lookup_finished(std::string_view name, uint64_t addresses, int error,
                                   std::string_view* allowed_by) {
  std::lock_guard lock(mutex_);
  DnsRecord* record = dns_record(name);
  if (allowed_by) *allowed_by = record->allowed_by;
  if (error != 0) {
    ++record->failed;
    ++record->errors[eai_name(error)];
  } else {
    record->addresses += addresses;
  }
  return record;
}

void Ledger::count_listen(Transport transport, const IpAddress& ip, uint16_t port,
                          const Verdict& verdict) {
  std::lock_guard lock(mutex_);
  Destination key{transport, ip, port, {}, Direction::kInbound};
  // Bounded like destinations: past the bound, one record per transport (0.0.0.0:0) collects the
  // rest, so the totals stay exact.
  if (listens_.size() >= max_destinations_ && !listens_.contains(key)) {
    key = Destination{transport, IpAddress{}, 0, {}, Direction::kInbound};
  }
  ListenRecord* record = &listens_[key];
  if (verdict.allowed) {
    ++record->allowed;
    record->allowed_by = verdict.rule;
  } else {
    add_denial(record->denials, verdict);
  }
}

LedgerSnapshot Ledger::snapshot() const {
  std::lock_guard lock(mutex_);
  // Open flows' live counters, by destination.
  std::unordered_map<const DestinationRecord*, FlowTotals> live;
  for (const FlowRecord* flow = open_head_; flow; flow = flow->next_open) {
    add_totals(live[flow->destination], flow->counters);
  }

  LedgerSnapshot snap;
  LedgerTotals& t = snap.totals;
  for (const auto& [key, record] : destinations_) {
    DestinationSummary d;
    d.key = record->key;
    d.allowed_by = std::string(record->allowed_by);
    d.attempts = record->attempts;
    d.established = record->established;
    d.denied = record->denied();
    d.denials = copy_denials(record->denials);
    d.failed = record->failed;
    d.kernel = record->kernel;
    FlowTotals bytes = record->closed;
    if (auto it = live.find(record.get()); it != live.end()) {
      bytes.bytes_out += it->second.bytes_out;
      bytes.bytes_in += it->second.bytes_in;
      bytes.datagrams_out += it->second.datagrams_out;
      bytes.datagrams_in += it->second.datagrams_in;
    }
    d.bytes_sent = bytes.bytes_out;
    d.bytes_received = bytes.bytes_in;
    d.datagrams_sent = bytes.datagrams_out;
    d.datagrams_received = bytes.datagrams_in;

    if (key.direction == Direction::kOutbound) {
      t.connections_attempted += d.attempts;
      t.connections_established += d.established;
      for (const auto& [name, count] : d.failed) t.connections_failed += count;
    } else {
      t.connections_accepted += d.attempts;
    }
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
    snap.dns.push_back({record->name, record->lookups, record->addresses, record->denied,
                        record->failed, record->errors, copy_denials(record->denials)});
    t.dns_lookups += record->lookups;
    t.dns_denied += record->denied;
  }
  for (const auto& [key, r] : listens_) {
    const uint64_t denied = denial_total(r.denials);
    snap.listens.push_back({key.transport, key.ip, key.port, r.allowed, std::string(r.allowed_by),
                            denied, copy_denials(r.denials)});
    t.listens_allowed += r.allowed;
    t.listens_denied += denied;
  }
  return snap;
}

}  // namespace sluice::egress
