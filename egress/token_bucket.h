// A token bucket for the policy's rate limits (connection attempts and DNS lookups per second).
// Starts full; refills at RateLimit::per_second up to RateLimit::burst. The rate is passed on
// every take() rather than stored, so a policy reload changes the rate and keeps the tokens.
// Guest thread only.
#pragma once

#include <algorithm>
#include <cstdint>

#include "egress/policy.h"

namespace sluice::egress {

class TokenBucket {
 public:
  // Takes one token if there is one at `now_ns` (steady clock).
  bool take(const RateLimit& limit, int64_t now_ns) {
    if (!started_) {
      tokens_ = limit.burst;
      started_ = true;
    } else if (now_ns > last_ns_) {
      tokens_ = std::min(limit.burst, tokens_ + static_cast<double>(now_ns - last_ns_) * 1e-9 *
                                                    limit.per_second);
    }
    tokens_ = std::min(tokens_, limit.burst);  // a reload may have shrunk the bucket
    last_ns_ = std::max(last_ns_, now_ns);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double tokens_ = 0;
  int64_t last_ns_ = 0;
  bool started_ = false;
};

}  // namespace sluice::egress
