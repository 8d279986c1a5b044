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

}  // namespace sluice::wasi
