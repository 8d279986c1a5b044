// The ledger of one sandbox: what it tried to reach and what moved, per destination.
//
// A destination is (transport, IP, port, attributed DNS name). Records live in stable storage
// (unique_ptr / deque) for the ledger's lifetime, so socket code can hold a FlowCounters* and the
// event consumer can hold record pointers without copies. A record's key and verdict fields are
// immutable after creation (safe to read from any thread); its counts are guarded by the ledger's
// mutex, which the guest thread takes only on connect/close/lookup, never per byte. Byte counts
// live in FlowCounters (single writer, relaxed atomics) and are summed when a snapshot is taken.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "egress/egress.h"

namespace sluice::egress {

// "ECONNREFUSED" for ECONNREFUSED; "E<number>" for numbers the C library has no name for.
std::string errno_name(int error);

// The kernel's totals over the closed TCP connections of one destination that reported TCP_INFO.
struct KernelTotals {
  uint64_t bytes_acked = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t connections_checked = 0;
  // Some checked connection disagreed: our bytes_out != bytes_acked, or bytes_in != bytes_received.
  bool mismatch = false;
};

struct FlowRecord;

struct DestinationRecord {
  DestinationRecord(Destination k, const Verdict& v)
      : key(std::move(k)), allowed(v.allowed), rule(v.rule), reason(v.reason) {}

  // Immutable: the policy is fixed for a sandbox, so a destination always gets the same verdict.
  const Destination key;
  const bool allowed;
  const std::string rule;
  const std::string reason;

  // Guarded by the ledger's mutex.
  uint64_t attempts = 0;
  uint64_t established = 0;
  uint64_t denied = 0;
  std::map<std::string, uint64_t> failed;  // by errno name
  KernelTotals kernel;
  std::vector<const FlowRecord*> flows;
  FlowRecord* datagram_flow = nullptr;  // UDP: one flow carries all unconnected sends to here
};

struct FlowRecord {
  FlowCounters counters;  // the socket's hot-path target
  DestinationRecord* destination = nullptr;
  std::chrono::system_clock::time_point started_at;  // wall clock, for logs
  std::chrono::steady_clock::time_point started;     // for durations
  bool closed = false;                               // guarded by the ledger's mutex
  int error = 0;                                     // connect errno, 0 if none
};

struct DnsRecord {
  explicit DnsRecord(std::string n) : name(std::move(n)) {}
  const std::string name;
  uint64_t lookups = 0;    // allowed lookups
  uint64_t addresses = 0;  // addresses returned, summed over lookups
  uint64_t denied = 0;
  uint64_t failed = 0;     // allowed lookups that returned an error
};

// Plain copies for exporters: taken under the mutex, then read without it.
struct DestinationSummary {
  Destination key;
  bool allowed = false;
  std::string rule;
  std::string reason;
  uint64_t attempts = 0;
  uint64_t established = 0;
  uint64_t denied = 0;
  std::map<std::string, uint64_t> failed;
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
};

struct LedgerTotals {
  uint64_t connections_attempted = 0;  // allowed connects that reached the OS
  uint64_t connections_established = 0;
  uint64_t connections_failed = 0;
  uint64_t connections_denied = 0;     // denied connects and denied datagrams
  uint64_t bytes_sent = 0;             // TCP
  uint64_t bytes_received = 0;         // TCP
  uint64_t datagrams_sent = 0;
  uint64_t datagrams_received = 0;
  uint64_t udp_bytes_sent = 0;
  uint64_t udp_bytes_received = 0;
  uint64_t dns_lookups = 0;
  uint64_t dns_denied = 0;
};

struct LedgerSnapshot {
  std::vector<DestinationSummary> destinations;  // ordered by transport, IP, port, name
  std::vector<DnsSummary> dns;                   // ordered by name
  LedgerTotals totals;
};

// A guest chooses its destinations and names, so the ledger bounds how many it keeps apart.
// Past the bound, new destinations fold into one "(other allowed)" / "(other denied)" record per
// transport (key 0.0.0.0:0) and new DNS names into "(other names)": totals stay exact, only the
// breakdown coarsens.
inline constexpr std::string_view kOtherAllowed = "(other allowed)";
inline constexpr std::string_view kOtherDenied = "(other denied)";
inline constexpr std::string_view kOtherNames = "(other names)";
inline constexpr std::string_view kVarious = "(various)";

class Ledger {
 public:
  explicit Ledger(std::size_t max_destinations = 65536, std::size_t max_names = 65536)
      : max_destinations_(max_destinations), max_names_(max_names) {}
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // The record of `dest`, created on first sight with `verdict`.
  DestinationRecord* destination(const Destination& dest, const Verdict& verdict);
  void count_denied(DestinationRecord* dest);
  // A new flow (a connect, or a connected UDP socket): counts an attempt.
  FlowRecord* open_flow(DestinationRecord* dest);
  // The flow carrying unconnected datagrams to `dest` (created on first use, no attempt counted),
  // with one more datagram of `bytes` counted out.
  FlowRecord* count_datagram(DestinationRecord* dest, uint64_t bytes);
  // The record owning `counters`, or nullptr when they are not this ledger's.
  FlowRecord* find_flow(const FlowCounters* counters) const;
  void connect_finished(FlowRecord* flow, bool established, int error);
  // Marks the flow closed (returns false when it already was) and folds in the kernel's view.
  bool close_flow(FlowRecord* flow, const KernelTcpCounters* kernel);
  std::vector<FlowRecord*> open_flows();

  DnsRecord* count_lookup(std::string_view name, bool denied);
  DnsRecord* lookup_finished(std::string_view name, uint64_t addresses, int error);

  LedgerSnapshot snapshot() const;

 private:
  struct KeyLess {
    bool operator()(const Destination& a, const Destination& b) const;
  };
  DnsRecord* dns_record(std::string_view name);  // mutex held

  const std::size_t max_destinations_;
  const std::size_t max_names_;
  std::size_t overflow_records_ = 0;  // not counted against max_destinations_
  mutable std::mutex mutex_;
  std::map<Destination, std::unique_ptr<DestinationRecord>, KeyLess> destinations_;
  std::deque<FlowRecord> flows_;  // deque: growing never moves existing FlowCounters
  std::map<std::string, std::unique_ptr<DnsRecord>, std::less<>> dns_;
};

}  // namespace sluice::egress
