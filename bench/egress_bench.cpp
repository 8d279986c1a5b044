// The cost of metering on the hot path: one FlowCounters add (per stream write) and one
// connection's decide/established/closed, with metering on and off. Run: build/egress/egress_bench
#include <benchmark/benchmark.h>

#include "egress/meter.h"

namespace {

using namespace sluice::egress;

void BM_FlowCountersAdd(benchmark::State& state) {
  FlowCounters counters;
  for (auto _ : state) {
    FlowCounters::add(counters.bytes_out, 4096);
    benchmark::DoNotOptimize(&counters);
  }
  benchmark::DoNotOptimize(counters.bytes_out.load());
}
BENCHMARK(BM_FlowCountersAdd);

Policy typical_policy() {
  Policy policy;
  for (const char* pattern : {"tcp://api.example.com:443", "tcp://*.internal.example:8000-9000",
                              "udp://10.0.0.0/8:53", "tcp://[fd00::]/8:*", "tcp://127.0.0.1:*"}) {
    policy.add(pattern, RuleAction::kAllow, Direction::kOutbound, "bench");
  }
  policy.add("*://metadata:*", RuleAction::kDeny, Direction::kOutbound, "bench");
  return policy;
}

// Everything the meter does for one connection: decide, established, closed (the kernel
// cross-check runs elsewhere, off the guest's thread). Flow records are pooled, so this runs
// for as long as the benchmark likes.
void BM_ConnectClose(benchmark::State& state) {
  Meter meter(typical_policy(), MeterOptions{.sandbox_id = "bench", .metering = state.range(0) != 0});
  const Destination dest{Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080, {}};
  uint64_t n = 0;
  for (auto _ : state) {
    FlowCounters* flow = nullptr;
    Verdict verdict = meter.decide_connect(dest, &flow);
    benchmark::DoNotOptimize(verdict);
    meter.connect_finished(flow, true, 0);
    meter.flow_closed(flow, nullptr);
    // Keep the event ring from filling so every iteration does the same work.
    if ((++n & 511) == 0) {
      state.PauseTiming();
      meter.events().drain([](const Event&) {});
      state.ResumeTiming();
    }
  }
}
BENCHMARK(BM_ConnectClose)->Arg(1)->Arg(0)->ArgName("metering");

}  // namespace

BENCHMARK_MAIN();
