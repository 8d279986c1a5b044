#include "egress/name_cache.h"

#include <gtest/gtest.h>

namespace sluice::egress {
namespace {

using namespace std::chrono_literals;

TEST(NameCache, AttributesLastResolvedName) {
  NameCache cache(8, 60s);
  const auto t0 = NameCache::Clock::time_point{} + 1000s;
  const auto ip = IpAddress::v4(93, 184, 216, 34);
  EXPECT_EQ(cache.lookup(ip, t0), "");
  cache.remember(ip, "example.com", t0);
  EXPECT_EQ(cache.lookup(ip, t0 + 1s), "example.com");
  cache.remember(ip, "www.example.com", t0 + 2s);
  EXPECT_EQ(cache.lookup(ip, t0 + 3s), "www.example.com");
  EXPECT_EQ(cache.size(), 1u);
}

TEST(NameCache, MappedAddressesShareAnEntry) {
  NameCache cache(8, 60s);
  const auto t0 = NameCache::Clock::time_point{} + 1000s;
  IpAddress mapped;
  mapped.is_v6 = true;
  mapped.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};
  cache.remember(IpAddress::v4(10, 0, 0, 1), "db.local", t0);
  EXPECT_EQ(cache.lookup(mapped, t0), "db.local");
}

TEST(NameCache, EntriesExpire) {
  NameCache cache(8, 60s);
  const auto t0 = NameCache::Clock::time_point{} + 1000s;
  const auto ip = IpAddress::v4(1, 2, 3, 4);
  cache.remember(ip, "a.example", t0);
  EXPECT_EQ(cache.lookup(ip, t0 + 59s), "a.example");
  EXPECT_EQ(cache.lookup(ip, t0 + 60s), "");
  EXPECT_EQ(cache.size(), 0u);  // dropped, not just hidden
  cache.remember(ip, "a.example", t0 + 100s);  // resolving again renews
  EXPECT_EQ(cache.lookup(ip, t0 + 150s), "a.example");
}

TEST(NameCache, BoundedLeastRecentlyUsedEviction) {
  NameCache cache(3, 600s);
  const auto t = NameCache::Clock::time_point{} + 1000s;
  cache.remember(IpAddress::v4(10, 0, 0, 1), "one", t);
  cache.remember(IpAddress::v4(10, 0, 0, 2), "two", t);
  cache.remember(IpAddress::v4(10, 0, 0, 3), "three", t);
  EXPECT_EQ(cache.lookup(IpAddress::v4(10, 0, 0, 1), t), "one");  // now most recent
  cache.remember(IpAddress::v4(10, 0, 0, 4), "four", t);          // evicts "two"
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.lookup(IpAddress::v4(10, 0, 0, 2), t), "");
  EXPECT_EQ(cache.lookup(IpAddress::v4(10, 0, 0, 1), t), "one");
  EXPECT_EQ(cache.lookup(IpAddress::v4(10, 0, 0, 3), t), "three");
  EXPECT_EQ(cache.lookup(IpAddress::v4(10, 0, 0, 4), t), "four");
  for (int i = 0; i < 1000; ++i) cache.remember(IpAddress::v4(11, 0, i / 256, i % 256), "x", t);
  EXPECT_EQ(cache.size(), 3u);
}

}  // namespace
}  // namespace sluice::egress
