// wasi:sockets/udp over loopback (connected and unconnected sends counted, policy per
// destination) and wasi:sockets/ip-name-lookup (non-blocking, pollable, policy first).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "engine/runtime/sluice_rt.h"
#include "tests/wasi/sockets_support.h"
#include "wasi/sockets/name_lookup.h"
#include "wasi/sockets/udp_socket.h"

namespace sluice::wasi::testing {
namespace {

// A UDP socket on 127.0.0.1 owned by the test.
struct UdpPeer {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  uint16_t port = 0;
  UdpPeer() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) abort();
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  ~UdpPeer() { ::close(fd); }
  // One datagram, waiting up to `timeout_ms`; nullopt if none came.
  std::optional<std::string> receive(int timeout_ms = 1000) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
    char buffer[65536];
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    return std::string(buffer, static_cast<size_t>(std::max<ssize_t>(n, 0)));
  }
  void send_to(uint16_t to, std::string_view data) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(to);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&address),
             sizeof address);
  }
};

struct UdpGuest : SocketGuest {
  using SocketGuest::SocketGuest;

  uint32_t bound_socket() {
    uint32_t socket = create_udp().payload;
    EXPECT_TRUE(with_address(kUdpIf, "[method]udp-socket.start-bind", socket, loopback4(0)).ok);
    EXPECT_TRUE(method(kUdpIf, "[method]udp-socket.finish-bind", socket, 1).ok);
    return socket;
  }
  uint16_t local_port(uint32_t socket) {
    uint32_t ret = guest.alloc(40, 4);
    guest.call(kUdpIf, "[method]udp-socket.local-address", {socket, ret});
    return static_cast<uint16_t>(guest.u32(ret + 8) & 0xffff);
  }
  // stream(remote?) -> (incoming, outgoing), or the error code.
  SocketOutcome stream(uint32_t socket, std::optional<uint16_t> remote_port, uint32_t* incoming,
                       uint32_t* outgoing) {
    uint32_t ret = guest.alloc(12, 4);
    std::vector<uint64_t> args{socket, remote_port ? 1u : 0u};
    std::vector<uint64_t> address = loopback4(remote_port.value_or(0));
    args.insert(args.end(), address.begin(), address.end());
    args.push_back(ret);
    SocketOutcome out = outcome(call_with(kUdpIf, "[method]udp-socket.stream", args), ret);
    *incoming = guest.u32(ret + 4);
    *outgoing = guest.u32(ret + 8);
    return out;
  }
  // Writes a list<outgoing-datagram> (44-byte records) to guest memory.
  uint32_t datagrams(const std::vector<std::pair<std::string, std::optional<uint16_t>>>& list) {
    uint32_t base = guest.alloc(static_cast<uint32_t>(44 * list.size()), 4);
    for (size_t i = 0; i < list.size(); ++i) {
      uint32_t record = base + static_cast<uint32_t>(44 * i);
      uint32_t data = guest.put(list[i].first);
      guest.store_u32(record, data);
      guest.store_u32(record + 4, static_cast<uint32_t>(list[i].first.size()));
      guest.store_u32(record + 8, list[i].second ? 1 : 0);  // option discriminant (+ padding)
      if (list[i].second) {
        guest.store_u32(record + 12, 0);  // ipv4
        guest.store_u32(record + 16, *list[i].second);  // port: u16 at +16
        guest.store_u32(record + 18, 0x0100007f);       // 127.0.0.1: octets at +18..+21
      }
    }
    return base;
  }
  uint64_t check_send(uint32_t outgoing) {
    uint32_t ret = guest.alloc(16, 8);
    guest.call(kUdpIf, "[method]outgoing-datagram-stream.check-send", {outgoing, ret});
    EXPECT_EQ(guest.u8(ret), 0);
    return guest.u64(ret + 8);
  }
  // send: (sent count) or error.
  std::pair<bool, uint64_t> send(uint32_t outgoing, uint32_t list, uint32_t count,
                                 int* trap = nullptr) {
    uint32_t ret = guest.alloc(16, 8);
    CallOutcome call =
        guest.call(kUdpIf, "[method]outgoing-datagram-stream.send", {outgoing, list, count, ret});
    if (trap) *trap = call.trap;
    if (guest.u8(ret) != 0) return {false, guest.u8(ret + 8)};
    return {true, guest.u64(ret + 8)};
  }
};

