#include "wasi/sockets/udp_socket.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "component/guest_error.h"
#include "wasi/sockets/socket_options.h"

namespace sluice::wasi {

using component::Err;
using component::Ok;

// What a socket and its streams share: the fd, the connected remote and its flow, and the flows
// of destinations sent to unconnected (to attribute replies).
struct UdpState {
  UdpState() = default;
  UdpState(const UdpState&) = delete;
  UdpState& operator=(const UdpState&) = delete;
  // The connected flow ends when the socket and both streams are gone.
  ~UdpState() {
    if (remote_flow != nullptr) egress->flow_closed(remote_flow, nullptr);
  }

  std::shared_ptr<HostFd> fd;
  IpAddressFamily family = IpAddressFamily::kIpv4;
  egress::Egress* egress = nullptr;
  std::optional<IpSocketAddress> remote;  // set by stream(remote)
  egress::FlowCounters* remote_flow = nullptr;
  uint16_t local_port = 0;  // once bound

  // Flows of unconnected destinations, by (address, port). Bounded: past the bound, replies
  // from new destinations are not attributed (the sends were counted by decide_datagram).
  static constexpr size_t kMaxKnownFlows = 1024;
  std::map<std::pair<std::array<uint8_t, 17>, uint16_t>, egress::FlowCounters*> flows;

  static std::pair<std::array<uint8_t, 17>, uint16_t> key(const egress::IpAddress& ip,
                                                          uint16_t port) {
    std::array<uint8_t, 17> bytes{};
    std::copy(ip.bytes.begin(), ip.bytes.end(), bytes.begin());
    bytes[16] = ip.is_v6 ? 1 : 0;
    return {bytes, port};
  }

  egress::FlowCounters* flow_of(const IpSocketAddress& source) const {
    if (remote) return remote_flow;
    auto it = flows.find(key(to_egress(source), port_of(source)));
    return it == flows.end() ? nullptr : it->second;
  }

