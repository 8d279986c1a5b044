// The WASI 0.2 host: every interface sluice implements but wasi:http, registered under
// "wasi:<package>/<interface>@0.2" so components importing any 0.2.x release find them.
// Host functions expect the import's embedder pointer to be the sandbox's WasiCtx.
#pragma once

#include "component/host_interfaces.h"
#include "wasi/wasi_ctx.h"

namespace sluice::wasi {

void add_wasi_to(component::HostInterfaces& host);

}  // namespace sluice::wasi
