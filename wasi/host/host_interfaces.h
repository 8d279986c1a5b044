// Registration of each WASI interface family (one file each, like wasmtime's wasi::host
// modules). add_wasi_to (wasi/wasi.h) calls them all.
#pragma once

#include "component/host_interfaces.h"

namespace sluice::wasi {

void add_cli_to(component::HostInterfaces& host);         // cli.cpp
void add_clocks_to(component::HostInterfaces& host);      // clocks.cpp
void add_random_to(component::HostInterfaces& host);      // random.cpp
void add_io_to(component::HostInterfaces& host);          // io.cpp
void add_filesystem_to(component::HostInterfaces& host);  // filesystem.cpp
void add_sockets_network_to(component::HostInterfaces& host);         // sockets_network.cpp
void add_sockets_tcp_to(component::HostInterfaces& host);             // sockets_tcp.cpp
void add_sockets_udp_to(component::HostInterfaces& host);             // sockets_udp.cpp
void add_sockets_ip_name_lookup_to(component::HostInterfaces& host);  // sockets_ip_name_lookup.cpp

}  // namespace sluice::wasi
