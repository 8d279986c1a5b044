// wasi:io: streams' rules (permits, limits, errors), poll over timers and pipes, error
// resources, and traps for bad handles and pointers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "engine/runtime/sluice_rt.h"
#include "tests/wasi/guest_harness.h"
#include "tests/wasi/test_fds.h"
#include "wasi/io/streams.h"

namespace sluice::wasi::testing {
namespace {

constexpr std::string_view kStreams = "wasi:io/streams@0.2.12";
constexpr std::string_view kPoll = "wasi:io/poll@0.2.12";
constexpr std::string_view kError = "wasi:io/error@0.2.12";
constexpr std::string_view kMonotonic = "wasi:clocks/monotonic-clock@0.2.12";

using Clock = std::chrono::steady_clock;

// A guest with stdin and stdout on pipes the test holds the other ends of.
struct PipedGuest {
  Pipe in, out;
  WasiCtx wasi;
  FakeGuest guest{wasi};
  uint32_t stdin_handle = 0, stdout_handle = 0;

  PipedGuest() {
    wasi.set_stdin(HostFd::adopt(in.take_read()));
    wasi.set_stdout(HostFd::adopt(out.take_write()));
    stdin_handle = guest.call("wasi:cli/stdin@0.2.12", "get-stdin", {}).i32();
    stdout_handle = guest.call("wasi:cli/stdout@0.2.12", "get-stdout", {}).i32();
  }

