// The cost of metering on the hot path: one FlowCounters add (per stream write) and one
// decide_connect (per connect), with metering on and off. Run: build/egress/egress_bench
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

OutboundRules typical_rules() {
  OutboundRules rules;
  rules.allow_outbound("tcp://api.example.com:443");
  rules.allow_outbound("tcp://*.internal.example:8000-9000");
  rules.allow_outbound("udp://10.0.0.0/8:53");
  rules.allow_outbound("tcp://[fd00::]/8:*");
  rules.allow_outbound("tcp://127.0.0.1:*");
  return rules;
}

void BM_DecideConnect(benchmark::State& state) {
  Meter meter(typical_rules(), MeterOptions{.sandbox_id = "bench", .metering = state.range(0) != 0});
  const Destination dest{Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 8080, {}};
  uint64_t n = 0;
  for (auto _ : state) {
    FlowCounters* flow = nullptr;
    Verdict verdict = meter.decide_connect(dest, &flow);
    benchmark::DoNotOptimize(verdict);
    // Keep the event ring from filling so every iteration does the same work.
    if ((++n & 1023) == 0) {
      state.PauseTiming();
      meter.events().drain([](const Event&) {});
      state.ResumeTiming();
    }
  }
}
// Each allowed connect keeps a flow record for the sandbox's lifetime: bound the iterations.
BENCHMARK(BM_DecideConnect)->Arg(1)->Arg(0)->ArgName("metering")->Iterations(200000);

}  // namespace

BENCHMARK_MAIN();
