#include "table/json_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "common/csv.h"

namespace tickerflow::table {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// The length of the valid UTF-8 sequence at the start of `text`, or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are invalid, as in RFC 3629).
size_t Utf8SequenceLength(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char first = byte(0);
  if (first < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (first >= 0xC2 && first <= 0xDF) {
    length = 2;
  } else if (first >= 0xE0 && first <= 0xEF) {
    length = 3;
    if (first == 0xE0) low = 0xA0;   // No overlong three-byte forms.
    if (first == 0xED) high = 0x9F;  // No UTF-16 surrogates.
  } else if (first >= 0xF0 && first <= 0xF4) {
    length = 4;
    if (first == 0xF0) low = 0x90;   // No overlong four-byte forms.
    if (first == 0xF4) high = 0x8F;  // Nothing above U+10FFFF.
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

void AppendDoubleValue(std::string& out, double value, JsonDoubles doubles) {
  if (!std::isfinite(value)) {
    out.append("null");
    return;
  }
  const size_t start = out.size();
  AppendDouble(out, value);
  if (doubles == JsonDoubles::kAlwaysFloat && out.find_first_of(".e", start) == std::string::npos) {
    out.append(".0");
  }
}

void AppendInteger(std::string& out, int64_t value) {
  char buffer[24];  // "-9223372036854775808" has 20 characters.
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // Skip ASCII eight bytes at a time: nearly all of our text is ASCII.
    while (i + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof(word));
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= text.size()) break;
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t length = Utf8SequenceLength(text.substr(i));
    if (length == 0) return false;
    i += length;
  }
  return true;
}

void AppendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      // The common case: a run of plain ASCII, appended at once.
      size_t end = i + 1;
      while (end < text.size()) {
        const auto next = static_cast<unsigned char>(text[end]);
        if (next < 0x20 || next >= 0x80 || next == '"' || next == '\\') break;
        ++end;
      }
      out.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        ++i;
        continue;
      case '\\':
        out.append("\\\\");
        ++i;
        continue;
      case '\n':
        out.append("\\n");
        ++i;
        continue;
      case '\r':
        out.append("\\r");
        ++i;
        continue;
      case '\t':
        out.append("\\t");
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      out.append("\\u00");
      out.push_back(kHexDigits[c >> 4]);
      out.push_back(kHexDigits[c & 0xF]);
      ++i;
      continue;
    }
    const size_t length = Utf8SequenceLength(text.substr(i));
    if (length == 0) {
      out.append("\\ufffd");
      ++i;
      continue;
    }
    // U+2028 and U+2029 are valid in JSON but end a line in JavaScript source.
    if (length == 3 && c == 0xE2 && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
      out.append(static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  out.push_back('"');
}

void AppendJsonValue(std::string& out, const table::Column& column, size_t row,
                     JsonDoubles doubles) {
  if (column.is_null(row)) {
    out.append("null");
    return;
  }
  switch (column.type()) {
    case table::ColumnType::kVarchar:
      AppendJsonString(out, column.varchars()[row]);
      return;
    case table::ColumnType::kDate:
      out.push_back('"');
      out.append(column.dates()[row].ToString());
      out.push_back('"');
      return;
    case table::ColumnType::kDouble:
      AppendDoubleValue(out, column.doubles()[row], doubles);
      return;
    case table::ColumnType::kBigint:
      AppendInteger(out, column.bigints()[row]);
      return;
    case table::ColumnType::kBoolean:
      out.append(column.booleans()[row] != 0 ? "true" : "false");
      return;
  }
}

void AppendJsonObject(std::string& out, const table::Table& table, size_t row,
                      JsonDoubles doubles) {
  out.push_back('{');
  for (size_t c = 0; c < table.num_columns(); ++c) {
    if (c > 0) out.push_back(',');
    const table::Column& column = table.column(c);
    AppendJsonString(out, column.name());
    out.push_back(':');
    AppendJsonValue(out, column, row, doubles);
  }
  out.push_back('}');
}

}  // namespace tickerflow::table
