// The ledger of one sandbox: what it tried to reach and what moved, per destination.
//
// A destination is (direction, transport, IP, port, attributed DNS name). Destination records
// live for the ledger's lifetime (unique_ptr), so events can point at them. Flow records are
// pooled: a flow's totals fold into its destination when it closes and the record is reused,
// so a guest that opens a million connections costs a million folds, not a million records.
//
// Threading: the guest thread makes every change. Counts are guarded by the ledger's lock (a
// spin lock: spin_lock.h), which the guest thread takes only on connect/close/lookup/denial,
// never per byte; byte counts
// live in FlowCounters (single writer, relaxed atomics) and are summed when a snapshot is taken,
// which any thread may do.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "egress/egress.h"
#include "egress/spin_lock.h"

namespace sluice::egress {

// "ECONNREFUSED" for ECONNREFUSED; "E<number>" for numbers the C library has no name for.
std::string errno_name(int error);
// "EAI_NONAME" for EAI_NONAME; "EAI<number>" for codes getaddrinfo has no name for.
std::string eai_name(int error);

// The kernel's totals over the closed TCP connections of one destination that reported TCP_INFO.
struct KernelTotals {
  uint64_t bytes_acked = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t connections_checked = 0;
  // Some checked connection disagreed: our bytes_out != bytes_acked, or bytes_in != bytes_received.
  bool mismatch = false;
};

// Denials of one destination by what decided them. Rules point into policies the meter keeps
// alive, or at static strings.
struct DenialCount {
  std::string_view rule;
  Reason reason = Reason::kNoAllowRule;
  uint64_t count = 0;
};

struct FlowTotals {
  uint64_t bytes_out = 0;
  uint64_t bytes_in = 0;
  uint64_t datagrams_out = 0;
  uint64_t datagrams_in = 0;
};

struct FlowRecord;

struct DestinationRecord {
  explicit DestinationRecord(Destination k) : key(std::move(k)) {}

  const Destination key;  // immutable: readable from any thread

  // Guarded by the ledger's mutex.
  uint64_t attempts = 0;     // outbound: allowed connects; inbound: accepted connections
  uint64_t established = 0;
  std::map<std::string, uint64_t> failed;  // by errno name
  std::vector<DenialCount> denials;        // usually one entry
  std::string_view allowed_by;             // the rule of the last allowed attempt
  KernelTotals kernel;
  FlowTotals closed;                       // totals of the flows already closed
  FlowRecord* datagram_flow = nullptr;     // UDP: one flow carries all unconnected sends to here

  // Bytes charged against the per-destination quota, shared by every record of the same
  // (direction, transport, IP, port) whatever name it was reached under, so a second spelling of
  // a destination gets no second allowance. Written by the guest thread only.
  std::atomic<uint64_t>* quota_charged = nullptr;

