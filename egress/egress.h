// The egress points of one sandbox: the only interface socket code (wasi/sockets) uses to ask
// whether something may leave and to report what did.
//
// Engine-agnostic and WASI-agnostic: it speaks of transports, addresses, ports and names.
// Threading: every call comes from the sandbox's own guest thread. Hot-path counting is a plain
// add into a FlowCounters the socket holds a pointer to (single writer; readers elsewhere use
// relaxed loads), so metering costs an add per write, never a lock or a syscall. Events go into
// a bounded ring drained off the guest's thread; counters are never dropped.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::egress {

enum class Transport : uint8_t { kTcp, kUdp };
const char* to_string(Transport t);

// Outbound: the guest connects or sends. Inbound: the guest listens, or accepted a connection.
enum class Direction : uint8_t { kOutbound, kInbound };
const char* to_string(Direction d);

// An IPv4 or IPv6 address, normalised (IPv4-mapped IPv6 becomes IPv4).
struct IpAddress {
  bool is_v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 in bytes[0..3]
  uint32_t scope_id = 0;            // IPv6 zone, not part of identity for policy

  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  std::string to_string() const;
  bool operator==(const IpAddress& o) const { return is_v6 == o.is_v6 && bytes == o.bytes; }
};

// Where a flow goes. Outbound: the remote address and port, and the DNS name this sandbox
// resolved to that address, if any (attribution; the meter fills it). Inbound (an accepted
// connection): the peer's address and the local port it connected to.
struct Destination {
  Transport transport = Transport::kTcp;
  IpAddress ip;
  uint16_t port = 0;
  std::string name;
  Direction direction = Direction::kOutbound;
};

// Why a decision came out as it did. Stable: reports and logs group denials by to_string(reason).
enum class Reason : uint8_t {
  kAllowedByRule,          // an allow rule matched and no deny rule did
  kInboundAllowed,         // listening allowed by an inbound rule
  kDeniedByRule,           // a deny rule matched (a deny beats every allow)
  kNoAllowRule,            // default deny: no allow rule matches the destination
  kNoNameRule,             // a DNS lookup of a name no allow rule names
  kNoInboundRule,          // listening that no inbound rule allows
  kNameTooLong,            // DNS-exfiltration guard: the whole name is too long
  kLabelTooLong,           // DNS-exfiltration guard: one label is too long
  kConnectionRate,         // limits: connection attempts per second
  kConcurrentConnections,  // limits: open connections
  kLookupRate,             // limits: DNS lookups per second
  kByteQuota,              // limits: bytes out of the sandbox
  kDestinationByteQuota,   // limits: bytes out to one destination
};
// "allowed-by-rule", "denied-by-rule", "no-allow-rule", ... (kebab-case, stable).
const char* to_string(Reason reason);
// One sentence for people: "no allow rule matches this destination".
const char* describe(Reason reason);

// A decision. `rule` names what decided: a rule's text as written ("tcp://10.0.0.0/8:*"), the
// default ("default-deny") or a limit ("limits.connections_per_second"). It points into the
// policy, which the meter keeps alive for the sandbox's lifetime (reloads included), or at a
// static string: a Verdict is cheap to return and never allocates.
struct Verdict {
  bool allowed = false;
  Reason reason = Reason::kNoAllowRule;
  std::string_view rule;
};

// The byte quotas of one sandbox (policy limits bytes_out and bytes_out_per_destination). Owned
// by the meter; the limits change only on a policy reload. Bytes are charged when the guest hands
// them to the host (written into a stream's send buffer, or sent as a datagram), before the
// kernel sees them, so no byte past a quota ever leaves the host. Written by the guest thread
// only (charges), read anywhere: relaxed atomics, no read-modify-write.
struct ByteQuota {
  static constexpr uint64_t kUnlimited = UINT64_MAX;
  std::atomic<uint64_t> limit{kUnlimited};                  // total bytes out
  std::atomic<uint64_t> per_destination_limit{kUnlimited};  // bytes out to one destination
  std::atomic<uint64_t> charged{0};                         // total charged so far
  // Either limit is set. Charging goes on regardless (a reload that adds a quota finds the
  // usage so far), but checking costs one load while no quota is set.
  std::atomic<bool> active{false};

  // Bytes the total quota still allows; bytes the per-destination quota still allows a
  // destination that has been charged `destination_charged`.
  uint64_t total_left() const { return left(limit, charged); }
  uint64_t destination_left(const std::atomic<uint64_t>& destination_charged) const {
    return left(per_destination_limit, destination_charged);
  }

 private:
  static uint64_t left(const std::atomic<uint64_t>& limit, const std::atomic<uint64_t>& used) {
    const uint64_t l = limit.load(std::memory_order_relaxed);
    const uint64_t u = used.load(std::memory_order_relaxed);
    return l > u ? l - u : 0;
  }
};

// Counters of one flow (a TCP connection, or a UDP socket's traffic to one destination).
// Written only by the sandbox thread: add() is a relaxed load + store, not an atomic RMW.
struct FlowCounters {
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> datagrams_out{0};
  std::atomic<uint64_t> datagrams_in{0};
  // Set by the ledger that issued these counters, so it can recognise its own without a lookup.
  const void* owner = nullptr;
  // Quotas: set by the meter on every flow it counts (a reload may add quotas later); null
  // when nothing is counted. Without quotas the limits are UINT64_MAX: two loads and a compare.
  ByteQuota* quota = nullptr;
  std::atomic<uint64_t>* destination_charged = nullptr;  // this destination's bytes charged

