// wasi:sockets/tcp's tcp-socket, and the input/output streams of a TCP connection, as domain
// objects over a non-blocking OS socket.
//
// Egress: start_connect asks egress::Egress::decide_connect before the OS connects anything, and
// a denied connect never reaches connect(2). The connection's streams count into the flow's
// FlowCounters where bytes cross the kernel boundary — output in write_bytes and the flush of
// its small host-side buffer (a byte counts when send(2) takes it), input in read_available —
// so every wasi:io write path (write, write-zeroes, the blocking variants, splice) is metered by
// construction. Byte quotas bound the permit check-write hands out and are checked again on
// every write. When the socket and both streams are gone the flow is reported closed; the
// kernel's TCP_INFO byte counts for the cross-check, and the close itself, follow on the socket
// reaper's thread (socket_reaper.h).
//
// Listening needs egress::Egress::decide_listen. Connections accepted from a listener are
// metered as inbound flows (egress::Egress::accepted): bytes both ways, and replies count
// against the byte quotas.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>

#include "component/resource_table.h"
#include "egress/egress.h"
#include "wasi/io/host_fd.h"
#include "wasi/io/pollable.h"
#include "wasi/io/streams.h"
#include "wasi/sockets/network.h"

namespace sluice::wasi {

enum class ShutdownType : uint8_t { kReceive, kSend, kBoth };

class TcpConnection;

class TcpSocket : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "tcp-socket";

  using Streams = std::tuple<std::unique_ptr<InputStream>, std::unique_ptr<OutputStream>>;
  using Accepted = std::tuple<std::unique_ptr<TcpSocket>, std::unique_ptr<InputStream>,
                              std::unique_ptr<OutputStream>>;

  // A new unbound socket. `egress` (may be null: every connect and listen is denied) must
  // outlive the socket.
  static SocketResult<std::unique_ptr<TcpSocket>> create(IpAddressFamily family,
                                                         egress::Egress* egress);
  ~TcpSocket() override;

  SocketResult<Unit> start_bind(const IpSocketAddress& local);
  SocketResult<Unit> finish_bind();
  SocketResult<Unit> start_connect(const IpSocketAddress& remote);
  SocketResult<Streams> finish_connect();
  SocketResult<Unit> start_listen();
  SocketResult<Unit> finish_listen();
  SocketResult<Accepted> accept();

  SocketResult<IpSocketAddress> local_address() const;
  SocketResult<IpSocketAddress> remote_address() const;
  bool is_listening() const { return state_ == State::kListening; }
  IpAddressFamily address_family() const { return family_; }

  SocketResult<Unit> set_listen_backlog_size(uint64_t value);
  SocketResult<bool> keep_alive_enabled() const;
  SocketResult<Unit> set_keep_alive_enabled(bool value);
  SocketResult<uint64_t> keep_alive_idle_time() const;  // nanoseconds
  SocketResult<Unit> set_keep_alive_idle_time(uint64_t ns);
  SocketResult<uint64_t> keep_alive_interval() const;
  SocketResult<Unit> set_keep_alive_interval(uint64_t ns);
  SocketResult<uint32_t> keep_alive_count() const;
  SocketResult<Unit> set_keep_alive_count(uint32_t value);
  SocketResult<uint8_t> hop_limit() const;
  SocketResult<Unit> set_hop_limit(uint8_t value);
  SocketResult<uint64_t> receive_buffer_size() const;
  SocketResult<Unit> set_receive_buffer_size(uint64_t value);
  SocketResult<uint64_t> send_buffer_size() const;
  SocketResult<Unit> set_send_buffer_size(uint64_t value);

  // Ready when the pending start-* operation can finish (connect completed, a connection is
  // waiting to be accepted); ready at once in every other state.
  std::unique_ptr<Pollable> subscribe();
  // Shutting down the sending side waits (without blocking the guest) for bytes the output
  // stream still holds to reach the kernel, so none written before the shutdown are lost.
  SocketResult<Unit> shutdown(ShutdownType how);

 private:
  enum class State {
    kUnbound,
    kBindStarted,
    kBound,
    kListenStarted,
    kListening,
    kConnectStarted,
    kConnected,
    kClosed,  // a connect failed: the socket cannot be used again
  };

  TcpSocket(std::shared_ptr<HostFd> fd, IpAddressFamily family, egress::Egress* egress)
      : fd_(std::move(fd)), family_(family), egress_(egress) {}
  Streams make_streams();

  std::shared_ptr<HostFd> fd_;
  IpAddressFamily family_;
  egress::Egress* egress_;
  State state_ = State::kUnbound;
  std::shared_ptr<TcpConnection> connection_;  // from start-connect (or accept) on
  uint32_t listen_backlog_ = 128;
};

}  // namespace sluice::wasi

SLUICE_WIT_ENUM(sluice::wasi::ShutdownType, 3);