  uint64_t denied() const;
};

struct FlowRecord {
  FlowCounters counters;  // first member: the socket's hot-path target (see Ledger::find_flow)
  DestinationRecord* destination = nullptr;
  std::string_view rule;  // the rule that allowed it
  int64_t started_ns = 0; // steady clock, nanoseconds (event_clock.h)
  int error = 0;          // connect errno, 0 if none
  bool open = false;
  bool connection = false;  // an outbound connection: counts against concurrent_connections
  FlowRecord* prev_open = nullptr;  // intrusive list of open flows (mutex held)
  FlowRecord* next_open = nullptr;
};

struct DnsRecord {
  explicit DnsRecord(std::string n) : name(std::move(n)) {}
  const std::string name;
  uint64_t lookups = 0;    // allowed lookups
  uint64_t addresses = 0;  // addresses returned, summed over lookups
  uint64_t denied = 0;
  uint64_t failed = 0;     // allowed lookups that returned an error
  std::map<std::string, uint64_t> errors;  // by EAI name
  std::vector<DenialCount> denials;
  std::string_view allowed_by;  // the rule of the last allowed lookup
};

// A listening address: the guest's listen attempts there, allowed and denied.
// (The ledger keys it by transport, local IP and port.)
struct ListenRecord {
  uint64_t allowed = 0;
  std::string_view allowed_by;
  std::vector<DenialCount> denials;
};

// Plain copies for exporters: taken under the mutex, then read without it.
struct DestinationSummary {
  Destination key;
  std::string allowed_by;  // "" when nothing was ever allowed here
  uint64_t attempts = 0;
  uint64_t established = 0;
  uint64_t denied = 0;
  std::map<std::string, uint64_t> failed;
  struct Denial {
    std::string rule;
    Reason reason;
    uint64_t count;
  };
  std::vector<Denial> denials;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t datagrams_sent = 0;
  uint64_t datagrams_received = 0;
  KernelTotals kernel;
};

struct DnsSummary {
  std::string name;
  uint64_t lookups = 0;
  uint64_t addresses = 0;
  uint64_t denied = 0;
  uint64_t failed = 0;
  std::map<std::string, uint64_t> errors;
  std::vector<DestinationSummary::Denial> denials;
};

struct ListenSummary {
  Transport transport = Transport::kTcp;
  IpAddress ip;
  uint16_t port = 0;
  uint64_t allowed = 0;
  std::string allowed_by;
  uint64_t denied = 0;
  std::vector<DestinationSummary::Denial> denials;
};

struct LedgerTotals {
  uint64_t connections_attempted = 0;  // allowed outbound connects that reached the OS
  uint64_t connections_established = 0;
  uint64_t connections_failed = 0;
  uint64_t connections_denied = 0;     // denied connects, datagrams and quota refusals
  uint64_t connections_accepted = 0;   // inbound connections accepted by listeners
  uint64_t bytes_sent = 0;             // TCP
  uint64_t bytes_received = 0;         // TCP
  uint64_t datagrams_sent = 0;
  uint64_t datagrams_received = 0;
  uint64_t udp_bytes_sent = 0;
  uint64_t udp_bytes_received = 0;
  uint64_t dns_lookups = 0;
  uint64_t dns_denied = 0;
  uint64_t listens_allowed = 0;
  uint64_t listens_denied = 0;
};

struct LedgerSnapshot {
  std::vector<DestinationSummary> destinations;  // by direction, transport, IP, port, name
  std::vector<DnsSummary> dns;                   // by name
  std::vector<ListenSummary> listens;            // by transport, IP, port
  LedgerTotals totals;
};

// A guest chooses its destinations and names, so the ledger bounds how many it keeps apart.
// Past the bound, new destinations fold into one "(other)" record per direction and transport
// (key 0.0.0.0:0) and new DNS names into "(other names)": totals stay exact, only the breakdown
// coarsens.
inline constexpr std::string_view kOtherDestinations = "(other)";
inline constexpr std::string_view kOtherNames = "(other names)";

class Ledger {
 public:
  explicit Ledger(std::size_t max_destinations = 65536, std::size_t max_names = 65536)
      : max_destinations_(max_destinations), max_names_(max_names) {}
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // The record of `dest` (its name already attributed and normalised), created on first sight.
  DestinationRecord* destination(const Destination& dest);
  void count_denied(DestinationRecord* dest, const Verdict& verdict);
  // A new flow (a connect, a connected UDP socket or an accepted connection): counts an
  // attempt, allowed by `verdict.rule`, started at `now_ns`.
  FlowRecord* open_flow(DestinationRecord* dest, const Verdict& verdict, int64_t now_ns);
  // The flow carrying unconnected datagrams to `dest` (created on first use, no attempt counted),
  // with one more datagram of `bytes` counted out.
  FlowRecord* count_datagram(DestinationRecord* dest, const Verdict& verdict, uint64_t bytes,
                             int64_t now_ns);
  // The record owning `counters`, or nullptr when they are not this ledger's.
  FlowRecord* find_flow(const FlowCounters* counters) const;
  // Established, or failed (which closes the flow: returns its final state for the event).
  void connect_finished(FlowRecord* flow, bool established, int error);
  // Closes the flow (false when it was not open), folds in the kernel's view and its totals,
  // and recycles the record. `final` receives the flow's totals and start.
  bool close_flow(FlowRecord* flow, const KernelTcpCounters* kernel, FlowTotals* final,
                  int64_t* started_ns);
  // Folds in the kernel's view of a connection to `dest` that closed with `bytes_out` and
  // `bytes_in` counted by us (the cross-check, possibly long after the close). Any thread.
  void kernel_checked(DestinationRecord* dest, uint64_t bytes_out, uint64_t bytes_in,
                      const KernelTcpCounters& kernel);
  // Every open flow, for closing at the end of a run.
  std::vector<FlowRecord*> open_flows() const;
  std::size_t open_flow_count() const;

  DnsRecord* count_lookup(std::string_view name, const Verdict& verdict);
  // Counts the result; returns the record and the rule that allowed the lookup (kept from
  // count_lookup, so a policy reload in between does not change what the log says allowed it).
  DnsRecord* lookup_finished(std::string_view name, uint64_t addresses, int error,
                             std::string_view* allowed_by);

  void count_listen(Transport transport, const IpAddress& ip, uint16_t port, const Verdict& verdict);

  LedgerSnapshot snapshot() const;

 private:
  struct KeyLess {
    using is_transparent = void;
    bool operator()(const Destination& a, const Destination& b) const;
  };
  DnsRecord* dns_record(std::string_view name);  // mutex held
  FlowRecord* new_flow(DestinationRecord* dest, const Verdict& verdict, int64_t now_ns);  // mutex held

  const std::size_t max_destinations_;
  const std::size_t max_names_;
  std::size_t overflow_records_ = 0;  // not counted against max_destinations_
  mutable SpinLock mutex_;  // named for what it does: it is the ledger's mutex
  std::map<Destination, std::unique_ptr<DestinationRecord>, KeyLess> destinations_;
  std::deque<FlowRecord> flow_storage_;  // deque: growing never moves existing FlowCounters
  std::vector<FlowRecord*> free_flows_;
  FlowRecord* open_head_ = nullptr;
  std::size_t open_count_ = 0;
  std::map<std::string, std::unique_ptr<DnsRecord>, std::less<>> dns_;
  // Per-destination quota usage by (direction, transport, IP, port): the name is left empty.
  std::map<Destination, std::unique_ptr<std::atomic<uint64_t>>, KeyLess> quota_charged_;
  // By (transport, local IP, port) as a Destination with no name: ordered for reports.
  std::map<Destination, ListenRecord, KeyLess> listens_;
};

}  // namespace sluice::egress
