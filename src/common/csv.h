// A small, strict CSV reader and writer (RFC 4180) and the number helpers that go with them.
//
//   TF_ASSIGN_OR_RETURN(CsvTable table, CsvTable::ReadFile("bars.csv"));
//   std::optional<size_t> close = table.FindColumn("close");
//   for (size_t row = 0; row < table.num_rows(); ++row) {
//     Result<double> value = ParseDouble(table.row(row)[*close]);
//     if (!value.ok()) {
//       return Status::Error(ErrorCode::kInvalidArgument,
//                            fmt::format("{}:{}: {}", table.source_name(),
//                                        table.line_number(row), value.status().message()));
//     }
//   }
//
//   std::string out;
//   CsvWriter writer(out);
//   writer.AddField("date");
//   writer.AddField("note, with a comma");  // written as "note, with a comma"
//   writer.EndRecord();
//   AppendDouble(out, 0.1);                 // "0.1": the shortest text that reads back exactly
//
// Strict means that anything RFC 4180 does not allow is an error naming the file and the line,
// never a guess: a quote inside an unquoted field, text after a closing quote, a bare carriage
// return, a record with more or fewer fields than the header. Blank lines are records of one
// empty field, as RFC 4180 has it, so in a file of several columns they are errors too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tickerflow {

/// A whole CSV file in memory: its header row and its data records, every field a view into
/// one buffer the table owns (quoted fields already unescaped). Move-only, because the views
/// point into the buffer; moving keeps them valid.
class CsvTable {
 public:
  /// Reads and parses the file at `path`; messages name it as given. A missing file is
  /// kNotFound, another read failure kIoError, malformed content kInvalidArgument.
  static Result<CsvTable> ReadFile(const std::string& path);

  /// Parses `text` (copied); `source_name` stands for the file in messages.
  static Result<CsvTable> Parse(std::string_view text, std::string source_name);

  CsvTable(CsvTable&&) noexcept = default;
  CsvTable& operator=(CsvTable&&) noexcept = default;
  CsvTable(const CsvTable&) = delete;
  CsvTable& operator=(const CsvTable&) = delete;
  ~CsvTable() = default;

  /// The file name used in messages.
  const std::string& source_name() const { return source_name_; }
  /// How many fields every record has (the header's).
  size_t num_columns() const { return num_columns_; }
  /// How many data records follow the header.
  size_t num_rows() const { return line_numbers_.size(); }
  /// The column names, in file order.
  std::span<const std::string_view> header() const { return {fields_.data(), num_columns_}; }
  /// The fields of data record `index` (0-based, header excluded), `num_columns()` of them.
  std::span<const std::string_view> row(size_t index) const {
    return {fields_.data() + (index + 1) * num_columns_, num_columns_};
  }
  /// The 1-based line on which data record `index` starts (the header starts on line 1); a
  /// quoted field with line breaks makes a record span several lines.
  size_t line_number(size_t index) const { return line_numbers_[index]; }
  /// The index of the first column named exactly `name`, if any.
  std::optional<size_t> FindColumn(std::string_view name) const;

 private:
  CsvTable() = default;
  static Result<CsvTable> ParseOwned(std::vector<char> buffer, std::string source_name);

  std::string source_name_;
  std::vector<char> buffer_;              // The file's bytes; fields_ point into it.
  std::vector<std::string_view> fields_;  // Row-major: the header first, then every record.
  std::vector<size_t> line_numbers_;      // Per data record.
  size_t num_columns_ = 0;
};

/// Appends RFC 4180 records to a string, quoting a field only when it must be quoted: it holds
/// a comma, a quote, CR or LF; it starts or ends with a space (which lenient readers trim); or
/// it starts with a UTF-8 byte order mark (which a reader drops at the start of a file).
/// Records end with "\n".
class CsvWriter {
 public:
  /// Appends to `out`, which must outlive the writer. Between records the caller may take the
  /// text out of `out` (write it to a file and clear it) to keep memory flat.
  explicit CsvWriter(std::string& out) : out_(&out) {}

  /// Appends one field to the current record.
  void AddField(std::string_view value);
  /// Appends every field of `fields` to the current record.
  void AddFields(std::span<const std::string_view> fields);
  /// Ends the current record. A record of one empty field is written as `""` so that it does
  /// not read back as a blank line.
  void EndRecord();

  /// Whether `value` has to be quoted to read back unchanged.
  static bool NeedsQuoting(std::string_view value);

 private:
  std::string* out_;
  size_t fields_in_record_ = 0;
  bool first_field_empty_ = false;
};

/// Appends the shortest decimal text that parses back to exactly `value` (std::to_chars):
/// "0.1", "100", "1e+21", "-0". Infinities and NaN come out as "inf", "-inf" and "nan", which
/// ParseDouble rejects: callers that write numbers meant to be read back keep them finite.
void AppendDouble(std::string& out, double value);

/// The text AppendDouble appends.
std::string FormatDouble(double value);

/// Parses a whole field as a finite double (std::from_chars, general format). Rejects, as
/// kInvalidArgument, an empty field, surrounding spaces, a leading '+', trailing characters,
/// "nan", "inf", and magnitudes a double cannot hold (1e400; 1e-400 would silently be 0).
Result<double> ParseDouble(std::string_view text);

/// Parses a whole field as a base-10 int64 with the same strictness as ParseDouble.
Result<int64_t> ParseInt64(std::string_view text);

}  // namespace tickerflow
