// Support for the wasi:sockets tests: a fake egress::Egress that allows or denies everything and
// records every call, a loopback listener the test owns, and a guest with socket helpers that
// make the canonical-ABI calls (flat arguments, results in guest memory).
//
// Loopback only: nothing here ever addresses anything outside 127.0.0.0/8 and ::1.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "egress/egress.h"
#include "tests/wasi/guest_harness.h"
#include "tests/wasi/test_fds.h"
#include "wasi/io/pollable.h"
#include "wasi/sockets/socket_reaper.h"

namespace sluice::wasi::testing {

class FakeEgress final : public egress::Egress {
 public:
  static constexpr egress::Verdict kDenied{false, egress::Reason::kNoAllowRule, "default-deny"};
  static constexpr egress::Verdict kAllowed{true, egress::Reason::kAllowedByRule, "allow-all"};

  explicit FakeEgress(bool allow) : allow_(allow) {}
  // The socket reaper may still report kernel counters to us: let it finish first.
  ~FakeEgress() override { SocketReaper::drain(); }

  struct Finished {
    egress::FlowCounters* flow;
    bool established;
    int error;
  };
  struct Closed {
    egress::FlowCounters* flow;
    std::optional<egress::KernelTcpCounters> kernel;
  };

  egress::Verdict decide_connect(const egress::Destination& dest,
                                 egress::FlowCounters** flow) override {
    connects.push_back(dest);
    if (!allow_) return kDenied;
    *flow = metering_off ? nullptr : &flows.emplace_back();
    return kAllowed;
  }
  void connect_finished(egress::FlowCounters* flow, bool established, int error) override {
    finished.push_back({flow, established, error});
  }
  // The flow itself is the cross-check token; kernel_checked() (the socket reaper's thread)
  // fills in the kernel's view. Call wasi::SocketReaper::drain() before reading it.
  egress::ClosedFlow flow_closed(egress::FlowCounters* flow,
                                 const egress::KernelTcpCounters* kernel) override {
    std::lock_guard lock(closed_mutex);
    closed.push_back({flow, kernel ? std::optional(*kernel) : std::nullopt});
    return {flow, flow->bytes_out.load(), flow->bytes_in.load()};
  }
  void kernel_checked(const egress::ClosedFlow& flow, const egress::KernelTcpCounters& kernel) override {
    std::lock_guard lock(closed_mutex);
    for (Closed& c : closed) {
      if (c.flow == flow.destination) c.kernel = kernel;
    }
  }
  egress::Verdict decide_datagram(const egress::Destination& dest, uint64_t bytes,
                                  egress::FlowCounters** flow) override {
    datagrams.push_back(dest);
    if (!allow_) return kDenied;
    // One flow per destination port (the tests only use 127.0.0.1); counted here, as the real
    // ledger does.
    egress::FlowCounters*& counters = datagram_flows[dest.port];
    if (counters == nullptr) counters = &flows.emplace_back();
    egress::FlowCounters::add(counters->bytes_out, bytes);
    egress::FlowCounters::add(counters->datagrams_out, 1);
    *flow = counters;
    return kAllowed;
  }
  egress::Verdict decide_lookup(std::string_view name) override {
    lookups.emplace_back(name);
    if (!allow_) return kDenied;
    return kAllowed;
  }
  void lookup_finished(std::string_view name, const std::vector<egress::IpAddress>& addresses,
                       int error) override {
    lookup_results.push_back({std::string(name), addresses, error});
  }
  egress::Verdict decide_malformed(const egress::Destination& dest) override {
    malformed.push_back(dest);
    return allow_ ? kAllowed : kDenied;
  }
  egress::Verdict quota_refused(egress::FlowCounters* flow) override {
    quota_refusals.push_back(flow);
    return {false, egress::Reason::kByteQuota, "limits.bytes_out"};
  }
  egress::FlowCounters* accepted(egress::Transport, const egress::IpAddress&,
                                 uint16_t local_port) override {
    accepted_ports.push_back(local_port);
    return metering_off ? nullptr : &flows.emplace_back();
  }
  egress::Verdict decide_listen(egress::Transport, const egress::IpAddress&,
                                uint16_t port) override {
    listens.push_back(port);
    if (!allow_) return kDenied;
    return kAllowed;
  }

