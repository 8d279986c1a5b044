#include "component/binary_reader.h"

namespace sluice::component {

ParseError::ParseError(uint64_t offset, std::string message)
    : std::runtime_error("at byte " + std::to_string(offset) + ": " + message),
      offset_(offset),
      message_(std::move(message)) {}

void BinaryReader::fail(const std::string& message) const { fail_at(offset(), message); }

void BinaryReader::fail_at(uint64_t offset, const std::string& message) {
  throw ParseError(offset, message);
}

void BinaryReader::fail_eof(std::string_view what) const {
  fail("unexpected end of input while reading " + std::string(what));
}

uint8_t BinaryReader::read_u8(std::string_view what) {
  if (pos_ >= data_.size()) fail_eof(what);
  return data_[pos_++];
}

uint8_t BinaryReader::peek_u8(std::string_view what) const {
  if (pos_ >= data_.size()) fail_eof(what);
  return data_[pos_];
}

uint32_t BinaryReader::read_u32(std::string_view what) {
  const uint64_t start = offset();
  uint32_t result = 0;
  for (unsigned i = 0; i < 5; ++i) {
    const uint8_t byte = read_u8(what);
    if (i == 4) {
      // The fifth byte carries bits 28..31 only: anything above is a value
      // that does not fit in 32 bits, and a continuation bit is a too-long
      // encoding.
      if (byte & 0x80) fail_at(start, "LEB128 for " + std::string(what) + " is longer than 5 bytes");
      if (byte & 0x70) fail_at(start, "LEB128 for " + std::string(what) + " does not fit in 32 bits");
    }
    result |= static_cast<uint32_t>(byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) return result;
  }
  fail_at(start, "LEB128 for " + std::string(what) + " is longer than 5 bytes");
}

uint64_t BinaryReader::read_u64(std::string_view what) {
  const uint64_t start = offset();
  uint64_t result = 0;
  for (unsigned i = 0; i < 10; ++i) {
    const uint8_t byte = read_u8(what);
    if (i == 9) {
      if (byte & 0x80) fail_at(start, "LEB128 for " + std::string(what) + " is longer than 10 bytes");
      if (byte & 0x7e) fail_at(start, "LEB128 for " + std::string(what) + " does not fit in 64 bits");
    }
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) return result;
  }
  fail_at(start, "LEB128 for " + std::string(what) + " is longer than 10 bytes");
}

int64_t BinaryReader::read_sleb(unsigned bits, std::string_view what) {
  const uint64_t start = offset();
  const unsigned max_bytes = (bits + 6) / 7;
  uint64_t result = 0;
  unsigned shift = 0;
  for (unsigned i = 0; i < max_bytes; ++i) {
    const uint8_t byte = read_u8(what);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    shift += 7;
    if (!(byte & 0x80)) {
      if (shift < 64 && (byte & 0x40)) result |= ~uint64_t{0} << shift;  // sign-extend
      return static_cast<int64_t>(result);
    }
  }
  fail_at(start, "signed LEB128 for " + std::string(what) + " is too long");
}

std::span<const uint8_t> BinaryReader::read_bytes(size_t n, std::string_view what) {
  if (n > remaining()) fail_eof(what);
  auto out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

std::string BinaryReader::read_name(std::string_view what) {
  const uint32_t len = read_u32(what);
  const uint64_t start = offset();
  if (len > remaining()) fail_eof(what);
  auto bytes = read_bytes(len, what);
  std::string s(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!is_valid_utf8(s)) fail_at(start, std::string(what) + " is not valid UTF-8");
  return s;
}

uint32_t BinaryReader::read_count(size_t min_item_bytes, std::string_view what) {
  const uint64_t start = offset();
  const uint32_t n = read_u32(what);
  if (min_item_bytes == 0) min_item_bytes = 1;
  if (static_cast<uint64_t>(n) * min_item_bytes > remaining()) {
    fail_at(start, "count of " + std::string(what) + " (" + std::to_string(n) +
                       ") is larger than the remaining " + std::to_string(remaining()) + " bytes allow");
  }
  return n;
}

BinaryReader BinaryReader::sub_reader(size_t n, std::string_view what) {
  const uint64_t start = offset();
  if (n > remaining()) {
    fail("size of " + std::string(what) + " (" + std::to_string(n) + " bytes) runs past the end of its container (" +
         std::to_string(remaining()) + " bytes left)");
  }
  auto bytes = read_bytes(n, what);
  return BinaryReader(bytes, start);
}

void BinaryReader::expect_end(std::string_view what) const {
  if (!at_end()) {
    fail(std::to_string(remaining()) + " unexpected trailing byte(s) at the end of " + std::string(what));
  }
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    unsigned len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (unsigned k = 1; k < len; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len]) return false;                  // overlong
    if (cp > 0x10ffff) return false;                   // beyond Unicode
    if (cp >= 0xd800 && cp <= 0xdfff) return false;    // surrogate
    i += len;
  }
  return true;
}

}  // namespace sluice::component
