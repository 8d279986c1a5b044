// `--egress-report FILE.json`: the sandbox's egress at exit, one JSON document.
// The schema is documented in docs/egress-report.md; end-to-end tests rely on its keys.
#pragma once

#include <chrono>
#include <string>

#include "egress/meter.h"

namespace sluice::egress {

struct RunInfo {
  std::string sandbox_id;
  std::string component;  // path of the .wasm
  std::string outcome;    // exited | trapped | timed-out | memory-limit | link-error | host-error
  int exit_status = 0;
  std::chrono::system_clock::time_point started_at;
  double duration_seconds = 0;
};

// The report as JSON text (pretty-printed, ending in a newline). Reads a snapshot of the ledger,
// so it may be called while the guest still runs, but the CLI calls it after meter.finish().
std::string render_report(const Meter& meter, const RunInfo& run);

// Writes render_report() to `path` (replacing it). Throws std::runtime_error naming the path when
// it cannot be written.
void write_report(const Meter& meter, const RunInfo& run, const std::string& path);

}  // namespace sluice::egress
