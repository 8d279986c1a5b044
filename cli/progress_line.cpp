#include "cli/progress_line.h"

#include <unistd.h>

#include <cstdio>

namespace sluice::cli {

ProgressLine::ProgressLine(std::string input) : input_(std::move(input)), terminal_(isatty(2)) {}

void ProgressLine::update(const engine::Progress& progress) {
  using Stage = engine::Progress::Stage;
  if (progress.stage == Stage::kCacheHit) return;
  std::string line = "sluice: compiling " + input_ + ": " + progress.message;
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    showing_ = true;
  } else if (progress.stage != Stage::kCompiling || progress.current == 0 ||
             progress.current == progress.total) {
    std::fprintf(stderr, "%s\n", line.c_str());  // logs get stage changes, not every file
  }
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (showing_) std::fprintf(stderr, "\n");
  showing_ = false;
}

}  // namespace sluice::cli
