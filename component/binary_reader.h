// Bounds-checked cursor over a byte buffer, for the WebAssembly binary formats.
//
// Every read checks the remaining length first and throws ParseError (with the
// absolute byte offset) instead of reading past the end. Counts read from the
// input are checked against the bytes left before anyone allocates for them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sluice::component {

// The one error type of the component parser: a message plus the byte offset
// (from the start of the buffer given to the parser) where the problem is.
class ParseError : public std::runtime_error {
 public:
  ParseError(uint64_t offset, std::string message);

  uint64_t offset() const { return offset_; }
  // The message without the "at byte N" prefix that what() carries.
  const std::string& message() const { return message_; }

 private:
  uint64_t offset_;
  std::string message_;
};

class BinaryReader {
 public:
  // `base_offset` is the absolute offset of data[0], so errors and offset()
  // always refer to the caller's whole buffer, also in sub-readers.
  explicit BinaryReader(std::span<const uint8_t> data, uint64_t base_offset = 0)
      : data_(data), base_(base_offset) {}

  uint64_t offset() const { return base_ + pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

  uint8_t read_u8(std::string_view what);
  uint8_t peek_u8(std::string_view what) const;
  // Unsigned LEB128, at most 5 bytes, unused high bits must be zero.
  uint32_t read_u32(std::string_view what);
  // Unsigned LEB128, at most 10 bytes.
  uint64_t read_u64(std::string_view what);
  // Signed LEB128 of up to `bits` bits (used only to skip core constants).
  int64_t read_sleb(unsigned bits, std::string_view what);
  // core:name: u32 byte length + well-formed UTF-8.
  std::string read_name(std::string_view what);
  std::span<const uint8_t> read_bytes(size_t n, std::string_view what);
  void skip(size_t n, std::string_view what) { (void)read_bytes(n, what); }

  // A vector length. Each element takes at least `min_item_bytes` bytes of
  // input, so a count that cannot fit in what is left is rejected here, before
  // the caller reserves memory for it.
  uint32_t read_count(size_t min_item_bytes, std::string_view what);

  // Consumes `n` bytes and returns a reader over just them (a section body).
  BinaryReader sub_reader(size_t n, std::string_view what);

  // Fails if bytes are left over (a section whose declared size is larger than
  // its contents).
  void expect_end(std::string_view what) const;

  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] static void fail_at(uint64_t offset, const std::string& message);

 private:
  [[noreturn]] void fail_eof(std::string_view what) const;

  std::span<const uint8_t> data_;
  uint64_t base_;
  size_t pos_ = 0;
};

// True if `s` is well-formed UTF-8 (no overlong forms, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

}  // namespace sluice::component