  // The flow a datagram from `source` counts against: the destination's when the guest sent
  // there, else a new inbound flow (a peer that wrote first), within the same bound.
  egress::FlowCounters* inbound_flow_of(const IpSocketAddress& source) {
    if (egress::FlowCounters* known = flow_of(source)) return known;
    if (remote || egress == nullptr || flows.size() >= kMaxKnownFlows) return nullptr;
    egress::FlowCounters* inbound =
        egress->accepted(egress::Transport::kUdp, to_egress(source), local_port);
    if (inbound != nullptr) flows.emplace(key(to_egress(source), port_of(source)), inbound);
    return inbound;
  }
};

namespace {

constexpr size_t kMaxDatagram = 65536;

// The meter attributes the name itself.
egress::Destination udp_destination(const IpSocketAddress& remote) {
  egress::Destination destination;
  destination.transport = egress::Transport::kUdp;
  destination.ip = to_egress(remote);
  destination.port = port_of(remote);
  return destination;
}

bool same_endpoint(const IpSocketAddress& a, const IpSocketAddress& b) {
  return to_egress(a) == to_egress(b) && port_of(a) == port_of(b);
}

}  // namespace

// ---- udp-socket -------------------------------------------------------------------------------

SocketResult<std::unique_ptr<UdpSocket>> UdpSocket::create(IpAddressFamily family,
                                                           egress::Egress* egress) {
  SocketResult<std::shared_ptr<HostFd>> fd = open_socket(family, SOCK_DGRAM);
  if (!fd.is_ok()) return Err(fd.err_value());
  auto state = std::make_shared<UdpState>();
  state->fd = fd.ok_value();
  state->family = family;
  state->egress = egress;
  return Ok(std::unique_ptr<UdpSocket>(new UdpSocket(std::move(state))));
}

UdpSocket::~UdpSocket() = default;

SocketResult<Unit> UdpSocket::start_bind(const IpSocketAddress& local) {
  if (state_kind_ != State::kUnbound) return Err(SocketErrorCode::kInvalidState);
  if (auto invalid = check_local(local, state_->family)) return Err(*invalid);
  // Binding a chosen port is listening for datagrams (ingress): it needs an inbound rule.
  // Port 0 (the kernel picks one) is what every UDP client does before it sends: no question.
  if (port_of(local) != 0) {
    if (state_->egress == nullptr) return Err(SocketErrorCode::kAccessDenied);
    egress::Verdict verdict =
        state_->egress->decide_listen(egress::Transport::kUdp, to_egress(local), port_of(local));
    if (!verdict.allowed) return Err(socket_error_for_denial(verdict));
  }
  OsSocketAddress address = to_os(local);
  if (::bind(state_->fd->get(), address.get(), address.length) != 0)
    return Err(socket_error_from_errno(errno));
  if (SocketResult<IpSocketAddress> bound = local_address_of(state_->fd->get()); bound.is_ok())
    state_->local_port = port_of(bound.ok_value());
  state_kind_ = State::kBindStarted;
  return Ok();
}

SocketResult<Unit> UdpSocket::finish_bind() {
  if (state_kind_ != State::kBindStarted) return Err(SocketErrorCode::kNotInProgress);
  state_kind_ = State::kBound;
  return Ok();
}

SocketResult<UdpSocket::Streams> UdpSocket::stream(const std::optional<IpSocketAddress>& remote) {
  if (state_kind_ != State::kBound) return Err(SocketErrorCode::kInvalidState);
  int fd = state_->fd->get();
  if (remote) {
    if (state_->egress == nullptr) return Err(SocketErrorCode::kAccessDenied);
    if (auto invalid = check_remote(*remote, state_->family, true)) {
      egress::Verdict verdict = state_->egress->decide_malformed(udp_destination(*remote));
      return Err(verdict.allowed ? *invalid : socket_error_for_denial(verdict));
    }
    egress::FlowCounters* flow = nullptr;
    egress::Verdict verdict =
        state_->egress->decide_connect(udp_destination(*remote), &flow);
    if (!verdict.allowed) return Err(socket_error_for_denial(verdict));
    OsSocketAddress address = to_os(*remote);
    if (::connect(fd, address.get(), address.length) != 0) {
      int error_number = errno;
      if (flow != nullptr) state_->egress->connect_finished(flow, false, error_number);
      return Err(socket_error_from_errno(error_number));
    }
    // A null flow (allowed by a meter that counts nothing) has nothing to report to.
    if (flow != nullptr) state_->egress->connect_finished(flow, true, 0);
    if (state_->remote_flow != nullptr) state_->egress->flow_closed(state_->remote_flow, nullptr);
    state_->remote = remote;
    state_->remote_flow = flow;
  } else if (state_->remote) {
    // Back to unconnected: AF_UNSPEC dissolves the association (EAFNOSUPPORT is how some
    // kernels report success here).
    sockaddr unspecified{};
    unspecified.sa_family = AF_UNSPEC;
    if (::connect(fd, &unspecified, sizeof unspecified) != 0 && errno != EAFNOSUPPORT)
      return Err(socket_error_from_errno(errno));
    if (state_->remote_flow != nullptr) state_->egress->flow_closed(state_->remote_flow, nullptr);
    state_->remote.reset();
    state_->remote_flow = nullptr;
  }
  return Ok(Streams{std::make_unique<IncomingDatagramStream>(state_),
                    std::make_unique<OutgoingDatagramStream>(state_)});
}

SocketResult<IpSocketAddress> UdpSocket::local_address() const {
  if (state_kind_ == State::kUnbound) return Err(SocketErrorCode::kInvalidState);
  return local_address_of(state_->fd->get());
}

SocketResult<IpSocketAddress> UdpSocket::remote_address() const {
  if (!state_->remote) return Err(SocketErrorCode::kInvalidState);
  return remote_address_of(state_->fd->get());
}

IpAddressFamily UdpSocket::address_family() const { return state_->family; }

SocketResult<uint8_t> UdpSocket::unicast_hop_limit() const {
  return hop_limit(state_->fd->get(), state_->family);
}

SocketResult<Unit> UdpSocket::set_unicast_hop_limit(uint8_t value) {
  return set_hop_limit(state_->fd->get(), state_->family, value);
}

SocketResult<uint64_t> UdpSocket::receive_buffer_size() const {
  return buffer_size(state_->fd->get(), SO_RCVBUF);
}

SocketResult<Unit> UdpSocket::set_receive_buffer_size(uint64_t value) {
  return set_buffer_size(state_->fd->get(), SO_RCVBUF, value);
}

SocketResult<uint64_t> UdpSocket::send_buffer_size() const {
  return buffer_size(state_->fd->get(), SO_SNDBUF);
}

SocketResult<Unit> UdpSocket::set_send_buffer_size(uint64_t value) {
  return set_buffer_size(state_->fd->get(), SO_SNDBUF, value);
}

std::unique_ptr<Pollable> UdpSocket::subscribe() {
  return make_pollable([] { return Readiness::immediately(); });
}

// ---- incoming-datagram-stream -----------------------------------------------------------------

SocketResult<std::vector<IncomingDatagram>> IncomingDatagramStream::receive(uint64_t max_results) {
  std::vector<IncomingDatagram> out;
  uint64_t wanted = std::min(max_results, kMaxBatch);
  std::vector<uint8_t> buffer(kMaxDatagram);
  while (out.size() < wanted) {
    sockaddr_storage source{};
    socklen_t source_length = sizeof source;
    ssize_t n = ::recvfrom(state_->fd->get(), buffer.data(), buffer.size(), MSG_DONTWAIT,
                           reinterpret_cast<sockaddr*>(&source), &source_length);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || !out.empty()) break;
      return Err(socket_error_from_errno(errno));
    }
    std::optional<IpSocketAddress> remote =
        from_os(reinterpret_cast<const sockaddr*>(&source), source_length);
    if (!remote) continue;  // not an IP peer: nothing a WASI guest can be told about
    if (egress::FlowCounters* flow = state_->inbound_flow_of(*remote)) {
      egress::FlowCounters::add(flow->bytes_in, static_cast<uint64_t>(n));
      egress::FlowCounters::add(flow->datagrams_in, 1);
    }
    out.push_back({std::vector<uint8_t>(buffer.begin(), buffer.begin() + n), *remote});
  }
  return Ok(std::move(out));
}

