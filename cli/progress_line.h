// One status line on stderr while a component compiles ("sluice: compiling agent.wasm: 3/5 C
// files"), rewritten in place on a terminal and printed line by line elsewhere. Silent on a
// cache hit, so a warm start prints nothing.
#pragma once

#include <string>

#include "engine/compile_pipeline.h"

namespace sluice::cli {

class ProgressLine {
 public:
  explicit ProgressLine(std::string input);
  void update(const engine::Progress& progress);
  void finish();  // ends the line if one is showing

 private:
  std::string input_;
  bool terminal_;
  bool showing_ = false;
};

}  // namespace sluice::cli
