#include "egress/event_ring.h"

#include <bit>

namespace sluice::egress {

EventRing::EventRing(std::size_t capacity)
    : slots_(std::make_unique<Event[]>(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity))),
      mask_(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity) - 1) {}

bool EventRing::push(const Event& event) noexcept {
  const uint64_t head = head_.load(std::memory_order_relaxed);
  // Acquire pairs with the consumer's release of tail_: the slot is free to overwrite.
  if (head - tail_.load(std::memory_order_acquire) > mask_) {
    dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return false;
  }
  slots_[head & mask_] = event;
  head_.store(head + 1, std::memory_order_release);
  recorded_.store(recorded_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  return true;
}

std::size_t EventRing::drain(const std::function<void(const Event&)>& sink) {
  const uint64_t head = head_.load(std::memory_order_acquire);
  uint64_t tail = tail_.load(std::memory_order_relaxed);
  std::size_t count = 0;
  for (; tail != head; ++tail, ++count) {
    sink(slots_[tail & mask_]);
    // Release each slot as soon as it is consumed so a slow sink frees room early.
    tail_.store(tail + 1, std::memory_order_release);
  }
  return count;
}

}  // namespace sluice::egress
