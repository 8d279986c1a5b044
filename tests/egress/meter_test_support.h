// Helpers the meter tests share: a policy of allow rules, and every event the ring holds.
#pragma once

#include <initializer_list>
#include <vector>

#include "egress/meter.h"

namespace sluice::egress::testing {

inline Policy policy_for(std::initializer_list<const char*> patterns) {
  Policy policy;
  for (const char* p : patterns) policy.add(p, RuleAction::kAllow, Direction::kOutbound, "test");
  return policy;
}

inline std::vector<Event> drain_all(Meter& meter) {
  std::vector<Event> events;
  meter.events().drain([&](const Event& e) { events.push_back(e); });
  return events;
}

}  // namespace sluice::egress::testing
