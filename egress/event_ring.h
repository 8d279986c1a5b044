// A bounded single-producer, single-consumer ring of egress events.
//
// The producer is the sandbox's guest thread: push() never blocks and never allocates (events
// are fixed-size and point at ledger records instead of copying names). When the consumer falls
// behind, the event is dropped and counted; the ledger's counters are unaffected, so a report is
// always complete even when the event log is not. The consumer (a drain thread, or the embedder
// at exit) is one thread at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "egress/ledger.h"

namespace sluice::egress {

struct Event {
  enum class Kind : uint8_t {
    kAttempt,      // allowed connect handed to the OS
    kEstablished,
    kFailed,       // connect failed: `error`, `rule`, `start_ns` (it ends the flow: no kClosed)
    kDenied,       // connect, datagram or send (quota) denied by policy: `reason`, `rule`
    kAccepted,     // inbound connection accepted by a listener
    kClosed,       // flow ended: totals, start, duration
    kDnsLookup,    // allowed lookup finished: `addresses`, `error` (an EAI code)
    kDnsDenied,
    kListen,       // listen allowed or denied: `listen_*`, `reason`, `rule`
  };

  Kind kind = Kind::kAttempt;
  Reason reason = Reason::kAllowedByRule;
  int error = 0;
  uint32_t addresses = 0;
  // Ledger records (immutable parts only are read by consumers); one of the two is set, except
  // for kListen, which carries its address itself.
  const DestinationRecord* destination = nullptr;
  const DnsRecord* dns = nullptr;
  // What decided (a rule's text, a limit or "default-deny"): points into a policy the meter
  // keeps alive, or at a static string.
  std::string_view rule;
  int64_t at_ns = 0;     // steady clock (timestamp.h) when it happened (kClosed: the end)
  int64_t start_ns = 0;  // kClosed: when the flow was opened
  uint64_t bytes_out = 0;
  uint64_t bytes_in = 0;
  uint64_t datagrams_out = 0;
  uint64_t datagrams_in = 0;
  // kListen
  Transport listen_transport = Transport::kTcp;
  uint16_t listen_port = 0;
  IpAddress listen_ip;
};

class EventRing {
 public:
  // Capacity is rounded up to a power of two (at least 2). Allocates once, here.
  explicit EventRing(std::size_t capacity = 4096);
  EventRing(const EventRing&) = delete;
  EventRing& operator=(const EventRing&) = delete;

  // Producer only. False (and one more dropped) when the ring is full.
  bool push(const Event& event) noexcept;
  // Consumer only. Hands every available event to `sink`, oldest first; returns how many.
  std::size_t drain(const std::function<void(const Event&)>& sink);

  uint64_t recorded() const { return recorded_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::size_t capacity() const { return mask_ + 1; }

 private:
  std::unique_ptr<Event[]> slots_;
  std::size_t mask_;
  // Separate cache lines: the producer writes head_, the consumer tail_.
  alignas(64) std::atomic<uint64_t> head_{0};  // next slot to write
  alignas(64) std::atomic<uint64_t> tail_{0};  // next slot to read
  alignas(64) std::atomic<uint64_t> recorded_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace sluice::egress
