#include "common/csv.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>
#include <utility>

#include "common/unique_fd.h"

namespace tickerflow {
namespace {

// Fields quoted in messages are cut here, so that a garbage line cannot flood the terminal.
constexpr size_t kMaxQuotedLength = 40;

// Some editors put a byte order mark at the start of a UTF-8 file; it is not part of the data.
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// `text` in single quotes for a message, shortened when long.
std::string Quoted(std::string_view text) {
  if (text.size() <= kMaxQuotedLength) return fmt::format("'{}'", text);
  return fmt::format("'{}...'", text.substr(0, kMaxQuotedLength));
}

// A character for a message: itself when printable, else its code.
std::string Describe(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", byte);
}

Status ParseError(const std::string& source, size_t line, std::string_view what) {
  return Status::Error(ErrorCode::kInvalidArgument, fmt::format("{}:{}: {}", source, line, what));
}

Status ReadError(const std::string& path, int error) {
  return Status::Error(ErrorCode::kIoError, fmt::format("{}: cannot read the file: {}", path,
                                                        std::generic_category().message(error)));
}

// The whole file in one buffer: one read() for a regular file of known size, and a loop that
// also copes with pipes and files that grow while being read.
Result<std::vector<char>> ReadWholeFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int error = errno;
    if (error == ENOENT) {
      return Status::Error(ErrorCode::kNotFound,
                           fmt::format("{}: no such file; check the path", path));
    }
    return ReadError(path, error);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return ReadError(path, errno);
  if (S_ISDIR(info.st_mode)) return ReadError(path, EISDIR);

