// Meter: the Egress of one sandbox. Ties the allow-lists (decisions), the name cache
// (attribution), the ledger (counts) and the event ring (the flow log's feed).
//
// The embedder (CLI) builds one per sandbox and keeps it alive beyond the guest, so a report can
// be written after a trap, a timeout or a memory-limit kill:
//
//   OutboundRules rules;                       // from --allow-outbound / --allow-inbound
//   for (auto& p : outbound_flags) rules.allow_outbound(p);   // throws RuleSyntaxError
//   Meter meter(std::move(rules), {.sandbox_id = id});
//   FlowLogWriter log(path, id);  EventDrain drain(meter.events(), std::ref(log));  // --egress-log
//   ... hand &meter (as Egress*) to the WASI context, run the guest, join its thread ...
//   meter.finish();  drain.stop();  meter.events().drain(std::ref(log));
//   write_report(meter, run_info, report_path);  write_summary(meter, std::cerr);
//
// Events point into the meter (ledger records, rule texts): drain the ring (stop the EventDrain)
// before the meter is destroyed.
//
// With `metering = false` the meter still decides and still attributes names, but counts nothing
// and records no events, and returns a null FlowCounters* so socket code skips its adds: the
// benchmark's "meter off" leg costs exactly the decisions.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "egress/egress.h"
#include "egress/event_ring.h"
#include "egress/ledger.h"
#include "egress/name_cache.h"
#include "egress/outbound_rules.h"

namespace sluice::egress {

struct MeterOptions {
  std::string sandbox_id;
  bool metering = true;
  std::size_t event_capacity = 4096;
  std::size_t name_capacity = 4096;
  std::chrono::steady_clock::duration name_ttl = std::chrono::minutes(10);
  std::size_t max_destinations = 65536;  // ledger bounds: see Ledger
  std::size_t max_dns_names = 65536;
};

class Meter final : public Egress {
 public:
  explicit Meter(OutboundRules rules, MeterOptions options = {});

  Verdict decide_connect(const Destination& dest, FlowCounters** flow) override;
  void connect_finished(FlowCounters* flow, bool established, int error) override;
  void flow_closed(FlowCounters* flow, const KernelTcpCounters* kernel) override;
  Verdict decide_datagram(const Destination& dest, uint64_t bytes, FlowCounters** flow) override;
  Verdict decide_lookup(std::string_view name) override;
  void lookup_finished(std::string_view name, const std::vector<IpAddress>& addresses,
                       int error) override;
  std::string name_for(const IpAddress& ip) const override;
  Verdict decide_listen(Transport transport, const IpAddress& ip, uint16_t port) override;

  // After the guest thread has stopped: closes every flow still open (sockets a trapped guest
  // never dropped, UDP destinations), so each gets a closing event with its totals. Idempotent.
  void finish();

  LedgerSnapshot snapshot() const { return ledger_.snapshot(); }
  EventRing& events() { return events_; }
  const EventRing& events() const { return events_; }
  const OutboundRules& rules() const { return rules_; }
  const MeterOptions& options() const { return options_; }

 private:
  Destination attributed(const Destination& dest) const;
  const std::string* rule_text(const OutboundRule* rule) const;
  void push_closed(const FlowRecord& flow);

  const OutboundRules rules_;  // const: events point at rule texts
  const MeterOptions options_;
  mutable NameCache names_;    // name_for() refreshes LRU order
  Ledger ledger_;
  EventRing events_;
  const std::string default_deny_;
};

}  // namespace sluice::egress
