// Where a run's egress policy comes from: the --policy file (if any), then the rule flags
// (--allow-outbound, --deny-outbound, --allow-inbound), in that order. Built once at start and
// again on every reload, so a reload re-reads the file and keeps the flags.
#pragma once

#include <string>
#include <vector>

#include "egress/policy.h"

namespace sluice::cli {

// The --policy file does not load (a RuleSyntaxError whose message starts with FILE:LINE:COL).
class PolicyFileError : public egress::RuleSyntaxError {
 public:
  using egress::RuleSyntaxError::RuleSyntaxError;
};

struct PolicySource {
  std::string file;  // empty: no --policy
  std::vector<std::string> allow_outbound;
  std::vector<std::string> deny_outbound;
  std::vector<std::string> allow_inbound;

  // Throws PolicyFileError for the file, egress::RuleSyntaxError for a flag, each naming the
  // position or the flag and what is wrong.
  egress::Policy build() const;
};

}  // namespace sluice::cli
