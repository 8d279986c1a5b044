// wasi:sockets/udp and wasi:sockets/udp-create-socket: adapters to UdpSocket and its datagram
// streams (wasi/sockets/udp_socket.h).
#include <tuple>

#include "wasi/host/host_interfaces.h"
#include "wasi/sockets/udp_socket.h"
#include "wasi/wasi_ctx.h"

namespace sluice::wasi {
namespace {

using component::Borrow;
using component::CallContext;
using component::Err;
using component::Ok;
using component::Own;
using component::Unit;

using Socket = Borrow<UdpSocket>;

SocketResult<Own<UdpSocket>> create_udp_socket(CallContext& cx, IpAddressFamily family) {
  auto socket = UdpSocket::create(family, cx.embedder<WasiCtx>().egress());
  if (!socket.is_ok()) return Err(socket.err_value());
  return Ok(Own<UdpSocket>(std::move(std::get<0>(socket.value))));
}

SocketResult<Unit> start_bind(CallContext&, Socket self, Borrow<Network>, IpSocketAddress local) {
  return self->start_bind(local);
}
SocketResult<Unit> finish_bind(CallContext&, Socket self) { return self->finish_bind(); }

SocketResult<std::tuple<Own<IncomingDatagramStream>, Own<OutgoingDatagramStream>>> stream(
    CallContext&, Socket self, std::optional<IpSocketAddress> remote) {
  auto streams = self->stream(remote);
  if (!streams.is_ok()) return Err(streams.err_value());
  auto& [incoming, outgoing] = std::get<0>(streams.value);
  return Ok(std::tuple{Own<IncomingDatagramStream>(std::move(incoming)),
                       Own<OutgoingDatagramStream>(std::move(outgoing))});
}

SocketResult<IpSocketAddress> local_address(CallContext&, Socket self) {
  return self->local_address();
}
SocketResult<IpSocketAddress> remote_address(CallContext&, Socket self) {
  return self->remote_address();
}
IpAddressFamily address_family(CallContext&, Socket self) { return self->address_family(); }
SocketResult<uint8_t> unicast_hop_limit(CallContext&, Socket self) {
  return self->unicast_hop_limit();
}
SocketResult<Unit> set_unicast_hop_limit(CallContext&, Socket self, uint8_t value) {
  return self->set_unicast_hop_limit(value);
}
SocketResult<uint64_t> receive_buffer_size(CallContext&, Socket self) {
  return self->receive_buffer_size();
}
SocketResult<Unit> set_receive_buffer_size(CallContext&, Socket self, uint64_t value) {
  return self->set_receive_buffer_size(value);
}
SocketResult<uint64_t> send_buffer_size(CallContext&, Socket self) {
  return self->send_buffer_size();
}
SocketResult<Unit> set_send_buffer_size(CallContext&, Socket self, uint64_t value) {
  return self->set_send_buffer_size(value);
}
Own<Pollable> subscribe(CallContext&, Socket self) { return Own<Pollable>(self->subscribe()); }

SocketResult<std::vector<IncomingDatagram>> receive(CallContext&,
                                                    Borrow<IncomingDatagramStream> self,
                                                    uint64_t max_results) {
  return self->receive(max_results);
}
Own<Pollable> incoming_subscribe(CallContext&, Borrow<IncomingDatagramStream> self) {
  return Own<Pollable>(self->subscribe());
}

SocketResult<uint64_t> check_send(CallContext&, Borrow<OutgoingDatagramStream> self) {
  return self->check_send();
}
SocketResult<uint64_t> send(CallContext&, Borrow<OutgoingDatagramStream> self,
                            std::vector<OutgoingDatagram> datagrams) {
  return self->send(datagrams);
}
Own<Pollable> outgoing_subscribe(CallContext&, Borrow<OutgoingDatagramStream> self) {
  return Own<Pollable>(self->subscribe());
}

}  // namespace

void add_sockets_udp_to(component::HostInterfaces& host) {
  host.define<&create_udp_socket>("wasi:sockets/udp-create-socket@0.2", "create-udp-socket");

  constexpr std::string_view kUdp = "wasi:sockets/udp@0.2";
  host.define_resource<UdpSocket>(kUdp, "udp-socket");
  host.define_resource<IncomingDatagramStream>(kUdp, "incoming-datagram-stream");
  host.define_resource<OutgoingDatagramStream>(kUdp, "outgoing-datagram-stream");
  host.define<&start_bind>(kUdp, "[method]udp-socket.start-bind");
  host.define<&finish_bind>(kUdp, "[method]udp-socket.finish-bind");
  host.define<&stream>(kUdp, "[method]udp-socket.stream");
  host.define<&local_address>(kUdp, "[method]udp-socket.local-address");
  host.define<&remote_address>(kUdp, "[method]udp-socket.remote-address");
  host.define<&address_family>(kUdp, "[method]udp-socket.address-family");
  host.define<&unicast_hop_limit>(kUdp, "[method]udp-socket.unicast-hop-limit");
  host.define<&set_unicast_hop_limit>(kUdp, "[method]udp-socket.set-unicast-hop-limit");
  host.define<&receive_buffer_size>(kUdp, "[method]udp-socket.receive-buffer-size");
  host.define<&set_receive_buffer_size>(kUdp, "[method]udp-socket.set-receive-buffer-size");
  host.define<&send_buffer_size>(kUdp, "[method]udp-socket.send-buffer-size");
  host.define<&set_send_buffer_size>(kUdp, "[method]udp-socket.set-send-buffer-size");
  host.define<&subscribe>(kUdp, "[method]udp-socket.subscribe");
  host.define<&receive>(kUdp, "[method]incoming-datagram-stream.receive");
  host.define<&incoming_subscribe>(kUdp, "[method]incoming-datagram-stream.subscribe");
  host.define<&check_send>(kUdp, "[method]outgoing-datagram-stream.check-send");
  host.define<&send>(kUdp, "[method]outgoing-datagram-stream.send");
  host.define<&outgoing_subscribe>(kUdp, "[method]outgoing-datagram-stream.subscribe");
}

}  // namespace sluice::wasi
