// Many sandboxes of the same compiled components at once, on many threads, some of them trapping
// or running into their deadline: every sandbox gets its own outcome and output, and a trap in
// one disturbs no other.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "component/host_interfaces.h"
#include "engine/runtime/sluice_rt.h"
#include "sandbox/command_runner.h"
#include "sandbox/component_loader.h"
#include "wasi/io/host_fd.h"
#include "wasi/wasi.h"
#include "wasi/wasi_ctx.h"

namespace sluice::sandbox {
namespace {

std::string guest(const std::string& name) { return std::string(SLUICE_GUEST_DIR) + "/" + name + ".wasm"; }

class ConcurrentSandboxes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    signal(SIGPIPE, SIG_IGN);
    setenv("XDG_CACHE_HOME", SLUICE_TEST_CACHE_DIR, 1);
    wasm_rt_init();
    wasi::add_wasi_to(host_);
  }
  static LoadedComponent load(const std::string& name) { return load_component(guest(name), {}); }

  static component::HostInterfaces host_;
};
component::HostInterfaces ConcurrentSandboxes::host_;

struct Outcome {
  RunResult result;
  std::string out;
};

// Runs one sandbox with its stdout captured in a temporary file.
Outcome run_one(const LoadedComponent& c, std::vector<std::string> args, const component::HostInterfaces& host,
                double timeout = 0) {
  char path[] = "/tmp/sluice-concurrent-XXXXXX";
  int fd = mkstemp(path);
  unlink(path);
  wasi::WasiCtx ctx;
  ctx.set_arguments(std::move(args));
  ctx.set_stdout(wasi::HostFd::adopt(dup(fd)));
  SandboxLimits limits;
  limits.timeout_seconds = timeout;
  Outcome o;
  o.result = run_command_component(*c.component, c.artifact->desc(), host, &ctx, limits);
  lseek(fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) o.out.append(buf, static_cast<size_t>(n));
  close(fd);
  return o;
}

TEST_F(ConcurrentSandboxes, TrapsAndDeadlinesStayInTheirOwnSandbox) {
  LoadedComponent hello = load("hello");
  LoadedComponent oob = load("trap_oob");
  LoadedComponent stack = load("trap_stack");
  LoadedComponent spin = load("spin_forever");

  constexpr int kThreads = 12;
  constexpr int kRounds = 3;
  std::vector<Outcome> outcomes(kThreads * kRounds);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        Outcome& o = outcomes[t * kRounds + round];
        switch (t % 4) {
          case 0:
          case 1: o = run_one(hello, {"hello", std::to_string(t), std::to_string(round)}, host_); break;
          case 2: o = run_one(t % 8 == 2 ? oob : stack, {"trap"}, host_); break;
          case 3: o = run_one(spin, {"spin"}, host_, 0.2); break;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();

  for (int t = 0; t < kThreads; ++t) {
    for (int round = 0; round < kRounds; ++round) {
      const Outcome& o = outcomes[t * kRounds + round];
      SCOPED_TRACE("thread " + std::to_string(t) + " round " + std::to_string(round));
      switch (t % 4) {
        case 0:
        case 1:
          EXPECT_EQ(o.result.outcome, RunOutcome::kExited) << o.result.message;
          EXPECT_EQ(o.result.exit_status, 0);
          EXPECT_EQ(o.out, "hello from sluice\nargc=3\nargv[0]=hello\nargv[1]=" + std::to_string(t) +
                               "\nargv[2]=" + std::to_string(round) + "\n");
          break;
        case 2:
          EXPECT_EQ(o.result.outcome, RunOutcome::kTrapped) << o.result.message;
          EXPECT_NE(o.result.message.find(t % 8 == 2 ? "out of bounds" : "stack"), std::string::npos)
              << o.result.message;
          break;
        case 3:
          EXPECT_EQ(o.result.outcome, RunOutcome::kTimedOut) << o.result.message;
          break;
      }
    }
  }
  // Every sandbox released its linear memories.
  EXPECT_EQ(sluice_rt_live_memory_count(), 0u);
}

TEST_F(ConcurrentSandboxes, OneArtifactManyInstancesInSequence) {
  LoadedComponent hello = load("hello");
  for (int i = 0; i < 200; ++i) {
    Outcome o = run_one(hello, {"hello"}, host_);
    ASSERT_EQ(o.result.outcome, RunOutcome::kExited) << o.result.message;
    ASSERT_EQ(o.out, "hello from sluice\nargc=1\nargv[0]=hello\n");
  }
  EXPECT_EQ(sluice_rt_live_memory_count(), 0u);
}

}  // namespace
}  // namespace sluice::sandbox
