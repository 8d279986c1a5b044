// `--egress-summary`: a per-destination table on stderr after the run, for a human deciding
// whether the agent did what it should. The report and the flow log are for machines.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "egress/meter.h"

namespace sluice::egress {

// "1.5 KiB", "12 B": byte counts a reader can compare at a glance.
std::string human_bytes(uint64_t bytes);

std::string render_summary(const LedgerSnapshot& snapshot, uint64_t events_dropped);
void write_summary(const Meter& meter, std::ostream& out);

}  // namespace sluice::egress
