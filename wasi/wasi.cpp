#include "wasi/wasi.h"

#include "wasi/host/host_interfaces.h"

namespace sluice::wasi {

void add_wasi_to(component::HostInterfaces& host) {
  add_io_to(host);
  add_clocks_to(host);
  add_random_to(host);
  add_cli_to(host);
  add_filesystem_to(host);
  add_sockets_network_to(host);
  add_sockets_tcp_to(host);
  add_sockets_udp_to(host);
  add_sockets_ip_name_lookup_to(host);
}

}  // namespace sluice::wasi