TEST(WasiSocketsUdp, ConnectedStreamCountsBothWays) {
  FakeEgress egress(true);
  UdpPeer peer;
  UdpGuest g(&egress);
  uint32_t socket = g.bound_socket();
  uint32_t incoming = 0, outgoing = 0;
  ASSERT_TRUE(g.stream(socket, peer.port, &incoming, &outgoing).ok);
  ASSERT_EQ(egress.connects.size(), 1u);
  EXPECT_EQ(egress.connects[0].transport, egress::Transport::kUdp);
  EXPECT_EQ(egress.connects[0].port, peer.port);

  ASSERT_GE(g.check_send(outgoing), 2u);
  uint32_t list = g.datagrams({{"one", std::nullopt}, {"second", std::nullopt}});
  auto [ok, sent] = g.send(outgoing, list, 2);
  ASSERT_TRUE(ok);
  EXPECT_EQ(sent, 2u);
  EXPECT_EQ(peer.receive(), "one");
  EXPECT_EQ(peer.receive(), "second");
  egress::FlowCounters& flow = egress.flows.at(0);
  EXPECT_EQ(flow.bytes_out.load(), 9u);
  EXPECT_EQ(flow.datagrams_out.load(), 2u);

  peer.send_to(g.local_port(socket), "reply!");
  uint32_t pollable =
      g.guest.call(kUdpIf, "[method]incoming-datagram-stream.subscribe", {incoming}).i32();
  g.guest.call(kPollIf, "[method]pollable.block", {pollable});
  uint32_t ret = g.guest.alloc(12, 4);
  ASSERT_EQ(g.guest.call(kUdpIf, "[method]incoming-datagram-stream.receive", {incoming, 10, ret})
                .trap,
            0);
  ASSERT_EQ(g.guest.u8(ret), 0);
  ASSERT_EQ(g.guest.u32(ret + 8), 1u);
  uint32_t record = g.guest.u32(ret + 4);
  EXPECT_EQ(g.guest.bytes_at(record), "reply!");
  EXPECT_EQ(g.guest.u32(record + 12) & 0xffff, peer.port);  // remote-address port
  EXPECT_EQ(flow.bytes_in.load(), 6u);
  EXPECT_EQ(flow.datagrams_in.load(), 1u);

  // Sending more than check-send permitted traps: new streams start with no permit.
  uint32_t incoming2 = 0, outgoing2 = 0;
  ASSERT_TRUE(g.stream(socket, peer.port, &incoming2, &outgoing2).ok);
  int trap = 0;
  g.send(outgoing2, list, 1, &trap);
  EXPECT_EQ(trap, SLUICE_TRAP_HOST);
}

TEST(WasiSocketsUdp, UnconnectedSendsAreDecidedPerDestination) {
  FakeEgress egress(true);
  UdpPeer peer;
  UdpGuest g(&egress);
  uint32_t socket = g.bound_socket();
  uint32_t incoming = 0, outgoing = 0;
  ASSERT_TRUE(g.stream(socket, std::nullopt, &incoming, &outgoing).ok);
  EXPECT_TRUE(egress.connects.empty());
  ASSERT_GE(g.check_send(outgoing), 1u);
  uint32_t list = g.datagrams({{"ping", peer.port}});
  auto [ok, sent] = g.send(outgoing, list, 1);
  ASSERT_TRUE(ok);
  EXPECT_EQ(sent, 1u);
  EXPECT_EQ(peer.receive(), "ping");
  ASSERT_EQ(egress.datagrams.size(), 1u);
  EXPECT_EQ(egress.datagrams[0].port, peer.port);
  EXPECT_EQ(egress.datagrams[0].ip.bytes[0], 127);
  EXPECT_EQ(egress.datagram_flows[peer.port]->bytes_out.load(), 4u);

  // The reply is attributed to the flow decide_datagram returned.
  peer.send_to(g.local_port(socket), "pong");
  ::poll(nullptr, 0, 20);
  uint32_t ret = g.guest.alloc(12, 4);
  g.guest.call(kUdpIf, "[method]incoming-datagram-stream.receive", {incoming, 10, ret});
  ASSERT_EQ(g.guest.u32(ret + 8), 1u);
  EXPECT_EQ(egress.datagram_flows[peer.port]->bytes_in.load(), 4u);

  // Without a remote address an unconnected send is invalid.
  ASSERT_GE(g.check_send(outgoing), 1u);
  auto [ok2, error] = g.send(outgoing, g.datagrams({{"x", std::nullopt}}), 1);
  EXPECT_FALSE(ok2);
  EXPECT_EQ(error, kInvalidArgument);
}