  std::deque<egress::FlowCounters> flows;  // deque: stable addresses
  std::vector<egress::Destination> connects;
  std::vector<Finished> finished;
  std::vector<Closed> closed;  // guarded by closed_mutex while a reaper may run
  std::mutex closed_mutex;
  std::vector<egress::Destination> datagrams;
  std::map<uint16_t, egress::FlowCounters*> datagram_flows;
  std::vector<std::string> lookups;
  std::vector<std::tuple<std::string, std::vector<egress::IpAddress>, int>> lookup_results;
  std::vector<uint16_t> listens;
  std::vector<egress::FlowCounters*> quota_refusals;
  std::vector<uint16_t> accepted_ports;
  std::vector<egress::Destination> malformed;
  // Allow without counters, as a meter in metering-off mode does.
  bool metering_off = false;

 private:
  bool allow_;
};

// A TCP listener on 127.0.0.1 with an ephemeral port, driven by the test itself.
class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) abort();
    if (::listen(fd_, 16) != 0) abort();
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  uint16_t port() const { return port_; }
  // Whether a connection is waiting to be accepted (within `timeout_ms`).
  bool has_pending(int timeout_ms = 0) const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) > 0;
  }
  // Accepts one connection (blocking); returns its fd.
  int accept_one() const { return ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC); }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// Reads `fd` until end of stream.
inline std::string read_to_end(int fd) {
  std::string out;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) return out;
    out.append(buffer, static_cast<size_t>(n));
  }
}

inline void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n <= 0) abort();
    text.remove_prefix(static_cast<size_t>(n));
  }
}

inline constexpr std::string_view kNetworkIf = "wasi:sockets/network@0.2.12";
inline constexpr std::string_view kInstanceNetworkIf = "wasi:sockets/instance-network@0.2.12";
inline constexpr std::string_view kTcpCreateIf = "wasi:sockets/tcp-create-socket@0.2.12";
inline constexpr std::string_view kTcpIf = "wasi:sockets/tcp@0.2.12";
inline constexpr std::string_view kUdpCreateIf = "wasi:sockets/udp-create-socket@0.2.12";
inline constexpr std::string_view kUdpIf = "wasi:sockets/udp@0.2.12";
inline constexpr std::string_view kLookupIf = "wasi:sockets/ip-name-lookup@0.2.12";
inline constexpr std::string_view kStreamsIf = "wasi:io/streams@0.2.12";
inline constexpr std::string_view kPollIf = "wasi:io/poll@0.2.12";

// error-code cases the tests look for.
inline constexpr uint8_t kAccessDenied = 1;
inline constexpr uint8_t kInvalidArgument = 3;
inline constexpr uint8_t kNotInProgress = 7;
inline constexpr uint8_t kWouldBlock = 8;
inline constexpr uint8_t kInvalidState = 9;
inline constexpr uint8_t kConnectionRefused = 14;

// A result<_, error-code> or result<handle, error-code> read back from guest memory.
struct SocketOutcome {
  bool ok = false;
  uint8_t error = 0;     // when !ok
  uint32_t payload = 0;  // first payload word when ok (a handle)
  int trap = 0;
};

struct SocketGuest {
  explicit SocketGuest(egress::Egress* egress) {
    wasi.set_egress(egress);
    network = guest.call(kInstanceNetworkIf, "instance-network", {}).i32();
  }

  // Flat ip-socket-address for 127.0.0.1:port (12 slots: discriminant + the widest case).
  static std::vector<uint64_t> loopback4(uint16_t port) {
    std::vector<uint64_t> flat(12, 0);
    flat[0] = 0;  // ipv4
    flat[1] = port;
    flat[2] = 127;
    flat[5] = 1;
    return flat;
  }
  static std::vector<uint64_t> loopback6(uint16_t port) {
    std::vector<uint64_t> flat(12, 0);
    flat[0] = 1;  // ipv6
    flat[1] = port;
    flat[10] = 1;  // ::1
    return flat;
  }

