#include "egress/event_drain.h"

namespace sluice::egress {

EventDrain::EventDrain(EventRing& ring, std::function<void(const Event&)> sink,
                       std::chrono::milliseconds interval)
    : ring_(ring), sink_(std::move(sink)), interval_(interval), thread_([this] { run(); }) {}

EventDrain::~EventDrain() { stop(); }

void EventDrain::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventDrain::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
    lock.unlock();
    ring_.drain(sink_);
    lock.lock();
  }
}

}  // namespace sluice::egress
