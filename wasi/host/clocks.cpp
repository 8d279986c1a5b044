// wasi:clocks/monotonic-clock and wasi:clocks/wall-clock.
#include "wasi/clocks/clocks.h"

#include "wasi/host/host_interfaces.h"
#include "wasi/io/pollable.h"
#include "wasi/wasi_ctx.h"

namespace sluice::wasi {
namespace {

using component::CallContext;
using component::Own;

// Guest instants count from the sandbox's start (WasiCtx::monotonic_origin_ns); pollables use
// the host's CLOCK_MONOTONIC. Saturating, so a guest's "never" (UINT64_MAX) stays never.
uint64_t host_instant(const WasiCtx& wasi, uint64_t guest_instant) {
  uint64_t origin = wasi.monotonic_origin_ns();
  return guest_instant > UINT64_MAX - origin ? UINT64_MAX : origin + guest_instant;
}

uint64_t monotonic_now(CallContext& cx) {
  return monotonic_now_ns() - cx.embedder<WasiCtx>().monotonic_origin_ns();
}

uint64_t monotonic_resolution(CallContext&) { return monotonic_resolution_ns(); }

Own<Pollable> subscribe_instant(CallContext& cx, uint64_t when) {
  uint64_t deadline = host_instant(cx.embedder<WasiCtx>(), when);
  return Own<Pollable>(make_pollable([deadline] { return Readiness::at(deadline); }));
}

Own<Pollable> subscribe_duration(CallContext&, uint64_t duration) {
  uint64_t now = monotonic_now_ns();
  uint64_t deadline = duration > UINT64_MAX - now ? UINT64_MAX : now + duration;
  return Own<Pollable>(make_pollable([deadline] { return Readiness::at(deadline); }));
}

Datetime wall_now(CallContext&) { return wall_clock_now(); }
Datetime wall_resolution(CallContext&) { return wall_clock_resolution(); }

}  // namespace

void add_clocks_to(component::HostInterfaces& host) {
  constexpr std::string_view kMonotonic = "wasi:clocks/monotonic-clock@0.2";
  host.define<&monotonic_now>(kMonotonic, "now");
  host.define<&monotonic_resolution>(kMonotonic, "resolution");
  host.define<&subscribe_instant>(kMonotonic, "subscribe-instant");
  host.define<&subscribe_duration>(kMonotonic, "subscribe-duration");

  constexpr std::string_view kWall = "wasi:clocks/wall-clock@0.2";
  host.define<&wall_now>(kWall, "now");
  host.define<&wall_resolution>(kWall, "resolution");
}

}  // namespace sluice::wasi
