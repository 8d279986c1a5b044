// `--egress-log FILE.jsonl`: one JSON object per line for each flow record, written from the
// drained event ring (never on the guest thread). Fields follow AWS VPC Flow Logs where they can:
//
//   {"ts","sandbox","type":"flow","direction","transport","dst_ip","dst_port","dst_name",
//    "action":"ACCEPT"|"REJECT","rule","reason","error","bytes_out","bytes_in","packets_out",
//    "packets_in","start","end","duration_ms"}
//   {"ts","sandbox","type":"dns","dst_name","action","rule","reason","addresses","error"}
//   {"ts","sandbox","type":"listen","transport","local_ip","local_port","action","rule","reason"}
//
// A flow line is written when a flow closes (ACCEPT, with totals), when an allowed connect fails
// (ACCEPT, zero bytes, "error" set) or a connect/datagram/send is denied (REJECT, zero bytes,
// start = end = ts). An inbound flow's dst_ip/dst_port are the peer's address and the local port it
// reached. "packets" are datagrams (0 for TCP: we do not see segments). "error" is an errno name
// (a dns line: an EAI name) or null. See docs/egress-report.md.
#pragma once

#include <fstream>
#include <string>
#include <string_view>

#include "egress/event_ring.h"

namespace sluice::egress {

// The line for `event` (no trailing newline), or "" when the event is not a flow record
// (attempt, established, accepted: those show up in the closing record).
std::string flow_log_line(std::string_view sandbox_id, const Event& event);

// Appends lines to a file; a sink for EventDrain / EventRing::drain.
class FlowLogWriter {
 public:
  // Throws std::runtime_error naming the path when the file cannot be opened.
  FlowLogWriter(const std::string& path, std::string sandbox_id);
  void operator()(const Event& event);
  void flush() { out_.flush(); }

 private:
  std::string sandbox_id_;
  std::ofstream out_;
};

}  // namespace sluice::egress
