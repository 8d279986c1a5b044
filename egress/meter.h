// Meter: the Egress of one sandbox. Ties the policy (decisions and limits), the name cache
// (attribution), the ledger (counts) and the event ring (the flow log's feed).
//
// The embedder (CLI) builds one per sandbox and keeps it alive beyond the guest, so a report can
// be written after a trap, a timeout or a memory-limit kill:
//
//   Policy policy;  policy.add(...); load_policy_file(path, policy);   // throw RuleSyntaxError
//   Meter meter(std::move(policy), {.sandbox_id = id});
//   FlowLogWriter log(path, id);  EventDrain drain(meter.events(), std::ref(log));  // --egress-log
//   ... hand &meter (as Egress*) to the WASI context, run the guest, join its thread ...
//   meter.finish();  drain.stop();  meter.events().drain(std::ref(log));
//   write_report(meter, run_info, report_path);  write_summary(meter, std::cerr);
//
// reload() swaps in a new policy from any thread while the guest runs; counters, byte quotas
// used and rate buckets carry over. Every policy the meter has used stays alive until the meter
// is destroyed, because verdicts, ledger records and events point at rule texts. Events point
// into the meter too: drain the ring (stop the EventDrain) before the meter is destroyed.
//
// With `metering = false` the meter still decides by rules and still attributes names, but
// counts nothing, enforces no stateful limits (quotas, rates, concurrency) and records no
// events, and returns a null FlowCounters* so socket code skips its adds: the benchmark's
// "meter off" leg costs exactly the rule decisions.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "egress/egress.h"
#include "egress/event_ring.h"
#include "egress/ledger.h"
#include "egress/name_cache.h"
#include "egress/policy.h"
#include "egress/token_bucket.h"

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
  explicit Meter(Policy policy, MeterOptions options = {});
  ~Meter() override;

  Verdict decide_connect(const Destination& dest, FlowCounters** flow) override;
  Verdict decide_malformed(const Destination& dest) override;
  void connect_finished(FlowCounters* flow, bool established, int error) override;
  ClosedFlow flow_closed(FlowCounters* flow, const KernelTcpCounters* kernel) override;
  void kernel_checked(const ClosedFlow& flow, const KernelTcpCounters& kernel) override;
  Verdict decide_datagram(const Destination& dest, uint64_t bytes, FlowCounters** flow) override;
  Verdict quota_refused(FlowCounters* flow) override;
  Verdict decide_lookup(std::string_view name) override;
  void lookup_finished(std::string_view name, const std::vector<IpAddress>& addresses,
                       int error) override;
  Verdict decide_listen(Transport transport, const IpAddress& ip, uint16_t port) override;
  FlowCounters* accepted(Transport transport, const IpAddress& peer, uint16_t local_port) override;

  // The name this sandbox last resolved to `ip`, or "" (attribution; refreshes the LRU order).
  std::string name_for(const IpAddress& ip) const;

  // Swaps in `policy` for every later decision (callable from any thread).
  void reload(Policy policy);
  // The policy in force. Valid for the meter's lifetime.
  const Policy& policy() const { return *current_.load(std::memory_order_acquire); }
  // How many policies have been in force (1 + successful reloads).
  std::size_t policy_generation() const;

  // After the guest thread has stopped: closes every flow still open (sockets a trapped guest
  // never dropped, UDP destinations), so each gets a closing event with its totals. Idempotent.
  void finish();

  LedgerSnapshot snapshot() const { return ledger_.snapshot(); }
  EventRing& events() { return events_; }
  const EventRing& events() const { return events_; }
  const MeterOptions& options() const { return options_; }
  const ByteQuota& quota() const { return quota_; }

 private:
  Destination attributed(const Destination& dest) const;
  // Stateful limits on an attempt the rules allowed: concurrency, then the connection rate.
  Verdict connection_limits(const Limits& limits, Verdict allowed, int64_t now_ns);
  // The byte quotas for `bytes` more to `record`: allowed, or the quota that refuses.
  Verdict quota_verdict(const DestinationRecord& record, uint64_t bytes, Verdict allowed) const;
  ClosedFlow close(FlowRecord* flow, const KernelTcpCounters* kernel);
  void push_denied(DestinationRecord* record, const Verdict& verdict, int64_t now_ns);
  void apply_quota_limits(const Limits& limits);
  // The ledger record of `dest`, through a small cache: a guest that reconnects to the same
  // destination skips the ledger's ordered-map search and its lock.
  DestinationRecord* record_of(const Destination& dest);

  const MeterOptions options_;
  std::atomic<const Policy*> current_{nullptr};
  mutable std::mutex policies_mutex_;
  std::vector<std::unique_ptr<const Policy>> policies_;  // every policy in force so far

  mutable NameCache names_;  // name_for() refreshes LRU order
  Ledger ledger_;
  EventRing events_;
  ByteQuota quota_;
  TokenBucket connect_bucket_;
  TokenBucket lookup_bucket_;
  uint32_t open_connections_ = 0;  // guest thread only

  struct CachedRecord {
    Destination key;
    DestinationRecord* record = nullptr;
  };
  std::array<CachedRecord, 64> record_cache_;  // guest thread only; direct-mapped
};

}  // namespace sluice::egress