  // One byte more than the size, so that reaching end of file takes no second allocation.
  std::vector<char> buffer(static_cast<size_t>(std::max<off_t>(info.st_size, 0)) + 1);
  size_t size = 0;
  while (true) {
    if (size == buffer.size()) buffer.resize(buffer.size() * 2);
    const ssize_t n = ::read(fd.get(), buffer.data() + size, buffer.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ReadError(path, errno);
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  buffer.resize(size);
  return buffer;
}

}  // namespace

Result<CsvTable> CsvTable::ReadFile(const std::string& path) {
  TF_ASSIGN_OR_RETURN(std::vector<char> buffer, ReadWholeFile(path));
  return ParseOwned(std::move(buffer), path);
}

Result<CsvTable> CsvTable::Parse(std::string_view text, std::string source_name) {
  return ParseOwned(std::vector<char>(text.begin(), text.end()), std::move(source_name));
}

std::optional<size_t> CsvTable::FindColumn(std::string_view name) const {
  const auto names = header();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return std::nullopt;
  return static_cast<size_t>(it - names.begin());
}

// One pass over the buffer. Quoted fields are unescaped in place: dropping one quote of each
// "" pair only ever shortens the text, so the unescaped bytes fit where the raw ones were and
// no field needs a copy of its own.
Result<CsvTable> CsvTable::ParseOwned(std::vector<char> buffer, std::string source_name) {
  CsvTable table;
  table.source_name_ = std::move(source_name);
  table.buffer_ = std::move(buffer);
  const std::string& source = table.source_name_;

  char* p = table.buffer_.data();
  char* const end = p + table.buffer_.size();
  if (std::string_view(p, table.buffer_.size()).starts_with(kUtf8Bom)) p += kUtf8Bom.size();
  if (p == end) {
    return ParseError(source, 1, "the file is empty; expected a header line naming the columns");
  }

  size_t line = 1;
  bool is_header = true;
  while (true) {
    const size_t record_line = line;
    const char* const record_begin = p;
    const char* record_end = p;
    size_t field_count = 0;
    while (true) {
      std::string_view field;
      if (p < end && *p == '"') {
        const size_t quote_line = line;
        char* const start = p + 1;
        char* out = start;
        char* segment = start;
        while (true) {
          auto* quote =
              static_cast<char*>(std::memchr(segment, '"', static_cast<size_t>(end - segment)));
          if (quote == nullptr) {
            return ParseError(source, quote_line,
                              "a quoted field is never closed; add the missing '\"' (a quote "
                              "inside a quoted field is written as \"\")");
          }
          line += static_cast<size_t>(std::count(segment, quote, '\n'));
          const auto length = static_cast<size_t>(quote - segment);
          if (out != segment) std::memmove(out, segment, length);
          out += length;
          if (quote + 1 < end && quote[1] == '"') {
            *out++ = '"';
            segment = quote + 2;
            continue;
          }
          p = quote + 1;
          break;
        }
        if (p < end && *p != ',' && *p != '\n' && *p != '\r') {
          return ParseError(source, line,
                            fmt::format("unexpected {} after a closing quote; a quote inside a "
                                        "quoted field is written as \"\"",
                                        Describe(*p)));
        }
        field = std::string_view(start, static_cast<size_t>(out - start));
      } else {
        char* const start = p;
        while (p < end && *p != ',' && *p != '\n' && *p != '\r' && *p != '"') ++p;
        if (p < end && *p == '"') {
          return ParseError(source, line,
                            "a quote inside an unquoted field; quote the whole field and write "
                            "the quote as \"\"");
        }
        field = std::string_view(start, static_cast<size_t>(p - start));
      }
      table.fields_.push_back(field);
      ++field_count;
      record_end = p;
      if (p == end) break;
      if (*p == ',') {
        ++p;
        continue;
      }
      if (*p == '\r') {
        if (p + 1 == end || p[1] != '\n') {
          return ParseError(source, line,
                            "a carriage return that does not end a line; lines end with LF or "
                            "CR LF, and a value holding CR must be quoted");
        }
        ++p;
      }
      ++p;  // The '\n'.
      ++line;
      break;
    }

    const bool blank = field_count == 1 && record_end == record_begin;
    if (is_header) {
      if (blank) {
        return ParseError(source, record_line,
                          "the header line is empty; the first line must name the columns");
      }
      table.num_columns_ = field_count;
      is_header = false;
      // One record per remaining line, unless quoted fields hold line breaks: reserving for
      // that saves the copies of growing by doubling, which cost more than this count.
      const auto lines_left = static_cast<size_t>(std::count(p, end, '\n')) + 1;
      table.fields_.reserve(table.fields_.size() + lines_left * field_count);
      table.line_numbers_.reserve(lines_left);
    } else if (field_count != table.num_columns_) {
      if (blank) {
        return ParseError(source, record_line,
                          fmt::format("blank line, but the header has {} columns; remove it",
                                      table.num_columns_));
      }
      return ParseError(
          source, record_line,
          fmt::format(
              "{} fields, but the header has {}{}", field_count, table.num_columns_,
              field_count > table.num_columns_ ? " (a value with a comma must be quoted)" : ""));
    } else {
      table.line_numbers_.push_back(record_line);
    }
    if (p == end) break;
  }
  return table;
}

bool CsvWriter::NeedsQuoting(std::string_view value) {
  if (value.empty()) return false;
  if (value.front() == ' ' || value.back() == ' ') return true;
  if (value.starts_with(kUtf8Bom)) return true;
  // A plain loop: find_first_of would scan the set of four once per character.
  return std::any_of(value.begin(), value.end(),
                     [](char c) { return c == ',' || c == '"' || c == '\r' || c == '\n'; });
}

void CsvWriter::AddField(std::string_view value) {
  std::string& out = *out_;
  if (fields_in_record_ > 0) out.push_back(',');
  if (fields_in_record_ == 0) first_field_empty_ = value.empty();
  ++fields_in_record_;
  if (!NeedsQuoting(value)) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void CsvWriter::AddFields(std::span<const std::string_view> fields) {
  for (std::string_view field : fields) AddField(field);
}

void CsvWriter::EndRecord() {
  if (fields_in_record_ == 1 && first_field_empty_) out_->append("\"\"");
  out_->push_back('\n');
  fields_in_record_ = 0;
}

void AppendDouble(std::string& out, double value) {
  // The longest shortest-round-trip double, "-2.2250738585072014e-308", has 24 characters.
  char buffer[32];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

std::string FormatDouble(double value) {
  std::string text;
  AppendDouble(text, value);
  return text;
}

namespace {

Status NotANumber(std::string_view text, std::string_view what) {
  if (text.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("empty value; expected {}", what));
  }
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("{} is not {}", Quoted(text), what));
}

}  // namespace

Result<double> ParseDouble(std::string_view text) {
  double value = 0;
  const char* const end = text.data() + text.size();
  const std::from_chars_result result = std::from_chars(text.data(), end, value);
  if (result.ec == std::errc::result_out_of_range && result.ptr == end) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("{} is out of the range of a double", Quoted(text)));
  }
  if (result.ec != std::errc() || result.ptr != end) return NotANumber(text, "a number");
  if (!std::isfinite(value)) return NotANumber(text, "a finite number");
  return value;
}

Result<int64_t> ParseInt64(std::string_view text) {
  int64_t value = 0;
  const char* const end = text.data() + text.size();
  const std::from_chars_result result = std::from_chars(text.data(), end, value);
  if (result.ec == std::errc::result_out_of_range && result.ptr == end) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("{} is out of the range of a 64-bit integer", Quoted(text)));
  }
  if (result.ec != std::errc() || result.ptr != end) return NotANumber(text, "an integer");
  return value;
}

}  // namespace tickerflow