  uint64_t check_write() {
    uint32_t ret = guest.alloc(16, 8);
    EXPECT_EQ(guest.call(kStreams, "[method]output-stream.check-write", {stdout_handle, ret}).trap,
              0);
    EXPECT_EQ(guest.u8(ret), 0);
    return guest.u64(ret + 8);
  }
};

TEST(WasiIo, WriteMoreThanPermittedTraps) {
  PipedGuest p;
  uint64_t permit = p.check_write();
  ASSERT_GT(permit, 0u);
  uint32_t data = p.guest.alloc(static_cast<uint32_t>(permit) + 1, 1);
  uint32_t ret = p.guest.alloc(12, 4);
  CallOutcome over = p.guest.call(kStreams, "[method]output-stream.write",
                                  {p.stdout_handle, data, permit + 1, ret});
  EXPECT_EQ(over.trap, SLUICE_TRAP_HOST);
  EXPECT_NE(over.message.find("exceeds"), std::string::npos) << over.message;
}

TEST(WasiIo, WriteWithoutCheckWriteTraps) {
  PipedGuest p;
  uint32_t data = p.guest.put("x");
  uint32_t ret = p.guest.alloc(12, 4);
  EXPECT_EQ(
      p.guest.call(kStreams, "[method]output-stream.write", {p.stdout_handle, data, 1, ret}).trap,
      SLUICE_TRAP_HOST);
}

TEST(WasiIo, PermitShrinksWithEachWrite) {
  PipedGuest p;
  uint64_t permit = p.check_write();
  uint32_t data = p.guest.alloc(static_cast<uint32_t>(permit), 1);
  uint32_t ret = p.guest.alloc(12, 4);
  ASSERT_EQ(
      p.guest
          .call(kStreams, "[method]output-stream.write", {p.stdout_handle, data, permit - 10, ret})
          .trap,
      0);
  EXPECT_EQ(
      p.guest.call(kStreams, "[method]output-stream.write-zeroes", {p.stdout_handle, 10, ret}).trap,
      0);
  EXPECT_EQ(
      p.guest.call(kStreams, "[method]output-stream.write-zeroes", {p.stdout_handle, 1, ret}).trap,
      SLUICE_TRAP_HOST);
  EXPECT_EQ(p.out.read_available().size(), permit);
}

TEST(WasiIo, BlockingWriteOver4096Traps) {
  PipedGuest p;
  uint32_t data = p.guest.alloc(4097, 1);
  uint32_t ret = p.guest.alloc(12, 4);
  EXPECT_EQ(p.guest
                .call(kStreams, "[method]output-stream.blocking-write-and-flush",
                      {p.stdout_handle, data, 4096, ret})
                .trap,
            0);
  EXPECT_EQ(p.guest
                .call(kStreams, "[method]output-stream.blocking-write-and-flush",
                      {p.stdout_handle, data, 4097, ret})
                .trap,
            SLUICE_TRAP_HOST);
  EXPECT_EQ(p.guest
                .call(kStreams, "[method]output-stream.blocking-write-zeroes-and-flush",
                      {p.stdout_handle, 4097, ret})
                .trap,
            SLUICE_TRAP_HOST);
}

TEST(WasiIo, WriteToClosedPipeReportsClosed) {
  PipedGuest p;
  p.out.close_read();
  uint32_t data = p.guest.put("lost");
  uint32_t ret = p.guest.alloc(12, 4);
  ASSERT_EQ(p.guest
                .call(kStreams, "[method]output-stream.blocking-write-and-flush",
                      {p.stdout_handle, data, 4, ret})
                .trap,
            0);
  EXPECT_EQ(p.guest.u8(ret), 1);
  EXPECT_EQ(p.guest.u8(ret + 4), 1) << "closed, not last-operation-failed";
}

TEST(WasiIo, FailedWriteCarriesAnErrorThenTheStreamIsClosed) {
  // stdout on an fd opened read-only: write(2) fails with EBADF.
  WasiCtx wasi;
  wasi.set_stdout(HostFd::adopt(open("/dev/null", O_RDONLY | O_CLOEXEC)));
  FakeGuest guest(wasi);
  uint32_t handle = guest.call("wasi:cli/stdout@0.2.12", "get-stdout", {}).i32();
  uint32_t data = guest.put("x");
  uint32_t ret = guest.alloc(12, 4);
  ASSERT_EQ(
      guest.call(kStreams, "[method]output-stream.blocking-write-and-flush", {handle, data, 1, ret})
          .trap,
      0);
  ASSERT_EQ(guest.u8(ret), 1);
  ASSERT_EQ(guest.u8(ret + 4), 0) << "last-operation-failed";
  uint32_t error = guest.u32(ret + 8);

  uint32_t text = guest.alloc(8, 4);
  ASSERT_EQ(guest.call(kError, "[method]error.to-debug-string", {error, text}).trap, 0);
  EXPECT_EQ(guest.bytes_at(text), "write to stdout: Bad file descriptor");

  uint32_t code = guest.alloc(2, 1);
  ASSERT_EQ(guest.call("wasi:filesystem/types@0.2.12", "filesystem-error-code", {error, code}).trap,
            0);
  EXPECT_EQ(guest.u8(code), 1);
  EXPECT_EQ(guest.u8(code + 1), 3) << "error-code.bad-descriptor";

  ASSERT_EQ(
      guest.call(kStreams, "[method]output-stream.blocking-write-and-flush", {handle, data, 1, ret})
          .trap,
      0);
  EXPECT_EQ(guest.u8(ret + 4), 1) << "closed after a failure";
}

TEST(WasiIo, SkipAndSplice) {
  PipedGuest p;
  p.in.write_all("0123456789");
  uint32_t ret = p.guest.alloc(16, 8);
  ASSERT_EQ(
      p.guest.call(kStreams, "[method]input-stream.blocking-skip", {p.stdin_handle, 4, ret}).trap,
      0);
  ASSERT_EQ(p.guest.u8(ret), 0);
  EXPECT_EQ(p.guest.u64(ret + 8), 4u);
  ASSERT_EQ(
      p.guest
          .call(kStreams, "[method]output-stream.splice", {p.stdout_handle, p.stdin_handle, 3, ret})
          .trap,
      0);
  ASSERT_EQ(p.guest.u8(ret), 0);
  EXPECT_EQ(p.guest.u64(ret + 8), 3u);
  ASSERT_EQ(p.guest
                .call(kStreams, "[method]output-stream.blocking-splice",
                      {p.stdout_handle, p.stdin_handle, 100, ret})
                .trap,
            0);
  EXPECT_EQ(p.guest.u64(ret + 8), 3u);
  EXPECT_EQ(p.out.read_available(), "456789");
}

// wasi:io/poll.poll over the given handles; returns the indices it reports ready.
std::vector<uint32_t> poll(FakeGuest& guest, const std::vector<uint32_t>& handles) {
  uint32_t in = guest.put_u32s(handles);
  uint32_t ret = guest.alloc(8, 4);
  CallOutcome out = guest.call(kPoll, "poll", {in, handles.size(), ret});
  EXPECT_EQ(out.trap, 0) << out.message;
  std::vector<uint32_t> ready;
  for (uint32_t i = 0; i < guest.u32(ret + 4); ++i)
    ready.push_back(guest.u32(guest.u32(ret) + i * 4));
  return ready;
}

TEST(WasiIo, PollOverTimerAndPipe) {
  PipedGuest p;
  uint32_t readable =
      p.guest.call(kStreams, "[method]input-stream.subscribe", {p.stdin_handle}).i32();
  Clock::time_point start = Clock::now();
  uint32_t timer = p.guest.call(kMonotonic, "subscribe-duration", {30'000'000}).i32();  // 30 ms
  EXPECT_EQ(poll(p.guest, {timer, readable}), std::vector<uint32_t>{0}) << "the timer fires first";
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(29));

