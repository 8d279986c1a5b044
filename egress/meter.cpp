#include "egress/meter.h"

#include "egress/ip_address.h"
#include "egress/timestamp.h"

namespace sluice::egress {

namespace {

Event make_event(Event::Kind kind, int64_t now_ns) {
  Event e;
  e.kind = kind;
  e.at_ns = now_ns;
  return e;
}

Verdict denied(Reason reason, std::string_view rule) { return Verdict{false, reason, rule}; }

}  // namespace

Meter::Meter(Policy policy, MeterOptions options)
    : options_(std::move(options)),
      names_(options_.name_capacity, options_.name_ttl),
      ledger_(options_.max_destinations, options_.max_dns_names),
      events_(options_.event_capacity) {
  reload(std::move(policy));
}

Meter::~Meter() = default;

void Meter::reload(Policy policy) {
  auto owned = std::make_unique<const Policy>(std::move(policy));
  const Policy* next = owned.get();
  {
    std::lock_guard lock(policies_mutex_);
    policies_.push_back(std::move(owned));
  }
  apply_quota_limits(next->limits());
  current_.store(next, std::memory_order_release);
}

std::size_t Meter::policy_generation() const {
  std::lock_guard lock(policies_mutex_);
  return policies_.size();
}

void Meter::apply_quota_limits(const Limits& limits) {
  quota_.limit.store(limits.bytes_out.value_or(ByteQuota::kUnlimited), std::memory_order_relaxed);
  quota_.per_destination_limit.store(
      limits.bytes_out_per_destination.value_or(ByteQuota::kUnlimited), std::memory_order_relaxed);
  quota_.active.store(limits.bytes_out.has_value() || limits.bytes_out_per_destination.has_value(),
                      std::memory_order_relaxed);
}

Destination Meter::attributed(const Destination& dest) const {
  Destination d = dest;
  d.ip = normalized(dest.ip);
  if (d.name.empty()) d.name = names_.lookup(d.ip, NameCache::Clock::now());
  else d.name = normalized_name(d.name);
  return d;
}

std::string Meter::name_for(const IpAddress& ip) const {
  return std::string(names_.lookup(ip, NameCache::Clock::now()));
}

Verdict Meter::connection_limits(const Limits& limits, Verdict allowed, int64_t now_ns) {
  if (limits.concurrent_connections && open_connections_ >= *limits.concurrent_connections) {
    return denied(Reason::kConcurrentConnections, kLimitConcurrentConnections);
  }
  if (limits.connections_per_second &&
      !connect_bucket_.take(*limits.connections_per_second, now_ns)) {
    return denied(Reason::kConnectionRate, kLimitConnectionsPerSecond);
  }
  return allowed;
}

Verdict Meter::quota_verdict(const DestinationRecord& record, uint64_t bytes,
                             Verdict allowed) const {
  if (bytes > quota_.total_left()) return denied(Reason::kByteQuota, kLimitBytesOut);
  if (bytes > quota_.destination_left(*record.quota_charged)) {
    return denied(Reason::kDestinationByteQuota, kLimitBytesOutPerDestination);
  }
  return allowed;
}

DestinationRecord* Meter::record_of(const Destination& dest) {
  const std::size_t hash = IpAddressHash{}(dest.ip) * 31 + dest.port;
  CachedRecord& slot = record_cache_[hash % record_cache_.size()];
  if (slot.record != nullptr && slot.key.port == dest.port && slot.key.ip == dest.ip &&
      slot.key.transport == dest.transport && slot.key.direction == dest.direction &&
      slot.key.name == dest.name) {
    return slot.record;
  }
  slot.record = ledger_.destination(dest);
  slot.key = dest;
  return slot.record;
}

void Meter::push_denied(DestinationRecord* record, const Verdict& verdict, int64_t now_ns) {
  ledger_.count_denied(record, verdict);
  Event e = make_event(Event::Kind::kDenied, now_ns);
  e.destination = record;
  e.rule = verdict.rule;
  e.reason = verdict.reason;
  events_.push(e);
}

Verdict Meter::decide_connect(const Destination& raw, FlowCounters** flow) {
  if (flow) *flow = nullptr;
  const Destination dest = attributed(raw);
  const Policy& policy = this->policy();
  Verdict verdict = policy.decide_connect(dest);
  if (!options_.metering) return verdict;

  const int64_t now = steady_now_ns();
  if (verdict.allowed) verdict = connection_limits(policy.limits(), verdict, now);
  DestinationRecord* record = record_of(dest);
  if (!verdict.allowed) {
    push_denied(record, verdict, now);
    return verdict;
  }
  FlowRecord* opened = ledger_.open_flow(record, verdict, now);
  opened->connection = true;
  opened->counters.quota = &quota_;
  ++open_connections_;
  Event e = make_event(Event::Kind::kAttempt, now);
  e.destination = record;
  e.rule = verdict.rule;
  e.reason = verdict.reason;
  events_.push(e);
  if (flow) *flow = &opened->counters;
  return verdict;
}

Verdict Meter::decide_malformed(const Destination& raw) {
  const Destination dest = attributed(raw);
  const Verdict verdict = policy().decide_connect(dest);
  if (options_.metering && !verdict.allowed) {
    push_denied(record_of(dest), verdict, steady_now_ns());
  }
  return verdict;
}

void Meter::connect_finished(FlowCounters* counters, bool established, int error) {
  FlowRecord* flow = ledger_.find_flow(counters);
  if (!flow) return;
  ledger_.connect_finished(flow, established, error);
  Event e = make_event(established ? Event::Kind::kEstablished : Event::Kind::kFailed,
                       steady_now_ns());
  e.destination = flow->destination;
  e.rule = flow->rule;
  e.start_ns = flow->started_ns;
  e.error = established ? 0 : error;
  events_.push(e);
  if (!established) close(flow, nullptr);
}

ClosedFlow Meter::close(FlowRecord* flow, const KernelTcpCounters* kernel) {
  const bool connection = flow->connection;
  const bool failed = flow->error != 0;
  Event e = make_event(Event::Kind::kClosed, 0);
  e.destination = flow->destination;
  e.rule = flow->rule;
  e.error = flow->error;
  FlowTotals totals;
  if (!ledger_.close_flow(flow, kernel, &totals, &e.start_ns)) return {};
  if (connection && open_connections_ > 0) --open_connections_;
  const ClosedFlow closed{e.destination, totals.bytes_out, totals.bytes_in};
  // A failed connect already has its kFailed event (a flow-log line with its error): no kClosed.
  if (failed) return closed;
  e.at_ns = steady_now_ns();
  e.bytes_out = totals.bytes_out;
  e.bytes_in = totals.bytes_in;
  e.datagrams_out = totals.datagrams_out;
  e.datagrams_in = totals.datagrams_in;
  events_.push(e);
  return closed;
}

ClosedFlow Meter::flow_closed(FlowCounters* counters, const KernelTcpCounters* kernel) {
  FlowRecord* flow = ledger_.find_flow(counters);
  return flow ? close(flow, kernel) : ClosedFlow{};
}

void Meter::kernel_checked(const ClosedFlow& flow, const KernelTcpCounters& kernel) {
  if (flow.destination == nullptr) return;
  // Only this meter's ledger hands out these tokens (Meter::close).
  auto* record = const_cast<DestinationRecord*>(static_cast<const DestinationRecord*>(flow.destination));
  ledger_.kernel_checked(record, flow.bytes_out, flow.bytes_in, kernel);
}

Verdict Meter::decide_datagram(const Destination& raw, uint64_t bytes, FlowCounters** flow) {
  if (flow) *flow = nullptr;
  const Destination dest = attributed(raw);
  Verdict verdict = policy().decide_connect(dest);
  if (!options_.metering) return verdict;

  const int64_t now = steady_now_ns();
  DestinationRecord* record = record_of(dest);
  if (verdict.allowed) verdict = quota_verdict(*record, bytes, verdict);
  if (!verdict.allowed) {
    push_denied(record, verdict, now);
    return verdict;
  }
  // No event per datagram: the flow's closing event carries the totals.
  FlowRecord* counted = ledger_.count_datagram(record, verdict, bytes, now);
  counted->counters.quota = &quota_;
  counted->counters.charge(bytes);
  if (flow) *flow = &counted->counters;
  return verdict;
}

Verdict Meter::quota_refused(FlowCounters* counters) {
  const Verdict verdict = counters && counters->destination_quota_binds()
                              ? denied(Reason::kDestinationByteQuota, kLimitBytesOutPerDestination)
                              : denied(Reason::kByteQuota, kLimitBytesOut);
  if (FlowRecord* flow = ledger_.find_flow(counters)) {
    push_denied(flow->destination, verdict, steady_now_ns());
  }
  return verdict;
}

Verdict Meter::decide_lookup(std::string_view raw_name) {
  const std::string name = normalized_name(raw_name);
  const Policy& policy = this->policy();
  Verdict verdict = policy.decide_lookup(name);
  if (!options_.metering) return verdict;
  const int64_t now = steady_now_ns();
  if (verdict.allowed && policy.limits().dns_lookups_per_second &&
      !lookup_bucket_.take(*policy.limits().dns_lookups_per_second, now)) {
    verdict = denied(Reason::kLookupRate, kLimitDnsLookupsPerSecond);
  }
  DnsRecord* record = ledger_.count_lookup(name, verdict);
  if (!verdict.allowed) {
    Event e = make_event(Event::Kind::kDnsDenied, now);
    e.dns = record;
    e.rule = verdict.rule;
    e.reason = verdict.reason;
    events_.push(e);
  }
  return verdict;
}

void Meter::lookup_finished(std::string_view raw_name, const std::vector<IpAddress>& addresses,
                            int error) {
  const std::string name = normalized_name(raw_name);
  // Attribution is part of deciding, so it happens with metering off too.
  if (error == 0) {
    const auto now = NameCache::Clock::now();
    for (const IpAddress& ip : addresses) names_.remember(ip, name, now);
  }
  if (!options_.metering) return;
  std::string_view allowed_by;
  DnsRecord* record =
      ledger_.lookup_finished(name, error == 0 ? addresses.size() : 0, error, &allowed_by);
  Event e = make_event(Event::Kind::kDnsLookup, steady_now_ns());
  e.dns = record;
  e.rule = allowed_by;
  e.error = error;
  e.addresses = static_cast<uint32_t>(error == 0 ? addresses.size() : 0);
  events_.push(e);
}

Verdict Meter::decide_listen(Transport transport, const IpAddress& raw_ip, uint16_t port) {
  const IpAddress ip = normalized(raw_ip);
  const Verdict verdict = policy().decide_listen(transport, ip, port);
  if (!options_.metering) return verdict;
  ledger_.count_listen(transport, ip, port, verdict);
  Event e = make_event(Event::Kind::kListen, steady_now_ns());
  e.rule = verdict.rule;
  e.reason = verdict.reason;
  e.listen_transport = transport;
  e.listen_ip = ip;
  e.listen_port = port;
  events_.push(e);
  return verdict;
}

FlowCounters* Meter::accepted(Transport transport, const IpAddress& peer, uint16_t local_port) {
  if (!options_.metering) return nullptr;
  const int64_t now = steady_now_ns();
  Destination dest{transport, normalized(peer), local_port, {}, Direction::kInbound};
  DestinationRecord* record = record_of(dest);
  const Verdict verdict{true, Reason::kInboundAllowed, "inbound"};
  FlowRecord* flow = ledger_.open_flow(record, verdict, now);
  ledger_.connect_finished(flow, true, 0);
  flow->counters.quota = &quota_;
  Event e = make_event(Event::Kind::kAccepted, now);
  e.destination = record;
  e.rule = verdict.rule;
  e.reason = verdict.reason;
  events_.push(e);
  return &flow->counters;
}

void Meter::finish() {
  if (!options_.metering) return;
  for (FlowRecord* flow : ledger_.open_flows()) close(flow, nullptr);
}

}  // namespace sluice::egress
