// wasi:sockets/network and wasi:sockets/instance-network: adapters to wasi/sockets/network.h.
#include <optional>

#include "wasi/host/host_interfaces.h"
#include "wasi/io/io_error.h"
#include "wasi/sockets/network.h"

namespace sluice::wasi {
namespace {

using component::Borrow;
using component::CallContext;
using component::Own;

// The socket meaning of a stream error (a TCP stream's failed read or write), when it has one.
std::optional<SocketErrorCode> network_error_code(CallContext&, Borrow<IoError> err) {
  if (err->error_number() == 0) return std::nullopt;
  return socket_error_from_errno(err->error_number());
}

Own<Network> instance_network(CallContext&) { return Own<Network>(std::make_unique<Network>()); }

}  // namespace

void add_sockets_network_to(component::HostInterfaces& host) {
  constexpr std::string_view kNetwork = "wasi:sockets/network@0.2";
  host.define_resource<Network>(kNetwork, "network");
  host.define<&network_error_code>(kNetwork, "network-error-code");
  host.define<&instance_network>("wasi:sockets/instance-network@0.2", "instance-network");
}

}  // namespace sluice::wasi
