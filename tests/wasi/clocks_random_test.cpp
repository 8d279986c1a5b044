// wasi:clocks and wasi:random.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "engine/runtime/sluice_rt.h"
#include "tests/wasi/guest_harness.h"

namespace sluice::wasi::testing {
namespace {

constexpr std::string_view kMonotonic = "wasi:clocks/monotonic-clock@0.2.12";
constexpr std::string_view kWall = "wasi:clocks/wall-clock@0.2.12";
constexpr std::string_view kPoll = "wasi:io/poll@0.2.12";

TEST(WasiClocks, MonotonicCountsFromSandboxStart) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  uint64_t first = guest.call(kMonotonic, "now", {}).i64();
  EXPECT_LT(first, 10'000'000'000u) << "counts from the sandbox's start, not the host's boot";
  uint64_t second = guest.call(kMonotonic, "now", {}).i64();
  EXPECT_GE(second, first);
  uint64_t resolution = guest.call(kMonotonic, "resolution", {}).i64();
  EXPECT_GT(resolution, 0u);
  EXPECT_LE(resolution, 1'000'000u);
}

TEST(WasiClocks, SubscribeDurationWaits) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  auto start = std::chrono::steady_clock::now();
  uint32_t timer = guest.call(kMonotonic, "subscribe-duration", {20'000'000}).i32();
  EXPECT_EQ(guest.call(kPoll, "[method]pollable.ready", {timer}).i32(), 0u);
  ASSERT_EQ(guest.call(kPoll, "[method]pollable.block", {timer}).trap, 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(19));
  EXPECT_EQ(guest.call(kPoll, "[method]pollable.ready", {timer}).i32(), 1u);
}

TEST(WasiClocks, SubscribeInstant) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  uint64_t now = guest.call(kMonotonic, "now", {}).i64();
  uint32_t past = guest.call(kMonotonic, "subscribe-instant", {now}).i32();
  EXPECT_EQ(guest.call(kPoll, "[method]pollable.ready", {past}).i32(), 1u);
  uint32_t soon = guest.call(kMonotonic, "subscribe-instant", {now + 20'000'000}).i32();
  EXPECT_EQ(guest.call(kPoll, "[method]pollable.ready", {soon}).i32(), 0u);
  ASSERT_EQ(guest.call(kPoll, "[method]pollable.block", {soon}).trap, 0);
  EXPECT_GE(guest.call(kMonotonic, "now", {}).i64(), now + 20'000'000);
  uint32_t never = guest.call(kMonotonic, "subscribe-instant", {UINT64_MAX}).i32();
  EXPECT_EQ(guest.call(kPoll, "[method]pollable.ready", {never}).i32(), 0u);
}

TEST(WasiClocks, WallClock) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  uint32_t ret = guest.alloc(16, 8);
  ASSERT_EQ(guest.call(kWall, "now", {ret}).trap, 0);
  uint64_t seconds = guest.u64(ret);
  EXPECT_NEAR(static_cast<double>(seconds), static_cast<double>(time(nullptr)), 2.0);
  EXPECT_LT(guest.u32(ret + 8), 1'000'000'000u);
  ASSERT_EQ(guest.call(kWall, "resolution", {ret}).trap, 0);
  EXPECT_EQ(guest.u64(ret), 0u);
  EXPECT_GT(guest.u32(ret + 8), 0u);
}

TEST(WasiRandom, Bytes) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  uint32_t ret = guest.alloc(8, 4);
  ASSERT_EQ(guest.call("wasi:random/random@0.2.12", "get-random-bytes", {32, ret}).trap, 0);
  ASSERT_EQ(guest.u32(ret + 4), 32u);
  std::string first = guest.bytes_at(ret);
  ASSERT_EQ(guest.call("wasi:random/random@0.2.12", "get-random-bytes", {32, ret}).trap, 0);
  EXPECT_NE(guest.bytes_at(ret), first);
  EXPECT_NE(first, std::string(32, '\0'));
  ASSERT_EQ(guest.call("wasi:random/insecure@0.2.12", "get-insecure-random-bytes", {5, ret}).trap,
            0);
  EXPECT_EQ(guest.u32(ret + 4), 5u);
  ASSERT_EQ(guest.call("wasi:random/random@0.2.12", "get-random-bytes", {0, ret}).trap, 0);
  EXPECT_EQ(guest.u32(ret + 4), 0u);
}

TEST(WasiRandom, HugeRequestsTrap) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  uint32_t ret = guest.alloc(8, 4);
  EXPECT_EQ(guest.call("wasi:random/random@0.2.12", "get-random-bytes", {1ull << 40, ret}).trap,
            SLUICE_TRAP_HOST);
  // More than the guest memory can take: its allocator hands out an address the host refuses.
  EXPECT_EQ(guest.call("wasi:random/random@0.2.12", "get-random-bytes", {2 << 20, ret}).trap,
            SLUICE_TRAP_HOST);
}

TEST(WasiRandom, U64AndSeed) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  uint64_t a = guest.call("wasi:random/random@0.2.12", "get-random-u64", {}).i64();
  uint64_t b = guest.call("wasi:random/random@0.2.12", "get-random-u64", {}).i64();
  EXPECT_NE(a, b);
  EXPECT_NE(guest.call("wasi:random/insecure@0.2.12", "get-insecure-random-u64", {}).i64(), a);
  uint32_t ret = guest.alloc(16, 8);
  ASSERT_EQ(guest.call("wasi:random/insecure-seed@0.2.12", "insecure-seed", {ret}).trap, 0);
  uint64_t low = guest.u64(ret), high = guest.u64(ret + 8);
  ASSERT_EQ(guest.call("wasi:random/insecure-seed@0.2.12", "insecure-seed", {ret}).trap, 0);
  EXPECT_EQ(guest.u64(ret), low) << "the seed is fixed for a sandbox";
  EXPECT_EQ(guest.u64(ret + 8), high);
}

}  // namespace
}  // namespace sluice::wasi::testing