  static void add(std::atomic<uint64_t>& counter, uint64_t n) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  // How many more bytes this flow may hand to the kernel under the quotas.
  uint64_t send_allowance() const {
    if (quota == nullptr || !quota->active.load(std::memory_order_relaxed)) {
      return ByteQuota::kUnlimited;
    }
    return std::min(quota->total_left(), quota->destination_left(*destination_charged));
  }
  // Which quota binds when send_allowance() is 0.
  bool destination_quota_binds() const {
    return quota != nullptr && quota->active.load(std::memory_order_relaxed) &&
           quota->destination_left(*destination_charged) < quota->total_left();
  }
  // Charges `n` bytes (at most send_allowance()) against the quotas.
  void charge(uint64_t n) {
    if (quota == nullptr) return;
    add(quota->charged, n);
    add(*destination_charged, n);
  }
};

// The kernel's own view of a closed TCP connection (getsockopt TCP_INFO), for the cross-check.
struct KernelTcpCounters {
  uint64_t bytes_acked = 0;     // tcpi_bytes_acked
  uint64_t bytes_sent = 0;      // tcpi_bytes_sent (includes retransmissions)
  uint64_t bytes_received = 0;  // tcpi_bytes_received
};

// A closed flow, as the kernel cross-check needs it: whose it was and what we counted.
struct ClosedFlow {
  const void* destination = nullptr;  // opaque to callers; null: nothing to check against
  uint64_t bytes_out = 0;
  uint64_t bytes_in = 0;
};

// One sandbox's egress: policy decisions, the ledger, and events. Created by the embedder,
// reached by socket code through the WASI context. Implemented in egress/ (meter.cpp etc.).
//
// Flow lifetime: counters handed out by decide_connect / decide_datagram / accepted stay valid
// until the caller reports the flow's end (connect_finished with a failure, or flow_closed);
// the caller must not touch them afterwards (the record is reused).
class Egress {
 public:
  virtual ~Egress() = default;

  // A TCP connect or a UDP socket binding a remote: decided before the OS sees anything. The
  // meter attributes the destination's name itself (Destination::name may be left empty).
  // Counts an attempt (allowed) or a denial (with the verdict's rule and reason). When allowed,
  // `*flow` is the flow's counters. `*flow` is null when denied, and also when allowed by a
  // meter that counts nothing (the benchmark's metering-off mode): callers skip their adds on
  // a null flow.
  virtual Verdict decide_connect(const Destination& dest, FlowCounters** flow) = 0;
  // A connect or datagram the socket layer refuses as malformed anyway (an IPv4-mapped or
  // unspecified remote address, a family that does not match the socket, port 0). The policy
  // judges it all the same and a denial is counted as for decide_connect, so odd spellings of a
  // denied address are counted, not silently dropped; an allowed one counts nothing (nothing
  // will leave). The guest sees access-denied for a denial, else the socket's own error.
  virtual Verdict decide_malformed(const Destination& dest) = 0;
  // The outcome of an allowed connect: established, or failed with an errno (which ends it).
  virtual void connect_finished(FlowCounters* flow, bool established, int error) = 0;
  // The flow ended (socket dropped / shut down), with the kernel's counters when the caller has
  // them. Returns what a later kernel_checked() needs (the socket layer reads TCP_INFO off the
  // guest's thread, after the flow's record has been reused).
  virtual ClosedFlow flow_closed(FlowCounters* flow, const KernelTcpCounters* kernel) = 0;
  // The kernel's view of a flow closed earlier, for the cross-check. Any thread.
  virtual void kernel_checked(const ClosedFlow& flow, const KernelTcpCounters& kernel) = 0;

  // A UDP datagram of `bytes` to `dest` (unconnected send). Decides, and when allowed counts
  // and charges it against its flow (callers do not add it again). `*flow` is that
  // destination's flow, for counting replies; null as for decide_connect.
  virtual Verdict decide_datagram(const Destination& dest, uint64_t bytes, FlowCounters** flow) = 0;

  // A send refused because a byte quota is used up (FlowCounters::send_allowance() was too
  // small): counted as a denial of the flow's destination, with an event naming the limit.
  virtual Verdict quota_refused(FlowCounters* flow) = 0;

  // A DNS lookup of `name` (before it is resolved), then its result. Resolved addresses are
  // remembered (bounded, with expiry) so later connects to them carry the name.
  virtual Verdict decide_lookup(std::string_view name) = 0;
  virtual void lookup_finished(std::string_view name, const std::vector<IpAddress>& addresses,
                               int error) = 0;

  // Listening sockets: allowed only by inbound rules. Counted per local address and port.
  virtual Verdict decide_listen(Transport transport, const IpAddress& ip, uint16_t port) = 0;
  // A connection accepted by an allowed listener: from `peer` to local port `local_port`.
  // Returns its counters (null when metering is off); end it with flow_closed.
  virtual FlowCounters* accepted(Transport transport, const IpAddress& peer, uint16_t local_port) = 0;
};

}  // namespace sluice::egress
