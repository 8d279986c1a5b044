// Counts heap allocations (global operator new) while armed: tests use it to prove a hot path
// never allocates. The replacement operator new lives in allocation_counter.cpp, a TU of its
// own so the compiler never sees malloc/free behind the new and delete it inlines elsewhere.
#pragma once

namespace sluice::testing {

void start_counting_allocations();
// Stops counting; returns how many allocations happened since start_counting_allocations().
int stop_counting_allocations();

}  // namespace sluice::testing