std::unique_ptr<Pollable> IncomingDatagramStream::subscribe() {
  return make_pollable([fd = state_->fd] { return Readiness::on_fd(fd->get(), POLLIN); });
}

// ---- outgoing-datagram-stream -----------------------------------------------------------------

SocketResult<uint64_t> OutgoingDatagramStream::check_send() {
  pollfd p{state_->fd->get(), POLLOUT, 0};
  int n = ::poll(&p, 1, 0);
  permit_ = n > 0 ? kSendBudget : 0;
  return Ok(permit_);
}

SocketResult<uint64_t> OutgoingDatagramStream::send(const std::vector<OutgoingDatagram>& datagrams) {
  if (datagrams.size() > permit_) {
    throw component::GuestTrap("outgoing-datagram-stream.send of " +
                               std::to_string(datagrams.size()) + " datagrams exceeds the " +
                               std::to_string(permit_) + " permitted by the last check-send");
  }
  permit_ -= datagrams.size();
  uint64_t sent = 0;
  // The first datagram's failure is the call's error; a later one ends the batch.
  auto fail = [&sent](SocketErrorCode code) -> SocketResult<uint64_t> {
    if (sent == 0) return Err(code);
    return Ok(sent);
  };
  for (const OutgoingDatagram& datagram : datagrams) {
    egress::FlowCounters* flow = nullptr;
    const sockaddr* target = nullptr;
    OsSocketAddress address;
    if (state_->remote) {
      if (datagram.remote_address && !same_endpoint(*datagram.remote_address, *state_->remote))
        return fail(SocketErrorCode::kInvalidArgument);
      flow = state_->remote_flow;
      // Byte quotas: a datagram goes whole or not at all.
      if (flow != nullptr && datagram.data.size() > flow->send_allowance()) {
        return fail(socket_error_for_denial(state_->egress->quota_refused(flow)));
      }
    } else {
      if (!datagram.remote_address) return fail(SocketErrorCode::kInvalidArgument);
      const IpSocketAddress& remote = *datagram.remote_address;
      if (state_->egress == nullptr) return fail(SocketErrorCode::kAccessDenied);
      if (auto invalid = check_remote(remote, state_->family, true)) {
        egress::Verdict verdict = state_->egress->decide_malformed(udp_destination(remote));
        return fail(verdict.allowed ? *invalid : socket_error_for_denial(verdict));
      }
      egress::FlowCounters* datagram_flow = nullptr;
      egress::Destination destination = udp_destination(remote);
      egress::Verdict verdict =
          state_->egress->decide_datagram(destination, datagram.data.size(), &datagram_flow);
      if (!verdict.allowed) return fail(socket_error_for_denial(verdict));
      if (datagram_flow != nullptr && state_->flows.size() < UdpState::kMaxKnownFlows)
        state_->flows.emplace(UdpState::key(destination.ip, destination.port), datagram_flow);
      address = to_os(remote);
      target = address.get();
    }
    ssize_t n;
    do {
      n = ::sendto(state_->fd->get(), datagram.data.data(), datagram.data.size(),
                   MSG_DONTWAIT | MSG_NOSIGNAL, target, target ? address.length : 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Ok(sent);
      return fail(socket_error_from_errno(errno));
    }
    // Connected sends count here; unconnected ones were counted by decide_datagram.
    if (flow != nullptr) {
      flow->charge(static_cast<uint64_t>(n));
      egress::FlowCounters::add(flow->bytes_out, static_cast<uint64_t>(n));
      egress::FlowCounters::add(flow->datagrams_out, 1);
    }
    ++sent;
  }
  return Ok(sent);
}

std::unique_ptr<Pollable> OutgoingDatagramStream::subscribe() {
  return make_pollable([fd = state_->fd] { return Readiness::on_fd(fd->get(), POLLOUT); });
}

}  // namespace sluice::wasi