  uint32_t later = p.guest.call(kMonotonic, "subscribe-duration", {10'000'000'000}).i32();  // 10 s
  p.in.write_all("x");
  start = Clock::now();
  EXPECT_EQ(poll(p.guest, {later, readable}), std::vector<uint32_t>{1}) << "the pipe is readable";
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));

  EXPECT_EQ(poll(p.guest, {timer, later, readable, timer}), (std::vector<uint32_t>{0, 2, 3}));
}

TEST(WasiIo, PollWithNoPollablesTraps) {
  PipedGuest p;
  uint32_t ret = p.guest.alloc(8, 4);
  EXPECT_EQ(p.guest.call(kPoll, "poll", {p.guest.alloc(0, 4), 0, ret}).trap, SLUICE_TRAP_HOST);
}

TEST(WasiIo, PollableReadyAndBlock) {
  PipedGuest p;
  uint32_t readable =
      p.guest.call(kStreams, "[method]input-stream.subscribe", {p.stdin_handle}).i32();
  uint32_t writable =
      p.guest.call(kStreams, "[method]output-stream.subscribe", {p.stdout_handle}).i32();
  EXPECT_EQ(p.guest.call(kPoll, "[method]pollable.ready", {readable}).i32(), 0u);
  EXPECT_EQ(p.guest.call(kPoll, "[method]pollable.ready", {writable}).i32(), 1u);
  p.in.write_all("x");
  EXPECT_EQ(p.guest.call(kPoll, "[method]pollable.block", {readable}).trap, 0);
  EXPECT_EQ(p.guest.call(kPoll, "[method]pollable.ready", {readable}).i32(), 1u);
}

TEST(WasiIo, PollableOutlivesItsStream) {
  PipedGuest p;
  uint32_t readable =
      p.guest.call(kStreams, "[method]input-stream.subscribe", {p.stdin_handle}).i32();
  p.guest.table().drop(p.stdin_handle, component::resource_type_of<InputStream>());
  p.in.write_all("x");
  EXPECT_EQ(p.guest.call(kPoll, "[method]pollable.ready", {readable}).i32(), 1u);
}

TEST(WasiIo, BlockedGuestIsInterruptedByItsDeadline) {
  PipedGuest p;
  uint32_t timer = p.guest.call(kMonotonic, "subscribe-duration", {60'000'000'000}).i32();  // 60 s
  sluice_rt_deadline* deadline = sluice_rt_deadline_start(0.05);
  Clock::time_point start = Clock::now();
  CallOutcome blocked = p.guest.call(kPoll, "[method]pollable.block", {timer});
  sluice_rt_deadline_cancel(deadline);
  EXPECT_EQ(blocked.trap, SLUICE_TRAP_INTERRUPTED) << blocked.message;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

TEST(WasiIo, WrongHandleTypeTraps) {
  PipedGuest p;
  uint32_t ret = p.guest.alloc(12, 4);
  CallOutcome out = p.guest.call(kStreams, "[method]input-stream.read", {p.stdout_handle, 10, ret});
  EXPECT_EQ(out.trap, SLUICE_TRAP_HOST);
  EXPECT_NE(out.message.find("output-stream"), std::string::npos) << out.message;
  EXPECT_EQ(p.guest.call(kStreams, "[method]input-stream.read", {999, 10, ret}).trap,
            SLUICE_TRAP_HOST)
      << "unknown handle";
  EXPECT_EQ(p.guest.call(kStreams, "[method]input-stream.read", {0, 10, ret}).trap,
            SLUICE_TRAP_HOST)
      << "handle 0";
}

TEST(WasiIo, OutOfBoundsPointersTrap) {
  PipedGuest p;
  p.check_write();
  uint32_t ret = p.guest.alloc(12, 4);
  // Contents running past the end of memory.
  EXPECT_EQ(p.guest
                .call(kStreams, "[method]output-stream.write",
                      {p.stdout_handle, FakeGuest::kMemorySize - 2, 4, ret})
                .trap,
            SLUICE_TRAP_HOST);
  // A return pointer outside memory, and one misaligned.
  uint32_t data = p.guest.put("ok");
  EXPECT_EQ(p.guest
                .call(kStreams, "[method]output-stream.write",
                      {p.stdout_handle, data, 2, FakeGuest::kMemorySize})
                .trap,
            SLUICE_TRAP_HOST);
  EXPECT_EQ(
      p.guest.call(kStreams, "[method]output-stream.check-write", {p.stdout_handle, ret + 1}).trap,
      SLUICE_TRAP_HOST);
  // A poll list whose elements lie outside memory.
  uint32_t poll_ret = p.guest.alloc(8, 4);
  EXPECT_EQ(p.guest.call(kPoll, "poll", {FakeGuest::kMemorySize - 4, 2, poll_ret}).trap,
            SLUICE_TRAP_HOST);
}

}  // namespace
}  // namespace sluice::wasi::testing
