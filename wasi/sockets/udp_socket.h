// wasi:sockets/udp's udp-socket and its datagram streams, as domain objects over a non-blocking
// OS socket.
//
// Egress: stream(remote) asks egress::Egress::decide_connect (transport udp) before connecting
// the socket, and every datagram then sent counts into that flow. On an unconnected socket each
// send asks decide_datagram for its destination, which both decides and counts the datagram;
// nothing is sent to a destination policy refused. Datagrams received from a destination the
// socket has sent to count as that flow's input; datagrams from a peer that wrote first count
// into an inbound flow (Egress::accepted), up to 1024 peers per socket. Binding a chosen port
// is listening and needs Egress::decide_listen; binding port 0 (a client) does not.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "component/resource_table.h"
#include "egress/egress.h"
#include "wasi/io/host_fd.h"
#include "wasi/io/pollable.h"
#include "wasi/sockets/network.h"

namespace sluice::wasi {

struct IncomingDatagram {
  std::vector<uint8_t> data;
  IpSocketAddress remote_address;
  static constexpr auto wit_fields =
      std::tuple{&IncomingDatagram::data, &IncomingDatagram::remote_address};
};

struct OutgoingDatagram {
  std::vector<uint8_t> data;
  std::optional<IpSocketAddress> remote_address;
  static constexpr auto wit_fields =
      std::tuple{&OutgoingDatagram::data, &OutgoingDatagram::remote_address};
};

struct UdpState;

class IncomingDatagramStream : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "incoming-datagram-stream";
  // Most datagrams one receive returns, whatever the guest asked for.
  static constexpr uint64_t kMaxBatch = 64;

  explicit IncomingDatagramStream(std::shared_ptr<UdpState> state) : state_(std::move(state)) {}

  // Up to `max_results` datagrams available now (none: an empty list).
  SocketResult<std::vector<IncomingDatagram>> receive(uint64_t max_results);
  std::unique_ptr<Pollable> subscribe();

 private:
  std::shared_ptr<UdpState> state_;
};

class OutgoingDatagramStream : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "outgoing-datagram-stream";
  // Datagrams check-send permits while the socket is writable.
  static constexpr uint64_t kSendBudget = 64;

  explicit OutgoingDatagramStream(std::shared_ptr<UdpState> state) : state_(std::move(state)) {}

  SocketResult<uint64_t> check_send();
  // Sends datagrams in order until one fails; returns how many were sent (an error only when
  // the first fails). More datagrams than check-send permitted traps.
  SocketResult<uint64_t> send(const std::vector<OutgoingDatagram>& datagrams);
  std::unique_ptr<Pollable> subscribe();

 private:
  std::shared_ptr<UdpState> state_;
  uint64_t permit_ = 0;
};

class UdpSocket : public component::HostResource {
 public:
  static constexpr std::string_view kWitName = "udp-socket";

  using Streams = std::tuple<std::unique_ptr<IncomingDatagramStream>,
                             std::unique_ptr<OutgoingDatagramStream>>;

  // `egress` (null: every remote is denied) must outlive the socket.
  static SocketResult<std::unique_ptr<UdpSocket>> create(IpAddressFamily family,
                                                         egress::Egress* egress);
  ~UdpSocket() override;

  SocketResult<Unit> start_bind(const IpSocketAddress& local);
  SocketResult<Unit> finish_bind();
  // New streams; with a remote, the socket is connected to it (and policy is asked first).
  SocketResult<Streams> stream(const std::optional<IpSocketAddress>& remote);

  SocketResult<IpSocketAddress> local_address() const;
  SocketResult<IpSocketAddress> remote_address() const;
  IpAddressFamily address_family() const;
  SocketResult<uint8_t> unicast_hop_limit() const;
  SocketResult<Unit> set_unicast_hop_limit(uint8_t value);
  SocketResult<uint64_t> receive_buffer_size() const;
  SocketResult<Unit> set_receive_buffer_size(uint64_t value);
  SocketResult<uint64_t> send_buffer_size() const;
  SocketResult<Unit> set_send_buffer_size(uint64_t value);
  // Nothing on a UDP socket itself is ever pending: ready at once.
  std::unique_ptr<Pollable> subscribe();

 private:
  enum class State { kUnbound, kBindStarted, kBound };

  explicit UdpSocket(std::shared_ptr<UdpState> state) : state_(std::move(state)) {}

  std::shared_ptr<UdpState> state_;
  State state_kind_ = State::kUnbound;
};

}  // namespace sluice::wasi