TEST(WasiSocketsUdp, DeniedDestinationsGetNothing) {
  FakeEgress egress(false);
  UdpPeer peer;
  UdpGuest g(&egress);
  uint32_t socket = g.bound_socket();
  uint32_t incoming = 0, outgoing = 0;
  SocketOutcome connected = g.stream(socket, peer.port, &incoming, &outgoing);
  EXPECT_FALSE(connected.ok);
  EXPECT_EQ(connected.error, kAccessDenied);
  ASSERT_TRUE(g.stream(socket, std::nullopt, &incoming, &outgoing).ok);
  ASSERT_GE(g.check_send(outgoing), 1u);
  auto [ok, error] = g.send(outgoing, g.datagrams({{"leak", peer.port}}), 1);
  EXPECT_FALSE(ok);
  EXPECT_EQ(error, kAccessDenied);
  EXPECT_EQ(peer.receive(100), std::nullopt);
}

// Binding a chosen port listens for datagrams: policy decides, as for a TCP listener. Port 0
// (a client's bind) is not asked about.
TEST(WasiSocketsUdp, BindingAChosenPortIsListening) {
  FakeEgress denying(false);
  UdpGuest g(&denying);
  uint32_t socket = g.create_udp().payload;
  // Denied before bind(2): the port is never taken, whatever else uses it.
  SocketOutcome bound =
      g.with_address(kUdpIf, "[method]udp-socket.start-bind", socket, UdpGuest::loopback4(4242));
  EXPECT_FALSE(bound.ok);
  EXPECT_EQ(bound.error, kAccessDenied);
  EXPECT_EQ(denying.listens, std::vector<uint16_t>{4242});
  uint32_t client = g.bound_socket();  // port 0: allowed without a question
  EXPECT_NE(g.local_port(client), 0);
  EXPECT_EQ(denying.listens.size(), 1u);
}

// ---- ip-name-lookup ----

struct LookupGuest : SocketGuest {
  using SocketGuest::SocketGuest;
  SocketOutcome resolve(std::string_view name) {
    uint32_t text = guest.put(name);
    uint32_t ret = guest.alloc(8, 4);
    return outcome(guest.call(kLookupIf, "resolve-addresses",
                              {network, text, name.size(), ret}),
                   ret);
  }
  // resolve-next-address: (done, error, ip-address bytes) — result at +0, option at +2,
  // ip-address discriminant at +4, its payload at +6.
  struct Next {
    bool ok;
    uint8_t error;
    bool some;
    bool v6;
    std::vector<uint16_t> parts;
  };
  Next next(uint32_t stream) {
    uint32_t ret = guest.alloc(24, 4);
    guest.call(kLookupIf, "[method]resolve-address-stream.resolve-next-address", {stream, ret});
    Next n{guest.u8(ret) == 0, guest.u8(ret + 2), guest.u8(ret + 2) == 1, guest.u8(ret + 4) == 1,
           {}};
    if (n.ok && n.some) {
      for (uint32_t i = 0; i < (n.v6 ? 8u : 4u); ++i)
        n.parts.push_back(n.v6 ? uint16_t(guest.u8(ret + 6 + 2 * i) |
                                          guest.u8(ret + 7 + 2 * i) << 8)
                               : guest.u8(ret + 6 + i));
    }
    return n;
  }
};

