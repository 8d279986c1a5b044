#include <gtest/gtest.h>

#include "component/names.h"

namespace sluice::component {
namespace {

TEST(ParserNames, Labels) {
  for (const char* ok : {"a", "a-b-c", "a1-2-3", "A", "A-B-C", "is-XML", "a11-w0rds", "m1x3d-4CR0NYMS"})
    EXPECT_TRUE(is_valid_label(ok)) << ok;
  for (const char* bad : {"", "1-2-3", "a--b", "a-", "-a", "aB", "a_b", "a b", "Ab"})
    EXPECT_FALSE(is_valid_label(bad)) << bad;
}

TEST(ParserNames, ExternNames) {
  for (const char* ok : {"run", "get-stdout", "[constructor]foo", "[method]output-stream.write",
                         "[static]foo.bar", "wasi:cli/run@0.2.12", "wasi:io/streams", "wasi:http/types@0.2.0-rc-2023-11-10",
                         "wasi:http/types@0.2", "a:b:c/d/e@1.0.0+build.1", "url=<https://example.com/x>"})
    EXPECT_EQ(check_extern_name(ok), "") << ok;
  for (const char* bad : {"", "Not Valid!", "wasi:cli/run@0.2.x", "wasi:/run", "wasi:cli", "[method]foo",
                          "[bogus]foo", "WASI:cli/run", "wasi:cli/run@01.2.3"})
    EXPECT_NE(check_extern_name(bad), "") << bad;
  EXPECT_NE(check_extern_name("[async]foo").find("unsupported"), std::string::npos);
}

TEST(ParserNames, UniquenessIsCaseInsensitiveAndSeesThroughAnnotations) {
  EXPECT_EQ(uniqueness_key("Foo-Bar"), uniqueness_key("foo-bar"));
  EXPECT_EQ(uniqueness_key("[method]foo.bar"), uniqueness_key("[static]foo.bar"));
  EXPECT_EQ(uniqueness_key("[method]foo.foo"), uniqueness_key("foo"));
  EXPECT_NE(uniqueness_key("[constructor]foo"), uniqueness_key("foo"));
  EXPECT_NE(uniqueness_key("wasi:io/streams@0.2.0"), uniqueness_key("wasi:io/streams@0.2.1"));
}

TEST(ParserNames, Semver) {
  auto v = parse_semver("0.2.12");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 0u);
  EXPECT_EQ(v->minor, 2u);
  EXPECT_EQ(v->patch, 12u);
  EXPECT_EQ(v->components, 3);
  auto pre = parse_semver("1.0.0-rc.1+sha.5");
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->prerelease, "rc.1");
  EXPECT_EQ(pre->build, "sha.5");
  auto canon = parse_semver("0.2");
  ASSERT_TRUE(canon);
  EXPECT_EQ(canon->components, 2);
  for (const char* bad : {"", "1.", "1.2.3.4", "01.2.3", "1.2.3-", "1.2.3-01", "x.2.3", "0.2-rc"})
    EXPECT_FALSE(parse_semver(bad)) << bad;
}

TEST(ParserNames, InterfaceNameSplit) {
  auto n = parse_interface_name("wasi:io/streams@0.2.12");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->namespace_, "wasi");
  EXPECT_EQ(n->package, "io");
  EXPECT_EQ(n->interface, "streams");
  EXPECT_EQ(n->version_text, "0.2.12");
  EXPECT_EQ(n->package_name(), "wasi:io");
  EXPECT_EQ(n->unversioned(), "wasi:io/streams");
  auto nested = parse_interface_name("a:b:c/d/e");
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->namespace_, "a:b");
  EXPECT_EQ(nested->package, "c");
  EXPECT_EQ(nested->interface, "d/e");
  EXPECT_FALSE(nested->version);
  EXPECT_FALSE(parse_interface_name("run"));
}

TEST(ParserNames, HostPatternMatching) {
  EXPECT_TRUE(interface_matches("wasi:io/streams@0.2.12", "wasi:io/streams@0.2.x"));
  EXPECT_TRUE(interface_matches("wasi:io/streams@0.2.0", "wasi:io/streams@0.2.x"));
  EXPECT_TRUE(interface_matches("wasi:io/streams@0.2.12", "wasi:io/streams@0.2.12"));
  EXPECT_TRUE(interface_matches("wasi:io/streams@0.2.12", "wasi:io/streams@0.2"));
  EXPECT_TRUE(interface_matches("wasi:io/streams@0.2", "wasi:io/streams@0.2.x"));  // canonical guest version
  EXPECT_TRUE(interface_matches("wasi:cli/run@0.2.6", "wasi:cli/run@0.*"));
  EXPECT_FALSE(interface_matches("wasi:io/streams@0.3.0", "wasi:io/streams@0.2.x"));
  EXPECT_FALSE(interface_matches("wasi:io/streams@0.2.12", "wasi:io/streams@0.2.11"));
  EXPECT_FALSE(interface_matches("wasi:io/error@0.2.12", "wasi:io/streams@0.2.x"));
  EXPECT_FALSE(interface_matches("wasi:io/streams", "wasi:io/streams@0.2.x"));
  EXPECT_TRUE(interface_matches("wasi:io/streams", "wasi:io/streams"));
  EXPECT_FALSE(interface_matches("wasi:io/streams@0.2.0-rc-2023-11-10", "wasi:io/streams@0.2.x"));
  EXPECT_TRUE(interface_matches("wasi:io/streams@0.2.0-rc-2023-11-10", "wasi:io/streams@0.2.x-rc-2023-11-10"));
}

}  // namespace
}  // namespace sluice::component