  // result<T, error-code> at `ret` whose payload sits at offset `payload_offset`.
  SocketOutcome outcome(const CallOutcome& call, uint32_t ret, uint32_t payload_offset = 4) {
    SocketOutcome out;
    out.trap = call.trap;
    if (call.trap != 0) return out;
    out.ok = guest.u8(ret) == 0;
    if (out.ok) out.payload = guest.u32(ret + payload_offset);
    else out.error = guest.u8(ret + payload_offset);
    return out;
  }

  CallOutcome call_with(std::string_view interface, std::string_view name,
                        std::vector<uint64_t> args) {
    // FakeGuest::call takes an initializer_list; spell out the widest call shapes we need.
    args.resize(16, 0);
    return guest.call(interface, name,
                      {args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7],
                       args[8], args[9], args[10], args[11], args[12], args[13], args[14],
                       args[15]});
  }

  SocketOutcome create_tcp(uint32_t family = 0) {
    uint32_t ret = guest.alloc(8, 4);
    return outcome(guest.call(kTcpCreateIf, "create-tcp-socket", {family, ret}), ret);
  }
  SocketOutcome create_udp(uint32_t family = 0) {
    uint32_t ret = guest.alloc(8, 4);
    return outcome(guest.call(kUdpCreateIf, "create-udp-socket", {family, ret}), ret);
  }

  // start-connect / start-bind: (self, network, address..., retptr); result<_, error-code>.
  SocketOutcome with_address(std::string_view interface, std::string_view name, uint32_t socket,
                             const std::vector<uint64_t>& address) {
    uint32_t ret = guest.alloc(4, 1);
    std::vector<uint64_t> args{socket, network};
    args.insert(args.end(), address.begin(), address.end());
    args.push_back(ret);
    return outcome(call_with(interface, name, args), ret, 1);
  }

  // A method (self, retptr) returning result<_, error-code> or result<handle..., error-code>.
  SocketOutcome method(std::string_view interface, std::string_view name, uint32_t self,
                       uint32_t payload_offset = 4) {
    uint32_t ret = guest.alloc(16, 8);
    return outcome(guest.call(interface, name, {self, ret}), ret, payload_offset);
  }

  // Connects a new TCP socket to 127.0.0.1:port, waiting on its pollable; returns
  // (socket, input, output) or fails the test.
  std::tuple<uint32_t, uint32_t, uint32_t> connect_tcp(uint16_t port) {
    uint32_t socket = create_tcp().payload;
    SocketOutcome started = with_address(kTcpIf, "[method]tcp-socket.start-connect", socket,
                                         loopback4(port));
    EXPECT_TRUE(started.ok) << int(started.error);
    uint32_t pollable = guest.call(kTcpIf, "[method]tcp-socket.subscribe", {socket}).i32();
    for (;;) {
      uint32_t ret = guest.alloc(16, 4);
      CallOutcome call = guest.call(kTcpIf, "[method]tcp-socket.finish-connect", {socket, ret});
      EXPECT_EQ(call.trap, 0) << call.message;
      if (guest.u8(ret) == 0) {
        guest.table().drop(pollable, component::resource_type_of<Pollable>());
        return {socket, guest.u32(ret + 4), guest.u32(ret + 8)};
      }
      EXPECT_EQ(guest.u8(ret + 4), kWouldBlock);
      if (guest.u8(ret + 4) != kWouldBlock) return {socket, 0, 0};
      guest.call("wasi:io/poll@0.2.12", "[method]pollable.block", {pollable});
    }
  }

  uint64_t check_write(uint32_t output) {
    uint32_t ret = guest.alloc(16, 8);
    EXPECT_EQ(guest.call(kStreamsIf, "[method]output-stream.check-write", {output, ret}).trap, 0);
    EXPECT_EQ(guest.u8(ret), 0);
    return guest.u64(ret + 8);
  }

  // result<_, stream-error>: true when ok.
  bool stream_ok(std::string_view name, std::initializer_list<uint64_t> args, uint32_t ret) {
    CallOutcome call = guest.call(kStreamsIf, name, args);
    EXPECT_EQ(call.trap, 0) << call.message;
    return call.trap == 0 && guest.u8(ret) == 0;
  }

  template <typename R>
  void drop(uint32_t handle) {
    guest.table().drop(handle, component::resource_type_of<R>());
  }

  WasiCtx wasi;
  FakeGuest guest{wasi};
  uint32_t network = 0;
};

}  // namespace sluice::wasi::testing
