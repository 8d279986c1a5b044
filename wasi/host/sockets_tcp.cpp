// wasi:sockets/tcp and wasi:sockets/tcp-create-socket: adapters to TcpSocket
// (wasi/sockets/tcp_socket.h). The network handle is only checked for validity: what a socket
// may reach is the sandbox's egress policy, not the network resource.
#include <tuple>

#include "wasi/host/host_interfaces.h"
#include "wasi/sockets/tcp_socket.h"
#include "wasi/wasi_ctx.h"

namespace sluice::wasi {
namespace {

using component::Borrow;
using component::CallContext;
using component::Err;
using component::Ok;
using component::Own;
using component::Unit;

using Socket = Borrow<TcpSocket>;

SocketResult<Own<TcpSocket>> create_tcp_socket(CallContext& cx, IpAddressFamily family) {
  auto socket = TcpSocket::create(family, cx.embedder<WasiCtx>().egress());
  if (!socket.is_ok()) return Err(socket.err_value());
  return Ok(Own<TcpSocket>(std::move(std::get<0>(socket.value))));
}

SocketResult<Unit> start_bind(CallContext&, Socket self, Borrow<Network>, IpSocketAddress local) {
  return self->start_bind(local);
}
SocketResult<Unit> finish_bind(CallContext&, Socket self) { return self->finish_bind(); }

SocketResult<Unit> start_connect(CallContext&, Socket self, Borrow<Network>,
                                 IpSocketAddress remote) {
  return self->start_connect(remote);
}

SocketResult<std::tuple<Own<InputStream>, Own<OutputStream>>> finish_connect(CallContext&,
                                                                             Socket self) {
  auto streams = self->finish_connect();
  if (!streams.is_ok()) return Err(streams.err_value());
  auto& [input, output] = std::get<0>(streams.value);
  return Ok(std::tuple{Own<InputStream>(std::move(input)), Own<OutputStream>(std::move(output))});
}

SocketResult<Unit> start_listen(CallContext&, Socket self) { return self->start_listen(); }
SocketResult<Unit> finish_listen(CallContext&, Socket self) { return self->finish_listen(); }

SocketResult<std::tuple<Own<TcpSocket>, Own<InputStream>, Own<OutputStream>>> accept(CallContext&,
                                                                                     Socket self) {
  auto accepted = self->accept();
  if (!accepted.is_ok()) return Err(accepted.err_value());
  auto& [client, input, output] = std::get<0>(accepted.value);
  return Ok(std::tuple{Own<TcpSocket>(std::move(client)), Own<InputStream>(std::move(input)),
                       Own<OutputStream>(std::move(output))});
}

SocketResult<IpSocketAddress> local_address(CallContext&, Socket self) {
  return self->local_address();
}
SocketResult<IpSocketAddress> remote_address(CallContext&, Socket self) {
  return self->remote_address();
}
bool is_listening(CallContext&, Socket self) { return self->is_listening(); }
IpAddressFamily address_family(CallContext&, Socket self) { return self->address_family(); }

SocketResult<Unit> set_listen_backlog_size(CallContext&, Socket self, uint64_t value) {
  return self->set_listen_backlog_size(value);
}
SocketResult<bool> keep_alive_enabled(CallContext&, Socket self) {
  return self->keep_alive_enabled();
}
SocketResult<Unit> set_keep_alive_enabled(CallContext&, Socket self, bool value) {
  return self->set_keep_alive_enabled(value);
}
SocketResult<uint64_t> keep_alive_idle_time(CallContext&, Socket self) {
  return self->keep_alive_idle_time();
}
SocketResult<Unit> set_keep_alive_idle_time(CallContext&, Socket self, uint64_t value) {
  return self->set_keep_alive_idle_time(value);
}
SocketResult<uint64_t> keep_alive_interval(CallContext&, Socket self) {
  return self->keep_alive_interval();
}
SocketResult<Unit> set_keep_alive_interval(CallContext&, Socket self, uint64_t value) {
  return self->set_keep_alive_interval(value);
}
SocketResult<uint32_t> keep_alive_count(CallContext&, Socket self) {
  return self->keep_alive_count();
}
SocketResult<Unit> set_keep_alive_count(CallContext&, Socket self, uint32_t value) {
  return self->set_keep_alive_count(value);
}
SocketResult<uint8_t> hop_limit(CallContext&, Socket self) { return self->hop_limit(); }
SocketResult<Unit> set_hop_limit(CallContext&, Socket self, uint8_t value) {
  return self->set_hop_limit(value);
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
SocketResult<Unit> shutdown(CallContext&, Socket self, ShutdownType how) {
  return self->shutdown(how);
}

}  // namespace

void add_sockets_tcp_to(component::HostInterfaces& host) {
  host.define<&create_tcp_socket>("wasi:sockets/tcp-create-socket@0.2", "create-tcp-socket");

  constexpr std::string_view kTcp = "wasi:sockets/tcp@0.2";
  host.define_resource<TcpSocket>(kTcp, "tcp-socket");
  host.define<&start_bind>(kTcp, "[method]tcp-socket.start-bind");
  host.define<&finish_bind>(kTcp, "[method]tcp-socket.finish-bind");
  host.define<&start_connect>(kTcp, "[method]tcp-socket.start-connect");
  host.define<&finish_connect>(kTcp, "[method]tcp-socket.finish-connect");
  host.define<&start_listen>(kTcp, "[method]tcp-socket.start-listen");
  host.define<&finish_listen>(kTcp, "[method]tcp-socket.finish-listen");
  host.define<&accept>(kTcp, "[method]tcp-socket.accept");
  host.define<&local_address>(kTcp, "[method]tcp-socket.local-address");
  host.define<&remote_address>(kTcp, "[method]tcp-socket.remote-address");
  host.define<&is_listening>(kTcp, "[method]tcp-socket.is-listening");
  host.define<&address_family>(kTcp, "[method]tcp-socket.address-family");
  host.define<&set_listen_backlog_size>(kTcp, "[method]tcp-socket.set-listen-backlog-size");
  host.define<&keep_alive_enabled>(kTcp, "[method]tcp-socket.keep-alive-enabled");
  host.define<&set_keep_alive_enabled>(kTcp, "[method]tcp-socket.set-keep-alive-enabled");
  host.define<&keep_alive_idle_time>(kTcp, "[method]tcp-socket.keep-alive-idle-time");
  host.define<&set_keep_alive_idle_time>(kTcp, "[method]tcp-socket.set-keep-alive-idle-time");
  host.define<&keep_alive_interval>(kTcp, "[method]tcp-socket.keep-alive-interval");
  host.define<&set_keep_alive_interval>(kTcp, "[method]tcp-socket.set-keep-alive-interval");
  host.define<&keep_alive_count>(kTcp, "[method]tcp-socket.keep-alive-count");
  host.define<&set_keep_alive_count>(kTcp, "[method]tcp-socket.set-keep-alive-count");
  host.define<&hop_limit>(kTcp, "[method]tcp-socket.hop-limit");
  host.define<&set_hop_limit>(kTcp, "[method]tcp-socket.set-hop-limit");
  host.define<&receive_buffer_size>(kTcp, "[method]tcp-socket.receive-buffer-size");
  host.define<&set_receive_buffer_size>(kTcp, "[method]tcp-socket.set-receive-buffer-size");
  host.define<&send_buffer_size>(kTcp, "[method]tcp-socket.send-buffer-size");
  host.define<&set_send_buffer_size>(kTcp, "[method]tcp-socket.set-send-buffer-size");
  host.define<&subscribe>(kTcp, "[method]tcp-socket.subscribe");
  host.define<&shutdown>(kTcp, "[method]tcp-socket.shutdown");
}

}  // namespace sluice::wasi
