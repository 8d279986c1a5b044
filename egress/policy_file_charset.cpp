#include "egress/policy_file_charset.h"

namespace sluice::egress {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

enum class Context { kCode, kComment, kBasicString, kLiteralString, kMultiLineBasic, kMultiLineLiteral };

bool is_ascii(char c) { return static_cast<unsigned char>(c) < 0x80; }
bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

TextPosition position_of(std::string_view text, size_t offset) {
  TextPosition at;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else if (!is_utf8_continuation(text[i])) {
      ++at.column;
    }
  }
  return at;
}

// At text[i], a run of `quote` three long closes a multi-line string; up to two more quotes
// belong to its content (TOML allows """a"""" for `a"`). Returns the index just past it.
size_t past_closing_delimiter(std::string_view text, size_t i, char quote) {
  i += 3;
  for (int extra = 0; extra < 2 && i < text.size() && text[i] == quote; ++extra) ++i;
  return i;
}

}  // namespace

std::optional<TextPosition> find_non_ascii_outside_comments(std::string_view text) {
  size_t i = text.substr(0, kByteOrderMark.size()) == kByteOrderMark ? kByteOrderMark.size() : 0;
  Context context = Context::kCode;
  while (i < text.size()) {
    const char c = text[i];
    const std::string_view rest = text.substr(i);
    if (context == Context::kComment) {
      if (c == '\n') context = Context::kCode;
      ++i;
      continue;
    }
    if (!is_ascii(c)) return position_of(text, i);
    switch (context) {
      case Context::kCode:
        if (c == '#') {
          context = Context::kComment;
        } else if (rest.starts_with("\"\"\"") || rest.starts_with("'''")) {
          context = c == '"' ? Context::kMultiLineBasic : Context::kMultiLineLiteral;
          i += 3;
          continue;
        } else if (c == '"') {
          context = Context::kBasicString;
        } else if (c == '\'') {
          context = Context::kLiteralString;
        }
        ++i;
        break;
      case Context::kBasicString:
      case Context::kLiteralString:
        if (c == '\\' && context == Context::kBasicString) {
          ++i;  // the escaped character is looked at (and must be ASCII) but ends nothing
          if (i < text.size() && !is_ascii(text[i])) return position_of(text, i);
        } else if (c == '\n' || c == (context == Context::kBasicString ? '"' : '\'')) {
          context = Context::kCode;  // closed, or unterminated (toml++ will say so)
        }
        ++i;
        break;
      case Context::kMultiLineBasic:
      case Context::kMultiLineLiteral: {
        const char quote = context == Context::kMultiLineBasic ? '"' : '\'';
        const std::string_view closing = quote == '"' ? R"(""")" : "'''";
        if (c == '\\' && quote == '"') {
          ++i;
          if (i < text.size() && !is_ascii(text[i])) return position_of(text, i);
          ++i;
        } else if (rest.starts_with(closing)) {
          i = past_closing_delimiter(text, i, quote);
          context = Context::kCode;
        } else {
          ++i;
        }
        break;
      }
      case Context::kComment:
        break;  // handled above
    }
  }
  return std::nullopt;
}

}  // namespace sluice::egress
