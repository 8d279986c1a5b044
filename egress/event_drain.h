// A background thread that drains an EventRing into a sink (the flow log) every `interval`, so
// the guest thread never formats or writes a log line. stop() (or the destructor) drains once
// more and joins; after that the embedder may drain the ring itself.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "egress/event_ring.h"

namespace sluice::egress {

class EventDrain {
 public:
  EventDrain(EventRing& ring, std::function<void(const Event&)> sink,
             std::chrono::milliseconds interval = std::chrono::milliseconds(50));
  ~EventDrain();
  EventDrain(const EventDrain&) = delete;
  EventDrain& operator=(const EventDrain&) = delete;

  void stop();

 private:
  void run();

  EventRing& ring_;
  std::function<void(const Event&)> sink_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace sluice::egress
