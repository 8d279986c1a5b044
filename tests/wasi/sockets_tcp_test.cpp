// wasi:sockets/tcp over loopback: every write path counted where the kernel takes the bytes,
// reads counted, TCP_INFO handed over at close, policy asked before any OS connect, errors
// mapped, several sockets polled at once, bad handles trapping.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "engine/runtime/sluice_rt.h"
#include "tests/wasi/sockets_support.h"
#include "wasi/sockets/socket_reaper.h"
#include "wasi/io/streams.h"
#include "wasi/sockets/tcp_socket.h"

namespace sluice::wasi::testing {
namespace {

// Reads exactly `n` bytes from a blocking fd.
std::string read_exactly(int fd, size_t n) {
  std::string out;
  char buffer[65536];
  while (out.size() < n) {
    ssize_t got = ::read(fd, buffer, std::min(sizeof buffer, n - out.size()));
    if (got <= 0) break;
    out.append(buffer, static_cast<size_t>(got));
  }
  return out;
}

TEST(WasiSocketsTcp, EveryWritePathIsCountedAndTcpInfoReportedAtClose) {
  FakeEgress egress(true);
  LoopbackListener listener;
  Pipe stdin_pipe;
  SocketGuest g(&egress);
  g.wasi.set_stdin(HostFd::adopt(stdin_pipe.take_read()));

  auto [socket, input, output] = g.connect_tcp(listener.port());
  ASSERT_NE(output, 0u);
  int server = listener.accept_one();
  ASSERT_GE(server, 0);

  ASSERT_EQ(egress.connects.size(), 1u);
  EXPECT_EQ(egress.connects[0].transport, egress::Transport::kTcp);
  EXPECT_EQ(egress.connects[0].port, listener.port());
  EXPECT_FALSE(egress.connects[0].ip.is_v6);
  EXPECT_EQ(egress.connects[0].ip.bytes[0], 127);
  ASSERT_EQ(egress.finished.size(), 1u);
  EXPECT_TRUE(egress.finished[0].established);
  egress::FlowCounters& flow = egress.flows.at(0);

  uint32_t ret = g.guest.alloc(16, 8);
  // write
  ASSERT_GE(g.check_write(output), 5u);
  uint32_t hello = g.guest.put("hello");
  EXPECT_TRUE(g.stream_ok("[method]output-stream.write", {output, hello, 5, ret}, ret));
  // blocking-write-and-flush
  std::string block(4096, 'a');
  uint32_t block_ptr = g.guest.put(block);
  EXPECT_TRUE(g.stream_ok("[method]output-stream.blocking-write-and-flush",
                          {output, block_ptr, block.size(), ret}, ret));
  // write-zeroes
  ASSERT_GE(g.check_write(output), 100u);
  EXPECT_TRUE(g.stream_ok("[method]output-stream.write-zeroes", {output, 100, ret}, ret));
  // blocking-write-zeroes-and-flush
  EXPECT_TRUE(
      g.stream_ok("[method]output-stream.blocking-write-zeroes-and-flush", {output, 50, ret}, ret));
  // blocking-splice from stdin
  uint32_t stdin_handle = g.guest.call("wasi:cli/stdin@0.2.12", "get-stdin", {}).i32();
  stdin_pipe.write_all("spliced!");
  EXPECT_TRUE(
      g.stream_ok("[method]output-stream.blocking-splice", {output, stdin_handle, 8, ret}, ret));
  EXPECT_EQ(g.guest.u64(ret + 8), 8u);
  EXPECT_TRUE(g.stream_ok("[method]output-stream.blocking-flush", {output, ret}, ret));

  const size_t total = 5 + 4096 + 100 + 50 + 8;
  std::string received = read_exactly(server, total);
  EXPECT_EQ(received, "hello" + block + std::string(150, '\0') + "spliced!");
  EXPECT_EQ(flow.bytes_out.load(), total);
  EXPECT_EQ(flow.bytes_in.load(), 0u);

  // The flow stays open while any of socket, input and output lives.
  g.drop<OutputStream>(output);
  g.drop<TcpSocket>(socket);
  EXPECT_TRUE(egress.closed.empty());
  g.drop<InputStream>(input);
  SocketReaper::drain();
  ASSERT_EQ(egress.closed.size(), 1u);
  EXPECT_EQ(egress.closed[0].flow, &flow);
  ASSERT_TRUE(egress.closed[0].kernel.has_value());
  EXPECT_EQ(egress.closed[0].kernel->bytes_sent, total);  // loopback: no retransmissions
  // tcpi_bytes_acked also counts the SYN's sequence number (and a FIN's, once acknowledged).
  EXPECT_LE(egress.closed[0].kernel->bytes_acked, total + 1);
  EXPECT_EQ(egress.closed[0].kernel->bytes_received, 0u);
  EXPECT_EQ(read_to_end(server), "");  // the peer sees the end of the connection
  ::close(server);
}

TEST(WasiSocketsTcp, LargeWritesAreBufferedNotLostAndCountedWhenSent) {
  FakeEgress egress(true);
  LoopbackListener listener;
  SocketGuest g(&egress);
  auto [socket, input, output] = g.connect_tcp(listener.port());
  int server = listener.accept_one();
  // The server reads only when the guest is out of permit, so the kernel's buffers fill up and
  // writes must be held in the host until the kernel takes them.

  const size_t chunks = 200;  // 200 permits of up to 64 KiB: well past the kernel's buffers
  uint64_t written = 0;
  uint64_t permit_waits = 0;
  uint32_t ret = g.guest.alloc(16, 8);
  std::string received;
  // One guest buffer reused for every chunk: the fake guest's memory is only 1 MiB.
  uint32_t chunk_ptr = g.guest.alloc(65536, 1);
  uint32_t pollable = g.guest.call(kStreamsIf, "[method]output-stream.subscribe", {output}).i32();
  for (size_t i = 0; i < chunks;) {
    uint64_t permit = g.check_write(output);
    if (permit == 0) {
      ++permit_waits;
      // Drain the server side a little so the guest can progress.
      char buffer[65536];
      ssize_t n = ::recv(server, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) received.append(buffer, static_cast<size_t>(n));
      g.guest.call(kPollIf, "[method]pollable.ready", {pollable});
      continue;
    }
    size_t size = static_cast<size_t>(std::min<uint64_t>(permit, 65536));
    ASSERT_TRUE(
        g.stream_ok("[method]output-stream.write", {output, chunk_ptr, size, ret}, ret));
    written += size;
    ++i;
  }
  // Flush in steps, reading as we go (blocking-flush would wait for the test's own reads).
  std::string rest;
  for (;;) {
    ASSERT_TRUE(g.stream_ok("[method]output-stream.flush", {output, ret}, ret));
    char buffer[65536];
    ssize_t n = ::recv(server, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) received.append(buffer, static_cast<size_t>(n));
    if (g.check_write(output) > 0 && received.size() == written) break;
    if (n <= 0) ::poll(nullptr, 0, 1);
  }
  EXPECT_EQ(received.size(), written);
  EXPECT_GT(permit_waits, 0u);  // the host did have to hold bytes back
  EXPECT_EQ(egress.flows.at(0).bytes_out.load(), written);
  g.drop<Pollable>(pollable);
  g.drop<OutputStream>(output);
  g.drop<InputStream>(input);
  g.drop<TcpSocket>(socket);
  ::close(server);
}

TEST(WasiSocketsTcp, ReadsAreCountedAndKernelReceivedBytesReported) {
  FakeEgress egress(true);
  LoopbackListener listener;
  SocketGuest g(&egress);
  auto [socket, input, output] = g.connect_tcp(listener.port());
  int server = listener.accept_one();
  std::string response(10000, 'r');
  write_all(server, response);
  ::shutdown(server, SHUT_WR);

  std::string got;
  uint32_t ret = g.guest.alloc(16, 4);
  for (;;) {
    CallOutcome call =
        g.guest.call(kStreamsIf, "[method]input-stream.blocking-read", {input, 65536, ret});
    ASSERT_EQ(call.trap, 0) << call.message;
    if (g.guest.u8(ret) != 0) break;  // closed
    got += g.guest.bytes_at(ret + 4);
  }
  EXPECT_EQ(got, response);
  EXPECT_EQ(egress.flows.at(0).bytes_in.load(), response.size());

  g.drop<InputStream>(input);
  g.drop<OutputStream>(output);
  g.drop<TcpSocket>(socket);
  SocketReaper::drain();
  ASSERT_EQ(egress.closed.size(), 1u);
  ASSERT_TRUE(egress.closed[0].kernel.has_value());
  // tcpi_bytes_received also counts the peer's FIN.
  EXPECT_GE(egress.closed[0].kernel->bytes_received, response.size());
  EXPECT_LE(egress.closed[0].kernel->bytes_received, response.size() + 1);
  ::close(server);
}

TEST(WasiSocketsTcp, ShutdownSendDeliversWrittenBytesFirst) {
  FakeEgress egress(true);
  LoopbackListener listener;
  SocketGuest g(&egress);
  auto [socket, input, output] = g.connect_tcp(listener.port());
  int server = listener.accept_one();
  uint32_t ret = g.guest.alloc(16, 8);
  ASSERT_GE(g.check_write(output), 3u);
  EXPECT_TRUE(g.stream_ok("[method]output-stream.write", {output, g.guest.put("abc"), 3, ret}, ret));
  ASSERT_EQ(g.guest.call(kTcpIf, "[method]tcp-socket.shutdown", {socket, 1, ret}).trap, 0);
  EXPECT_EQ(g.guest.u8(ret), 0);
  EXPECT_EQ(read_to_end(server), "abc");  // EOF while the socket is still open
  // Writing after shutdown(send) reports the stream closed.
  uint64_t permit = 0;
  {
    uint32_t cw = g.guest.alloc(16, 8);
    g.guest.call(kStreamsIf, "[method]output-stream.check-write", {output, cw});
    if (g.guest.u8(cw) == 0) permit = g.guest.u64(cw + 8);
  }
  if (permit > 0) {
    EXPECT_FALSE(
        g.stream_ok("[method]output-stream.write", {output, g.guest.put("x"), 1, ret}, ret));
  }
  EXPECT_EQ(egress.flows.at(0).bytes_out.load(), 3u);
  ::close(server);
  (void)input;
}

TEST(WasiSocketsTcp, AllowedWithoutCountersWhenMeteringIsOff) {
  FakeEgress egress(true);
  egress.metering_off = true;
  LoopbackListener listener;
  SocketGuest g(&egress);
  auto [socket, input, output] = g.connect_tcp(listener.port());
  int server = listener.accept_one();
  uint32_t ret = g.guest.alloc(16, 8);
  EXPECT_TRUE(g.stream_ok("[method]output-stream.blocking-write-and-flush",
                          {output, g.guest.put("abc"), 3, ret}, ret));
  g.drop<OutputStream>(output);
  g.drop<InputStream>(input);
  g.drop<TcpSocket>(socket);
  EXPECT_EQ(read_to_end(server), "abc");
  EXPECT_TRUE(egress.finished.empty());  // nothing to report about a flow that has no counters
  EXPECT_TRUE(egress.closed.empty());
  ::close(server);
}

TEST(WasiSocketsTcp, ConnectToClosedPortIsRefusedAndReported) {
  uint16_t port;
  {
    LoopbackListener closed_soon;
    port = closed_soon.port();
  }
  FakeEgress egress(true);
  SocketGuest g(&egress);
  uint32_t socket = g.create_tcp().payload;
  SocketOutcome started =
      g.with_address(kTcpIf, "[method]tcp-socket.start-connect", socket, SocketGuest::loopback4(port));
  if (started.ok) {
    uint32_t pollable = g.guest.call(kTcpIf, "[method]tcp-socket.subscribe", {socket}).i32();
    g.guest.call(kPollIf, "[method]pollable.block", {pollable});
    SocketOutcome finished = g.method(kTcpIf, "[method]tcp-socket.finish-connect", socket);
    EXPECT_FALSE(finished.ok);
    EXPECT_EQ(finished.error, kConnectionRefused);
  } else {
    EXPECT_EQ(started.error, kConnectionRefused);
  }
  ASSERT_EQ(egress.finished.size(), 1u);
  EXPECT_FALSE(egress.finished[0].established);
  EXPECT_EQ(egress.finished[0].error, ECONNREFUSED);
  // A failed socket cannot connect again.
  EXPECT_EQ(g.with_address(kTcpIf, "[method]tcp-socket.start-connect", socket,
                           SocketGuest::loopback4(port)).error,
            kInvalidState);
  g.drop<TcpSocket>(socket);
  EXPECT_TRUE(egress.closed.empty());
}

TEST(WasiSocketsTcp, DeniedConnectNeverReachesTheOs) {
  FakeEgress egress(false);
  LoopbackListener listener;
  SocketGuest g(&egress);
  uint32_t socket = g.create_tcp().payload;
  SocketOutcome started = g.with_address(kTcpIf, "[method]tcp-socket.start-connect", socket,
                                         SocketGuest::loopback4(listener.port()));
  EXPECT_FALSE(started.ok);
  EXPECT_EQ(started.error, kAccessDenied);
  EXPECT_EQ(egress.connects.size(), 1u);
  EXPECT_TRUE(egress.finished.empty());
  EXPECT_FALSE(listener.has_pending(100));
  EXPECT_EQ(g.method(kTcpIf, "[method]tcp-socket.finish-connect", socket).error, kNotInProgress);
}

TEST(WasiSocketsTcp, NoEgressDeniesEverything) {
  LoopbackListener listener;
  SocketGuest g(nullptr);
  uint32_t socket = g.create_tcp().payload;
  EXPECT_EQ(g.with_address(kTcpIf, "[method]tcp-socket.start-connect", socket,
                           SocketGuest::loopback4(listener.port())).error,
            kAccessDenied);
  EXPECT_FALSE(listener.has_pending(50));
}

TEST(WasiSocketsTcp, InvalidRemoteAddresses) {
  FakeEgress egress(true);
  SocketGuest g(&egress);
  uint32_t socket = g.create_tcp().payload;
  // port 0
  EXPECT_EQ(g.with_address(kTcpIf, "[method]tcp-socket.start-connect", socket,
                           SocketGuest::loopback4(0)).error,
            kInvalidArgument);
  // IPv6 address on an IPv4 socket
  EXPECT_EQ(g.with_address(kTcpIf, "[method]tcp-socket.start-connect", socket,
                           SocketGuest::loopback6(80)).error,
            kInvalidArgument);
  EXPECT_TRUE(egress.connects.empty());  // rejected before policy is even asked
}

TEST(WasiSocketsTcp, ListenAcceptAndAddresses) {
  FakeEgress egress(true);
  SocketGuest g(&egress);
  uint32_t socket = g.create_tcp().payload;
  ASSERT_TRUE(g.with_address(kTcpIf, "[method]tcp-socket.start-bind", socket,
                             SocketGuest::loopback4(0)).ok);
  ASSERT_TRUE(g.method(kTcpIf, "[method]tcp-socket.finish-bind", socket, 1).ok);
  ASSERT_TRUE(g.method(kTcpIf, "[method]tcp-socket.start-listen", socket, 1).ok);
  ASSERT_TRUE(g.method(kTcpIf, "[method]tcp-socket.finish-listen", socket, 1).ok);
  EXPECT_EQ(g.guest.call(kTcpIf, "[method]tcp-socket.is-listening", {socket}).i32(), 1u);
  ASSERT_EQ(egress.listens.size(), 1u);

  uint32_t ret = g.guest.alloc(40, 4);
  ASSERT_EQ(g.guest.call(kTcpIf, "[method]tcp-socket.local-address", {socket, ret}).trap, 0);
  ASSERT_EQ(g.guest.u8(ret), 0);
  EXPECT_EQ(g.guest.u8(ret + 4), 0);  // ipv4
  uint16_t port = static_cast<uint16_t>(g.guest.u32(ret + 8) & 0xffff);
  EXPECT_EQ(port, egress.listens[0]);
  EXPECT_NE(port, 0);

  EXPECT_EQ(g.method(kTcpIf, "[method]tcp-socket.accept", socket).error, kWouldBlock);
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  uint32_t pollable = g.guest.call(kTcpIf, "[method]tcp-socket.subscribe", {socket}).i32();
  g.guest.call(kPollIf, "[method]pollable.block", {pollable});
  uint32_t accept_ret = g.guest.alloc(16, 4);
  ASSERT_EQ(g.guest.call(kTcpIf, "[method]tcp-socket.accept", {socket, accept_ret}).trap, 0);
  ASSERT_EQ(g.guest.u8(accept_ret), 0);
  uint32_t accepted = g.guest.u32(accept_ret + 4);
  uint32_t accepted_output = g.guest.u32(accept_ret + 12);
  ASSERT_EQ(g.guest.call(kTcpIf, "[method]tcp-socket.remote-address", {accepted, ret}).trap, 0);
  EXPECT_EQ(g.guest.u8(ret), 0);
  // Inbound connections have no egress flow; writes on them still work.
  ASSERT_GE(g.check_write(accepted_output), 2u);
  uint32_t hi = g.guest.put("hi");
  uint32_t wret = g.guest.alloc(16, 8);
  EXPECT_TRUE(g.stream_ok("[method]output-stream.write", {accepted_output, hi, 2, wret}, wret));
  EXPECT_EQ(read_exactly(client, 2), "hi");
  EXPECT_TRUE(egress.connects.empty());
  ::close(client);
}

TEST(WasiSocketsTcp, DeniedListen) {
  FakeEgress egress(false);
  SocketGuest g(&egress);
  uint32_t socket = g.create_tcp().payload;
  ASSERT_TRUE(g.with_address(kTcpIf, "[method]tcp-socket.start-bind", socket,
                             SocketGuest::loopback4(0)).ok);
  ASSERT_TRUE(g.method(kTcpIf, "[method]tcp-socket.finish-bind", socket, 1).ok);
  SocketOutcome listen = g.method(kTcpIf, "[method]tcp-socket.start-listen", socket, 1);
  EXPECT_FALSE(listen.ok);
  EXPECT_EQ(listen.error, kAccessDenied);
}

TEST(WasiSocketsTcp, PollOverSeveralSockets) {
  FakeEgress egress(true);
  LoopbackListener listener;
  SocketGuest g(&egress);
  auto [socket_a, input_a, output_a] = g.connect_tcp(listener.port());
  int server_a = listener.accept_one();
  auto [socket_b, input_b, output_b] = g.connect_tcp(listener.port());
  int server_b = listener.accept_one();

  uint32_t poll_a = g.guest.call(kStreamsIf, "[method]input-stream.subscribe", {input_a}).i32();
  uint32_t poll_b = g.guest.call(kStreamsIf, "[method]input-stream.subscribe", {input_b}).i32();
  write_all(server_b, "to b");
  uint32_t list = g.guest.put_u32s({poll_a, poll_b});
  uint32_t ret = g.guest.alloc(8, 4);
  ASSERT_EQ(g.guest.call(kPollIf, "poll", {list, 2, ret}).trap, 0);
  ASSERT_EQ(g.guest.u32(ret + 4), 1u);
  EXPECT_EQ(g.guest.u32(g.guest.u32(ret)), 1u);  // only b is readable

  // Output pollables of fresh connections are ready at once.
  uint32_t out_poll = g.guest.call(kStreamsIf, "[method]output-stream.subscribe", {output_a}).i32();
  EXPECT_EQ(g.guest.call(kPollIf, "[method]pollable.ready", {out_poll}).i32(), 1u);
  ::close(server_a);
  ::close(server_b);
  (void)socket_a;
  (void)socket_b;
  (void)output_b;
}

TEST(WasiSocketsTcp, BadHandlesTrap) {
  FakeEgress egress(true);
  LoopbackListener listener;
  SocketGuest g(&egress);
  CallOutcome bad = g.call_with(kTcpIf, "[method]tcp-socket.start-connect", {12345, g.network});
  EXPECT_EQ(bad.trap, SLUICE_TRAP_HOST);
  // A network handle where a socket is expected.
  uint32_t ret = g.guest.alloc(16, 4);
  EXPECT_EQ(g.guest.call(kTcpIf, "[method]tcp-socket.finish-connect", {g.network, ret}).trap,
            SLUICE_TRAP_HOST);
  // A socket handle where the network is expected.
  uint32_t socket = g.create_tcp().payload;
  std::vector<uint64_t> args{socket, socket};
  std::vector<uint64_t> address = SocketGuest::loopback4(listener.port());
  args.insert(args.end(), address.begin(), address.end());
  args.push_back(ret);
  EXPECT_EQ(g.call_with(kTcpIf, "[method]tcp-socket.start-connect", args).trap, SLUICE_TRAP_HOST);
  EXPECT_TRUE(egress.connects.empty());
}

TEST(WasiSocketsTcp, SocketOptions) {
  FakeEgress egress(true);
  SocketGuest g(&egress);
  uint32_t socket = g.create_tcp().payload;
  uint32_t ret = g.guest.alloc(16, 8);
  EXPECT_EQ(g.guest.call(kTcpIf, "[method]tcp-socket.set-keep-alive-enabled", {socket, 1, ret}).trap,
            0);
  EXPECT_EQ(g.guest.u8(ret), 0);
  g.guest.call(kTcpIf, "[method]tcp-socket.keep-alive-enabled", {socket, ret});
  EXPECT_EQ(g.guest.u8(ret), 0);
  EXPECT_EQ(g.guest.u8(ret + 1), 1);
  g.guest.call(kTcpIf, "[method]tcp-socket.set-keep-alive-idle-time",
               {socket, 30'000'000'000ull, ret});
  EXPECT_EQ(g.guest.u8(ret), 0);
  g.guest.call(kTcpIf, "[method]tcp-socket.keep-alive-idle-time", {socket, ret});
  EXPECT_EQ(g.guest.u64(ret + 8), 30'000'000'000ull);
  g.guest.call(kTcpIf, "[method]tcp-socket.set-hop-limit", {socket, 0, ret});
  EXPECT_EQ(g.guest.u8(ret), 1);
  EXPECT_EQ(g.guest.u8(ret + 1), kInvalidArgument);
  g.guest.call(kTcpIf, "[method]tcp-socket.set-hop-limit", {socket, 42, ret});
  EXPECT_EQ(g.guest.u8(ret), 0);
  g.guest.call(kTcpIf, "[method]tcp-socket.hop-limit", {socket, ret});
  EXPECT_EQ(g.guest.u8(ret + 1), 42);
  g.guest.call(kTcpIf, "[method]tcp-socket.set-receive-buffer-size", {socket, 0, ret});
  EXPECT_EQ(g.guest.u8(ret + 1), kInvalidArgument);
  EXPECT_EQ(g.guest.call(kTcpIf, "[method]tcp-socket.address-family", {socket}).i32(), 0u);
  EXPECT_EQ(g.method(kTcpIf, "[method]tcp-socket.local-address", socket).error, kInvalidState);
}

}  // namespace
}  // namespace sluice::wasi::testing
