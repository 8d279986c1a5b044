// The egress points of one sandbox: the only interface socket code (wasi/sockets) uses to ask
// whether something may leave and to report what did.
//
// Engine-agnostic and WASI-agnostic: it speaks of transports, addresses, ports and names.
// Threading: every call comes from the sandbox's own guest thread. Hot-path counting is a plain
// add into a FlowCounters the socket holds a pointer to (single writer; readers elsewhere use
// relaxed loads), so metering costs an add per write, never a lock or a syscall. Events go into
// a bounded ring drained off the guest's thread; counters are never dropped.
#pragma once

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

// An IPv4 or IPv6 address, normalised (IPv4-mapped IPv6 becomes IPv4).
struct IpAddress {
  bool is_v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 in bytes[0..3]
  uint32_t scope_id = 0;            // IPv6 zone, not part of identity for policy

  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  std::string to_string() const;
  bool operator==(const IpAddress& o) const { return is_v6 == o.is_v6 && bytes == o.bytes; }
};

struct Destination {
  Transport transport = Transport::kTcp;
  IpAddress ip;
  uint16_t port = 0;
  std::string name;  // the DNS name this sandbox resolved to `ip`, if any (attribution)
};

struct Verdict {
  bool allowed = false;
  std::string rule;    // the rule that decided ("tcp://127.0.0.1:*", "default-deny", ...)
  std::string reason;  // why, for the guest-facing log and the report
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

  static void add(std::atomic<uint64_t>& counter, uint64_t n) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

// The kernel's own view of a closed TCP connection (getsockopt TCP_INFO), for the cross-check.
struct KernelTcpCounters {
  uint64_t bytes_acked = 0;     // tcpi_bytes_acked
  uint64_t bytes_sent = 0;      // tcpi_bytes_sent (includes retransmissions)
  uint64_t bytes_received = 0;  // tcpi_bytes_received
};

// One sandbox's egress: policy decisions, the ledger, and events. Created by the embedder,
// reached by socket code through the WASI context. Implemented in egress/ (meter.cpp etc.).
class Egress {
 public:
  virtual ~Egress() = default;

  // A TCP connect or a UDP socket binding a remote: decided before the OS sees anything.
  // Counts an attempt (allowed) or a denial (with the verdict's rule and reason). When allowed,
  // returns counters for the flow, owned by the ledger and valid for the sandbox's lifetime.
  // `*flow` is null when denied, and also when allowed by a meter that counts nothing (the
  // benchmark's metering-off mode): callers skip their adds on a null flow.
  virtual Verdict decide_connect(const Destination& dest, FlowCounters** flow) = 0;
  // The outcome of an allowed connect: established, or failed with an errno.
  virtual void connect_finished(FlowCounters* flow, bool established, int error) = 0;
  // The flow ended (socket dropped / shut down). tcp_info when the kernel provided it.
  virtual void flow_closed(FlowCounters* flow, const KernelTcpCounters* kernel) = 0;

  // A UDP datagram to `dest` (unconnected send). Counts it against its flow when allowed (the
  // meter already added the datagram and its bytes: callers do not add them again). `*flow` is
  // that destination's flow, for counting replies; null as for decide_connect.
  virtual Verdict decide_datagram(const Destination& dest, uint64_t bytes, FlowCounters** flow) = 0;

  // A DNS lookup of `name` (before it is resolved), then its result. Resolved addresses are
  // remembered (bounded, with expiry) so later connects to them carry the name.
  virtual Verdict decide_lookup(std::string_view name) = 0;
  virtual void lookup_finished(std::string_view name, const std::vector<IpAddress>& addresses,
                               int error) = 0;
  // The name this sandbox last resolved to `ip` (empty if none): fills Destination::name.
  virtual std::string name_for(const IpAddress& ip) const = 0;

  // Listening sockets (ingress): allowed only with --allow-inbound.
  virtual Verdict decide_listen(Transport transport, const IpAddress& ip, uint16_t port) = 0;
};

}  // namespace sluice::egress
