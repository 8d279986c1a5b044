#include <gtest/gtest.h>

#include "component/binary_reader.h"

namespace sluice::component {
namespace {

BinaryReader reader(const std::vector<uint8_t>& b, uint64_t base = 0) { return BinaryReader(b, base); }

TEST(ParserBinaryReader, Leb128U32) {
  std::vector<uint8_t> b = {0x00, 0x7f, 0x80, 0x01, 0xe5, 0x8e, 0x26, 0xff, 0xff, 0xff, 0xff, 0x0f};
  auto r = reader(b);
  EXPECT_EQ(r.read_u32("x"), 0u);
  EXPECT_EQ(r.read_u32("x"), 127u);
  EXPECT_EQ(r.read_u32("x"), 128u);
  EXPECT_EQ(r.read_u32("x"), 624485u);
  EXPECT_EQ(r.read_u32("x"), 0xffffffffu);
  EXPECT_TRUE(r.at_end());
}

TEST(ParserBinaryReader, Leb128RejectsOverflowAndOverlongEncodings) {
  {
    std::vector<uint8_t> b = {0xff, 0xff, 0xff, 0xff, 0x1f};  // 2^33 - 1
    auto r = reader(b, 100);
    try {
      r.read_u32("count");
      FAIL();
    } catch (const ParseError& e) {
      EXPECT_EQ(e.offset(), 100u);
      EXPECT_NE(e.message().find("does not fit in 32 bits"), std::string::npos) << e.what();
    }
  }
  {
    std::vector<uint8_t> b = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};  // 6 bytes
    auto r = reader(b);
    EXPECT_THROW(r.read_u32("x"), ParseError);
  }
  {
    std::vector<uint8_t> b = {0x80, 0x80};  // truncated
    auto r = reader(b);
    try {
      r.read_u32("section size");
      FAIL();
    } catch (const ParseError& e) {
      EXPECT_EQ(e.offset(), 2u);
      EXPECT_NE(e.message().find("unexpected end of input while reading section size"), std::string::npos);
    }
  }
}

TEST(ParserBinaryReader, Leb128U64AndSigned) {
  std::vector<uint8_t> b = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x7f, 0x80, 0x7f};
  auto r = reader(b);
  EXPECT_EQ(r.read_u64("x"), UINT64_MAX);
  EXPECT_EQ(r.read_sleb(33, "x"), -1);
  EXPECT_EQ(r.read_sleb(33, "x"), -128);
}

TEST(ParserBinaryReader, CountsAreCheckedAgainstRemainingBytes) {
  std::vector<uint8_t> b = {0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3};
  auto r = reader(b);
  try {
    r.read_count(1, "types");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.offset(), 0u);
    EXPECT_NE(e.message().find("count of types (4294967295)"), std::string::npos) << e.what();
  }
  std::vector<uint8_t> ok = {3, 1, 2, 3};
  auto r2 = reader(ok);
  EXPECT_EQ(r2.read_count(1, "things"), 3u);
  auto r3 = reader(ok);
  EXPECT_THROW(r3.read_count(2, "pairs"), ParseError);  // 3 items of >= 2 bytes do not fit in 3
}

TEST(ParserBinaryReader, NamesMustBeUtf8) {
  std::vector<uint8_t> good = {3, 'a', 'b', 'c', 2, 0xc3, 0xa9};
  auto r = reader(good);
  EXPECT_EQ(r.read_name("n"), "abc");
  EXPECT_EQ(r.read_name("n"), "\xc3\xa9");
  for (std::vector<uint8_t> bad : {std::vector<uint8_t>{1, 0xff}, {2, 0xc0, 0x80} /* overlong */,
                                   {3, 0xed, 0xa0, 0x80} /* surrogate */, {2, 0xe2, 0x82} /* cut */,
                                   {5, 'a'} /* length past end */}) {
    auto rb = reader(bad);
    EXPECT_THROW(rb.read_name("n"), ParseError);
  }
}

TEST(ParserBinaryReader, SubReadersKeepAbsoluteOffsets) {
  std::vector<uint8_t> b = {9, 9, 9, 1, 2, 3, 4};
  auto r = reader(b, 1000);
  r.skip(3, "x");
  auto sub = r.sub_reader(2, "section");
  EXPECT_EQ(sub.offset(), 1003u);
  EXPECT_EQ(sub.read_u8("a"), 1);
  EXPECT_EQ(sub.offset(), 1004u);
  try {
    sub.expect_end("section");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.offset(), 1004u);
  }
  EXPECT_EQ(r.offset(), 1005u);
  EXPECT_THROW(r.sub_reader(3, "section"), ParseError);  // only 2 bytes left
}

}  // namespace
}  // namespace sluice::component
