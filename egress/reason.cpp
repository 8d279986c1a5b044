// The stable names and descriptions of egress::Reason (egress.h).
#include "egress/egress.h"

namespace sluice::egress {

const char* to_string(Reason reason) {
  switch (reason) {
    case Reason::kAllowedByRule: return "allowed-by-rule";
    case Reason::kInboundAllowed: return "inbound-allowed";
    case Reason::kDeniedByRule: return "denied-by-rule";
    case Reason::kNoAllowRule: return "no-allow-rule";
    case Reason::kNoNameRule: return "no-name-rule";
    case Reason::kNoInboundRule: return "no-inbound-rule";
    case Reason::kNameTooLong: return "name-too-long";
    case Reason::kLabelTooLong: return "label-too-long";
    case Reason::kConnectionRate: return "connection-rate";
    case Reason::kConcurrentConnections: return "concurrent-connections";
    case Reason::kLookupRate: return "lookup-rate";
    case Reason::kByteQuota: return "byte-quota";
    case Reason::kDestinationByteQuota: return "destination-byte-quota";
  }
  return "unknown";
}

const char* describe(Reason reason) {
  switch (reason) {
    case Reason::kAllowedByRule: return "an allow rule matches and no deny rule does";
    case Reason::kInboundAllowed: return "an inbound rule allows listening here";
    case Reason::kDeniedByRule: return "a deny rule matches";
    case Reason::kNoAllowRule: return "no allow rule matches this destination";
    case Reason::kNoNameRule: return "no allow rule names this host";
    case Reason::kNoInboundRule: return "no inbound rule allows listening here";
    case Reason::kNameTooLong: return "the DNS name is longer than the policy allows";
    case Reason::kLabelTooLong: return "a DNS label is longer than the policy allows";
    case Reason::kConnectionRate: return "too many connection attempts per second";
    case Reason::kConcurrentConnections: return "too many connections open at once";
    case Reason::kLookupRate: return "too many DNS lookups per second";
    case Reason::kByteQuota: return "the sandbox's outbound byte quota is used up";
    case Reason::kDestinationByteQuota: return "the outbound byte quota for this destination is used up";
  }
  return "unknown";
}

}  // namespace sluice::egress
