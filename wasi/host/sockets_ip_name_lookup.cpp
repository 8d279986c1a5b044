// wasi:sockets/ip-name-lookup: adapters to ResolveAddressStream (wasi/sockets/name_lookup.h).
#include <optional>
#include <string>

#include "wasi/host/host_interfaces.h"
#include "wasi/sockets/name_lookup.h"
#include "wasi/wasi_ctx.h"

namespace sluice::wasi {
namespace {

using component::Borrow;
using component::CallContext;
using component::Err;
using component::Ok;
using component::Own;

SocketResult<Own<ResolveAddressStream>> resolve_addresses(CallContext& cx, Borrow<Network>,
                                                          std::string name) {
  auto stream = ResolveAddressStream::start(name, cx.embedder<WasiCtx>().egress());
  if (!stream.is_ok()) return Err(stream.err_value());
  return Ok(Own<ResolveAddressStream>(std::move(std::get<0>(stream.value))));
}

SocketResult<std::optional<IpAddress>> resolve_next_address(CallContext&,
                                                            Borrow<ResolveAddressStream> self) {
  return self->resolve_next_address();
}

Own<Pollable> subscribe(CallContext&, Borrow<ResolveAddressStream> self) {
  return Own<Pollable>(self->subscribe());
}

}  // namespace

void add_sockets_ip_name_lookup_to(component::HostInterfaces& host) {
  constexpr std::string_view kLookup = "wasi:sockets/ip-name-lookup@0.2";
  host.define_resource<ResolveAddressStream>(kLookup, "resolve-address-stream");
  host.define<&resolve_addresses>(kLookup, "resolve-addresses");
  host.define<&resolve_next_address>(kLookup, "[method]resolve-address-stream.resolve-next-address");
  host.define<&subscribe>(kLookup, "[method]resolve-address-stream.subscribe");
}

}  // namespace sluice::wasi
