// wasi:cli: environment, exit, stdio, terminals.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/runtime/sluice_rt.h"
#include "tests/wasi/guest_harness.h"
#include "tests/wasi/test_fds.h"

namespace sluice::wasi::testing {
namespace {

constexpr std::string_view kEnvironment = "wasi:cli/environment@0.2.12";
constexpr std::string_view kExit = "wasi:cli/exit@0.2.12";
constexpr std::string_view kStreams = "wasi:io/streams@0.2.12";

TEST(WasiCli, ArgumentsRoundTrip) {
  WasiCtx wasi;
  wasi.set_arguments({"agent.wasm", "--name", "h\xc3\xa9llo", ""});
  FakeGuest guest(wasi);
  uint32_t ret = guest.alloc(8, 4);
  ASSERT_EQ(guest.call(kEnvironment, "get-arguments", {ret}).trap, 0);
  uint32_t list = guest.u32(ret);
  ASSERT_EQ(guest.u32(ret + 4), 4u);
  EXPECT_EQ(guest.bytes_at(list + 0), "agent.wasm");
  EXPECT_EQ(guest.bytes_at(list + 8), "--name");
  EXPECT_EQ(guest.bytes_at(list + 16), "h\xc3\xa9llo");
  EXPECT_EQ(guest.bytes_at(list + 24), "");
}

TEST(WasiCli, EnvironmentRoundTrip) {
  WasiCtx wasi;
  wasi.set_environment({{"HOME", "/home/agent"}, {"EMPTY", ""}});
  FakeGuest guest(wasi);
  uint32_t ret = guest.alloc(8, 4);
  ASSERT_EQ(guest.call(kEnvironment, "get-environment", {ret}).trap, 0);
  uint32_t list = guest.u32(ret);
  ASSERT_EQ(guest.u32(ret + 4), 2u);
  EXPECT_EQ(guest.bytes_at(list + 0), "HOME");
  EXPECT_EQ(guest.bytes_at(list + 8), "/home/agent");
  EXPECT_EQ(guest.bytes_at(list + 16), "EMPTY");
  EXPECT_EQ(guest.bytes_at(list + 24), "");
}

TEST(WasiCli, InitialCwd) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  uint32_t ret = guest.alloc(12, 4);
  ASSERT_EQ(guest.call(kEnvironment, "initial-cwd", {ret}).trap, 0);
  EXPECT_EQ(guest.u8(ret), 0) << "none by default";
  wasi.set_initial_cwd("/data");
  ASSERT_EQ(guest.call(kEnvironment, "initial-cwd", {ret}).trap, 0);
  EXPECT_EQ(guest.u8(ret), 1);
  EXPECT_EQ(guest.bytes_at(ret + 4), "/data");
}

TEST(WasiCli, RejectsArgumentsThatAreNotUtf8) {
  WasiCtx wasi;
  EXPECT_THROW(wasi.set_arguments({"\xff"}), std::invalid_argument);
  EXPECT_THROW(wasi.set_environment({{"A", "\xc0\x80"}}), std::invalid_argument);
}

TEST(WasiCli, ExitReportsStatus) {
  WasiCtx wasi;
  FakeGuest guest(wasi);
  CallOutcome ok = guest.call(kExit, "exit", {0});
  EXPECT_EQ(ok.trap, SLUICE_TRAP_EXIT);
  EXPECT_EQ(ok.exit_status, 0);
  CallOutcome err = guest.call(kExit, "exit", {1});
  EXPECT_EQ(err.trap, SLUICE_TRAP_EXIT);
  EXPECT_EQ(err.exit_status, 1);
  CallOutcome code = guest.call(kExit, "exit-with-code", {42});
  EXPECT_EQ(code.trap, SLUICE_TRAP_EXIT);
  EXPECT_EQ(code.exit_status, 42);
  EXPECT_EQ(guest.call(kExit, "exit", {2}).trap, SLUICE_TRAP_HOST) << "result discriminant 2";
}

TEST(WasiCli, StdoutWritesReachPipe) {
  Pipe pipe;
  WasiCtx wasi;
  wasi.set_stdout(HostFd::adopt(pipe.take_write()));
  FakeGuest guest(wasi);
  CallOutcome get = guest.call("wasi:cli/stdout@0.2.12", "get-stdout", {});
  ASSERT_EQ(get.trap, 0);
  uint32_t stdout_handle = get.i32();

  uint32_t ret = guest.alloc(16, 8);
  ASSERT_EQ(guest.call(kStreams, "[method]output-stream.check-write", {stdout_handle, ret}).trap,
            0);
  ASSERT_EQ(guest.u8(ret), 0);
  EXPECT_GE(guest.u64(ret + 8), 4096u);

  uint32_t text = guest.put("hello, ");
  ASSERT_EQ(guest.call(kStreams, "[method]output-stream.write", {stdout_handle, text, 7, ret}).trap,
            0);
  EXPECT_EQ(guest.u8(ret), 0);
  uint32_t more = guest.put("world\n");
  ASSERT_EQ(guest
                .call(kStreams, "[method]output-stream.blocking-write-and-flush",
                      {stdout_handle, more, 6, ret})
                .trap,
            0);
  EXPECT_EQ(guest.u8(ret), 0);
  EXPECT_EQ(pipe.read_available(), "hello, world\n");
}

TEST(WasiCli, StderrWritesReachPipe) {
  Pipe pipe;
  WasiCtx wasi;
  wasi.set_stderr(HostFd::adopt(pipe.take_write()));
  FakeGuest guest(wasi);
  uint32_t handle = guest.call("wasi:cli/stderr@0.2.12", "get-stderr", {}).i32();
  uint32_t text = guest.put("oops");
  uint32_t ret = guest.alloc(12, 4);
  ASSERT_EQ(
      guest.call(kStreams, "[method]output-stream.blocking-write-and-flush", {handle, text, 4, ret})
          .trap,
      0);
  EXPECT_EQ(pipe.read_available(), "oops");
}

TEST(WasiCli, StdinReadsThenReportsClosed) {
  Pipe pipe;
  WasiCtx wasi;
  wasi.set_stdin(HostFd::adopt(pipe.take_read()));
  FakeGuest guest(wasi);
  uint32_t handle = guest.call("wasi:cli/stdin@0.2.12", "get-stdin", {}).i32();
  uint32_t ret = guest.alloc(12, 4);

  // Nothing written yet: a non-blocking read returns an empty list.
  ASSERT_EQ(guest.call(kStreams, "[method]input-stream.read", {handle, 100, ret}).trap, 0);
  EXPECT_EQ(guest.u8(ret), 0);
  EXPECT_EQ(guest.u32(ret + 8), 0u);

  pipe.write_all("line one\n");
  ASSERT_EQ(guest.call(kStreams, "[method]input-stream.blocking-read", {handle, 100, ret}).trap, 0);
  ASSERT_EQ(guest.u8(ret), 0);
  EXPECT_EQ(guest.bytes_at(ret + 4), "line one\n");

  pipe.write_all("abcdef");
  ASSERT_EQ(guest.call(kStreams, "[method]input-stream.blocking-read", {handle, 3, ret}).trap, 0);
  EXPECT_EQ(guest.bytes_at(ret + 4), "abc") << "never more than asked for";

  pipe.close_write();
  ASSERT_EQ(guest.call(kStreams, "[method]input-stream.blocking-read", {handle, 100, ret}).trap, 0);
  EXPECT_EQ(guest.bytes_at(ret + 4), "def");
  ASSERT_EQ(guest.call(kStreams, "[method]input-stream.blocking-read", {handle, 100, ret}).trap, 0);
  EXPECT_EQ(guest.u8(ret), 1) << "error at end of input";
  EXPECT_EQ(guest.u8(ret + 4), 1) << "stream-error.closed";
}

TEST(WasiCli, TerminalsOnlyForTtys) {
  Pipe pipe;
  WasiCtx wasi;
  wasi.set_stdout(HostFd::adopt(pipe.take_write()));
  int pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(pty, 0);
  ASSERT_EQ(grantpt(pty), 0);
  ASSERT_EQ(unlockpt(pty), 0);
  int tty = open(ptsname(pty), O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(tty, 0);
  wasi.set_stdin(HostFd::adopt(tty));
  FakeGuest guest(wasi);

  uint32_t ret = guest.alloc(8, 4);
  ASSERT_EQ(guest.call("wasi:cli/terminal-stdout@0.2.12", "get-terminal-stdout", {ret}).trap, 0);
  EXPECT_EQ(guest.u8(ret), 0) << "a pipe is not a terminal";
  ASSERT_EQ(guest.call("wasi:cli/terminal-stdin@0.2.12", "get-terminal-stdin", {ret}).trap, 0);
  EXPECT_EQ(guest.u8(ret), 1) << "a pty is";
  EXPECT_NE(guest.u32(ret + 4), 0u);
  close(pty);
}

}  // namespace
}  // namespace sluice::wasi::testing