TEST(WasiSocketsLookup, ResolvesLocalhostWithoutBlockingTheGuest) {
  FakeEgress egress(true);
  LookupGuest g(&egress);
  auto start = std::chrono::steady_clock::now();
  SocketOutcome started = g.resolve("localhost");
  ASSERT_TRUE(started.ok) << int(started.error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  ASSERT_EQ(egress.lookups, std::vector<std::string>{"localhost"});
  uint32_t stream = started.payload;
  uint32_t pollable =
      g.guest.call(kLookupIf, "[method]resolve-address-stream.subscribe", {stream}).i32();
  g.guest.call(kPollIf, "[method]pollable.block", {pollable});
  EXPECT_EQ(g.guest.call(kPollIf, "[method]pollable.ready", {pollable}).i32(), 1u);

  std::vector<LookupGuest::Next> addresses;
  for (;;) {
    LookupGuest::Next n = g.next(stream);
    ASSERT_TRUE(n.ok) << int(n.error);
    if (!n.some) break;
    addresses.push_back(n);
  }
  ASSERT_FALSE(addresses.empty());
  for (const auto& a : addresses) {
    if (a.v6) EXPECT_EQ(a.parts, (std::vector<uint16_t>{0, 0, 0, 0, 0, 0, 0, 1}));
    else EXPECT_EQ(a.parts[0], 127);
  }
  ASSERT_EQ(egress.lookup_results.size(), 1u);
  EXPECT_EQ(std::get<0>(egress.lookup_results[0]), "localhost");
  EXPECT_EQ(std::get<1>(egress.lookup_results[0]).size(), addresses.size());
}

TEST(WasiSocketsLookup, PollsAlongsideOtherPollables) {
  FakeEgress egress(true);
  LookupGuest g(&egress);
  SocketOutcome a = g.resolve("localhost");
  SocketOutcome b = g.resolve("localhost");
  ASSERT_TRUE(a.ok && b.ok);
  uint32_t pa = g.guest.call(kLookupIf, "[method]resolve-address-stream.subscribe", {a.payload}).i32();
  uint32_t pb = g.guest.call(kLookupIf, "[method]resolve-address-stream.subscribe", {b.payload}).i32();
  uint32_t list = g.guest.put_u32s({pa, pb});
  uint32_t ret = g.guest.alloc(8, 4);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(g.guest.call(kPollIf, "poll", {list, 2, ret}).trap, 0);
    ASSERT_GE(g.guest.u32(ret + 4), 1u);
    if (g.guest.u32(ret + 4) == 2) break;
    ::poll(nullptr, 0, 10);
  }
  EXPECT_TRUE(g.next(a.payload).ok);
  EXPECT_TRUE(g.next(b.payload).ok);
}

TEST(WasiSocketsLookup, DeniedNamesAreNeverResolved) {
  FakeEgress egress(false);
  LookupGuest g(&egress);
  SocketOutcome started = g.resolve("localhost");
  EXPECT_FALSE(started.ok);
  EXPECT_EQ(started.error, kAccessDenied);
  EXPECT_TRUE(egress.lookup_results.empty());
  LookupGuest no_egress(nullptr);
  EXPECT_EQ(no_egress.resolve("localhost").error, kAccessDenied);
}

TEST(WasiSocketsLookup, LiteralsAndInvalidNames) {
  FakeEgress egress(true);
  LookupGuest g(&egress);
  SocketOutcome literal = g.resolve("127.0.0.1");
  ASSERT_TRUE(literal.ok);
  LookupGuest::Next n = g.next(literal.payload);
  ASSERT_TRUE(n.ok && n.some);
  EXPECT_EQ(n.parts, (std::vector<uint16_t>{127, 0, 0, 1}));
  EXPECT_FALSE(g.next(literal.payload).some);
  EXPECT_TRUE(egress.lookups.empty());  // no resolver, no policy question

  EXPECT_EQ(g.resolve("bad name!").error, kInvalidArgument);
  EXPECT_EQ(g.resolve("").error, kInvalidArgument);
  EXPECT_EQ(g.resolve("a..b").error, kInvalidArgument);
}

TEST(WasiSocketsLookup, BadHandlesTrap) {
  LookupGuest g(nullptr);
  uint32_t ret = g.guest.alloc(24, 4);
  EXPECT_EQ(g.guest.call(kLookupIf, "[method]resolve-address-stream.resolve-next-address",
                         {g.network, ret}).trap,
            SLUICE_TRAP_HOST);
}

}  // namespace
}  // namespace sluice::wasi::testing
