#include "egress/meter.h"

#include "egress/ip_address.h"

namespace sluice::egress {

namespace {

Event make_event(Event::Kind kind) {
  Event e;
  e.kind = kind;
  e.at = std::chrono::system_clock::now();
  return e;
}

// One match per decision: the verdict is built from the rule the event also points at.
Verdict verdict_from(const OutboundRule* rule, std::string_view allowed, std::string_view denied) {
  if (rule) return Verdict{true, rule->text, std::string(allowed)};
  return Verdict{false, std::string(kDefaultDenyRule), std::string(denied)};
}

}  // namespace

Meter::Meter(OutboundRules rules, MeterOptions options)
    : rules_(std::move(rules)),
      options_(std::move(options)),
      names_(options_.name_capacity, options_.name_ttl),
      ledger_(options_.max_destinations, options_.max_dns_names),
      events_(options_.event_capacity),
      default_deny_(kDefaultDenyRule) {}

Destination Meter::attributed(const Destination& dest) const {
  Destination d = dest;
  d.ip = normalized(dest.ip);
  // Socket code is expected to fill the name via name_for(); do it here too so no caller can
  // forget and turn a name-allowed connect into a denial.
  if (d.name.empty()) d.name = name_for(d.ip);
  else d.name = normalized_name(d.name);
  return d;
}

const std::string* Meter::rule_text(const OutboundRule* rule) const {
  return rule ? &rule->text : &default_deny_;
}

Verdict Meter::decide_connect(const Destination& raw, FlowCounters** flow) {
  const Destination dest = attributed(raw);
  const OutboundRule* rule = rules_.match_connect(dest);
  Verdict verdict = verdict_from(rule, kReasonAllowed, kReasonNoOutboundRule);
  if (flow) *flow = nullptr;
  if (!options_.metering) return verdict;

  DestinationRecord* record = ledger_.destination(dest, verdict);
  Event e = make_event(verdict.allowed ? Event::Kind::kAttempt : Event::Kind::kDenied);
  e.destination = record;
  e.rule = rule_text(rule);
  if (verdict.allowed) {
    FlowRecord* opened = ledger_.open_flow(record);
    if (flow) *flow = &opened->counters;
  } else {
    ledger_.count_denied(record);
  }
  events_.push(e);
  return verdict;
}

void Meter::connect_finished(FlowCounters* counters, bool established, int error) {
  if (!counters) return;
  FlowRecord* flow = ledger_.find_flow(counters);
  if (!flow) return;
  ledger_.connect_finished(flow, established, error);
  Event e = make_event(established ? Event::Kind::kEstablished : Event::Kind::kFailed);
  e.destination = flow->destination;
  e.error = established ? 0 : error;
  events_.push(e);
}

void Meter::push_closed(const FlowRecord& flow) {
  Event e = make_event(Event::Kind::kClosed);
  e.destination = flow.destination;
  e.error = flow.error;
  e.start = flow.started_at;
  e.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now() - flow.started);
  e.bytes_out = flow.counters.bytes_out.load(std::memory_order_relaxed);
  e.bytes_in = flow.counters.bytes_in.load(std::memory_order_relaxed);
  e.datagrams_out = flow.counters.datagrams_out.load(std::memory_order_relaxed);
  e.datagrams_in = flow.counters.datagrams_in.load(std::memory_order_relaxed);
  events_.push(e);
}

void Meter::flow_closed(FlowCounters* counters, const KernelTcpCounters* kernel) {
  if (!counters) return;
  FlowRecord* flow = ledger_.find_flow(counters);
  if (!flow || !ledger_.close_flow(flow, kernel)) return;
  push_closed(*flow);
}

Verdict Meter::decide_datagram(const Destination& raw, uint64_t bytes, FlowCounters** flow) {
  const Destination dest = attributed(raw);
  const OutboundRule* rule = rules_.match_connect(dest);
  Verdict verdict = verdict_from(rule, kReasonAllowed, kReasonNoOutboundRule);
  if (flow) *flow = nullptr;
  if (!options_.metering) return verdict;

  DestinationRecord* record = ledger_.destination(dest, verdict);
  if (verdict.allowed) {
    // No event per datagram: the flow's closing event carries the totals.
    FlowRecord* counted = ledger_.count_datagram(record, bytes);
    if (flow) *flow = &counted->counters;
    return verdict;
  }
  ledger_.count_denied(record);
  Event e = make_event(Event::Kind::kDenied);
  e.destination = record;
  e.rule = rule_text(rule);
  events_.push(e);
  return verdict;
}

Verdict Meter::decide_lookup(std::string_view raw_name) {
  const std::string name = normalized_name(raw_name);
  const OutboundRule* rule = rules_.match_lookup(name);
  Verdict verdict = verdict_from(rule, kReasonAllowed, kReasonNoNameRule);
  if (!options_.metering) return verdict;
  DnsRecord* record = ledger_.count_lookup(name, !verdict.allowed);
  if (!verdict.allowed) {
    Event e = make_event(Event::Kind::kDnsDenied);
    e.dns = record;
    e.rule = rule_text(rule);
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
  DnsRecord* record = ledger_.lookup_finished(name, error == 0 ? addresses.size() : 0, error);
  Event e = make_event(Event::Kind::kDnsLookup);
  e.dns = record;
  e.rule = rule_text(rules_.match_lookup(name));
  e.error = error;
  e.addresses = static_cast<uint32_t>(error == 0 ? addresses.size() : 0);
  events_.push(e);
}

std::string Meter::name_for(const IpAddress& ip) const {
  return names_.lookup(ip, NameCache::Clock::now());
}

Verdict Meter::decide_listen(Transport transport, const IpAddress& ip, uint16_t port) {
  return rules_.decide_listen(transport, normalized(ip), port);
}

void Meter::finish() {
  if (!options_.metering) return;
  for (FlowRecord* flow : ledger_.open_flows()) {
    if (ledger_.close_flow(flow, nullptr)) push_closed(*flow);
  }
}

}  // namespace sluice::egress
