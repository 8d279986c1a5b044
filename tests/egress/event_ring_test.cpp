#include "egress/event_ring.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "egress/event_drain.h"
#include "egress/meter.h"

namespace sluice::egress {
namespace {

Event numbered(uint64_t n) {
  Event e;
  e.kind = Event::Kind::kClosed;
  e.bytes_out = n;
  return e;
}

TEST(EventRing, CapacityRoundsUpToPowerOfTwo) {
  EXPECT_EQ(EventRing(5).capacity(), 8u);
  EXPECT_EQ(EventRing(0).capacity(), 2u);
  EXPECT_EQ(EventRing(16).capacity(), 16u);
}

TEST(EventRing, OverflowDropsAndCountsInOrder) {
  EventRing ring(4);
  for (uint64_t i = 0; i < 10; ++i) ring.push(numbered(i));
  EXPECT_EQ(ring.recorded(), 4u);
  EXPECT_EQ(ring.dropped(), 6u);
  std::vector<uint64_t> seen;
  EXPECT_EQ(ring.drain([&](const Event& e) { seen.push_back(e.bytes_out); }), 4u);
  EXPECT_EQ(seen, (std::vector<uint64_t>{0, 1, 2, 3}));  // oldest kept, newest dropped
  EXPECT_TRUE(ring.push(numbered(10)));  // room again after draining
  EXPECT_EQ(ring.drain([](const Event&) {}), 1u);
}

TEST(EventRing, OverflowNeverLosesLedgerCounters) {
  Policy policy;
  policy.add("tcp://127.0.0.1:*", RuleAction::kAllow, Direction::kOutbound, "test");
  Meter meter(std::move(policy), MeterOptions{.sandbox_id = "s", .event_capacity = 8});
  const Destination allowed{Transport::kTcp, IpAddress::v4(127, 0, 0, 1), 80, {}};
  const Destination denied{Transport::kTcp, IpAddress::v4(10, 0, 0, 1), 80, {}};
  for (int i = 0; i < 100; ++i) {
    FlowCounters* flow = nullptr;
    meter.decide_connect(allowed, &flow);
    meter.connect_finished(flow, true, 0);
    FlowCounters::add(flow->bytes_out, 10);
    meter.flow_closed(flow, nullptr);
    meter.decide_connect(denied, &flow);
  }
  EXPECT_EQ(meter.events().recorded(), 8u);
  EXPECT_EQ(meter.events().dropped(), 400u - 8u);
  LedgerSnapshot snap = meter.snapshot();
  EXPECT_EQ(snap.totals.connections_attempted, 100u);
  EXPECT_EQ(snap.totals.connections_established, 100u);
  EXPECT_EQ(snap.totals.connections_denied, 100u);
  EXPECT_EQ(snap.totals.bytes_sent, 1000u);
}

TEST(EventRing, ConsumerThreadDrainsConcurrently) {
  EventRing ring(64);
  constexpr uint64_t kEvents = 200000;
  uint64_t expected_next = 0;
  bool in_order = true;
  uint64_t consumed = 0;
  {
    EventDrain drain(ring, [&](const Event& e) {
      // Events may be dropped, but the ones delivered stay in push order.
      if (e.bytes_out < expected_next) in_order = false;
      expected_next = e.bytes_out + 1;
      ++consumed;
    }, std::chrono::milliseconds(1));
    std::thread producer([&] {
      for (uint64_t i = 0; i < kEvents; ++i) {
        ring.push(numbered(i));
        // Pause now and then so the consumer (1 ms period) gets to run mid-stream.
        if (i % 4096 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    });
    producer.join();
  }  // stop(): final drain, join
  EXPECT_TRUE(in_order);
  EXPECT_EQ(consumed, ring.recorded());
  EXPECT_EQ(ring.recorded() + ring.dropped(), kEvents);
  EXPECT_GT(ring.recorded(), 64u);  // the consumer made room while the producer ran
}

}  // namespace
}  // namespace sluice::egress
