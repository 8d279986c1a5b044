// wasi:random/random, wasi:random/insecure and wasi:random/insecure-seed.
#include <string>
#include <tuple>
#include <vector>

#include "component/guest_error.h"
#include "wasi/host/host_interfaces.h"
#include "wasi/random/random_source.h"
#include "wasi/wasi_ctx.h"

namespace sluice::wasi {
namespace {

using component::CallContext;

// The bytes are copied into guest memory, which is at most 4 GiB; asking for more than this
// cannot succeed, and the host should not allocate it first to find out.
constexpr uint64_t kMaxRandomBytes = 1u << 30;

std::vector<uint8_t> random_bytes(uint64_t len, const char* function) {
  if (len > kMaxRandomBytes) {
    throw component::GuestTrap(std::string(function) + " of " + std::to_string(len) +
                               " bytes exceeds the limit of 1 GiB");
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(len));
  fill_random(bytes.data(), bytes.size());
  return bytes;
}

std::vector<uint8_t> get_random_bytes(CallContext&, uint64_t len) {
  return random_bytes(len, "get-random-bytes");
}

uint64_t get_random_u64(CallContext&) { return random_u64(); }

// "Insecure" randomness is allowed to be weaker, not required to: the kernel's is fast enough.
std::vector<uint8_t> get_insecure_random_bytes(CallContext&, uint64_t len) {
  return random_bytes(len, "get-insecure-random-bytes");
}

uint64_t get_insecure_random_u64(CallContext&) { return random_u64(); }

std::tuple<uint64_t, uint64_t> insecure_seed(CallContext& cx) {
  auto [low, high] = cx.embedder<WasiCtx>().insecure_seed();
  return {low, high};
}

}  // namespace

void add_random_to(component::HostInterfaces& host) {
  constexpr std::string_view kRandom = "wasi:random/random@0.2";
  host.define<&get_random_bytes>(kRandom, "get-random-bytes");
  host.define<&get_random_u64>(kRandom, "get-random-u64");

  constexpr std::string_view kInsecure = "wasi:random/insecure@0.2";
  host.define<&get_insecure_random_bytes>(kInsecure, "get-insecure-random-bytes");
  host.define<&get_insecure_random_u64>(kInsecure, "get-insecure-random-u64");

  host.define<&insecure_seed>("wasi:random/insecure-seed@0.2", "insecure-seed");
}

}  // namespace sluice::wasi
