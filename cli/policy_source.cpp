#include "cli/policy_source.h"

#include "egress/policy_file.h"

namespace sluice::cli {

egress::Policy PolicySource::build() const {
  using egress::Direction;
  using egress::RuleAction;
  egress::Policy policy;
  if (!file.empty()) {
    try {
      egress::load_policy_file(file, policy);
    } catch (const egress::RuleSyntaxError& e) {
      throw PolicyFileError(e.what());
    }
  }
  for (const std::string& p : allow_outbound)
    policy.add(p, RuleAction::kAllow, Direction::kOutbound, "--allow-outbound");
  for (const std::string& p : deny_outbound)
    policy.add(p, RuleAction::kDeny, Direction::kOutbound, "--deny-outbound");
  for (const std::string& p : allow_inbound)
    policy.add(p, RuleAction::kAllow, Direction::kInbound, "--allow-inbound");
  return policy;
}

}  // namespace sluice::cli
