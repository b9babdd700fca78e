#include "cli/indicators_command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <span>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "common/csv.h"
#include "common/date.h"
#include "common/log.h"
#include "indicators/indicators.h"

namespace tickerflow::cli {
namespace {

using indicators::IndicatorColumn;
using indicators::IndicatorSpecs;
using indicators::IndicatorTable;
using indicators::IndicatorType;

// The header is the first record; a header with a line break inside a quoted name would start
// on line 1 all the same.
constexpr size_t kHeaderLine = 1;

// Output goes to the file in pieces of about this size, so memory stays flat for long inputs.
constexpr size_t kFlushBytes = size_t{1} << 20;

// The columns the command reads, in the order of the Bars fields below.
enum RequiredColumn : size_t { kDate, kOpen, kHigh, kLow, kClose, kVolume, kRequiredCount };
constexpr std::array<std::string_view, kRequiredCount> kRequiredNames = {"date", "open",  "high",
                                                                         "low",  "close", "volume"};

// Where each required column sits in the input, by RequiredColumn.
using ColumnIndexes = std::array<size_t, kRequiredCount>;

// The numeric columns of the input, one entry per row. No indicator reads `open`, but it is
// checked like the others: a bar with a bad open is a bad bar, and it goes into the output.
struct Bars {
  std::vector<double> open, high, low, close, volume;

  indicators::PriceSeries Series() const {
    return {.high = high, .low = low, .close = close, .volume = volume};
  }
};

Status HeaderError(const CsvTable& table, std::string_view what) {
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("{}:{}: {}", table.source_name(), kHeaderLine, what));
}

Status CellError(const CsvTable& table, size_t row, std::string_view column,
                 std::string_view what) {
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("{}:{}: column '{}': {}", table.source_name(),
                                   table.line_number(row), column, what));
}

// `name` folded for a "did you mean" hint: lower case, surrounding spaces dropped.
std::string Folded(std::string_view name) {
  const size_t first = name.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  name = name.substr(first, name.find_last_not_of(' ') - first + 1);
  std::string folded(name);
  std::transform(folded.begin(), folded.end(), folded.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return folded;
}

// Checks the header and finds the required columns. Names must be unique, and none may be an
// indicator's name, so that every column of the output has exactly one meaning.
Result<ColumnIndexes> ResolveColumns(const CsvTable& table) {
  const std::span<const std::string_view> header = table.header();
  std::unordered_map<std::string_view, size_t> position;
  for (size_t i = 0; i < header.size(); ++i) {
    const auto [it, inserted] = position.emplace(header[i], i);
    if (!inserted) {
      return HeaderError(table, fmt::format("column '{}' appears twice in the header (columns {} "
                                            "and {}); column names must be unique",
                                            header[i], it->second + 1, i + 1));
    }
  }
  for (const indicators::IndicatorSpec& spec : IndicatorSpecs()) {
    if (position.contains(spec.name)) {
      return HeaderError(table, fmt::format("column '{}' has the name of an indicator column "
                                            "that this command adds; rename or remove it",
                                            spec.name));
    }
  }
  ColumnIndexes indexes{};
  for (size_t r = 0; r < kRequiredCount; ++r) {
    const auto it = position.find(kRequiredNames[r]);
    if (it != position.end()) {
      indexes[r] = it->second;
      continue;
    }
    std::string hint;
    for (std::string_view name : header) {
      if (Folded(name) == kRequiredNames[r]) {
        hint = fmt::format(" (found '{}': names are lower case, without spaces around them)", name);
        break;
      }
    }
    return HeaderError(table, fmt::format("missing required column '{}'{}; the header must name "
                                          "date, open, high, low, close and volume",
                                          kRequiredNames[r], hint));
  }
  return indexes;
}

// Parses and checks every row: a valid date strictly after the previous row's, and five
// finite numbers.
Result<Bars> ParseBars(const CsvTable& table, const ColumnIndexes& columns) {
  const size_t num_rows = table.num_rows();
  Bars bars;
  const std::array<std::vector<double>*, kRequiredCount> targets = {
      nullptr, &bars.open, &bars.high, &bars.low, &bars.close, &bars.volume};
  for (std::vector<double>* target : targets) {
    if (target != nullptr) target->reserve(num_rows);
  }

  Date previous_date;
  for (size_t row = 0; row < num_rows; ++row) {
    const std::span<const std::string_view> fields = table.row(row);
    const std::string_view date_text = fields[columns[kDate]];
    Result<Date> date = Date::Parse(date_text);
    if (!date.ok()) return CellError(table, row, "date", date.status().message());
    if (row > 0 && *date <= previous_date) {
      const size_t previous_line = table.line_number(row - 1);
      if (*date == previous_date) {
        return CellError(table, row, "date",
                         fmt::format("{} repeats the date on line {}; each date may appear once",
                                     date_text, previous_line));
      }
      return CellError(table, row, "date",
                       fmt::format("{} comes after {} on line {}; rows must be in strictly "
                                   "ascending date order",
                                   date_text, previous_date.ToString(), previous_line));
    }
    previous_date = *date;

    for (size_t r = kOpen; r < kRequiredCount; ++r) {
      Result<double> value = ParseDouble(fields[columns[r]]);
      if (!value.ok()) return CellError(table, row, kRequiredNames[r], value.status().message());
      targets[r]->push_back(*value);
    }
  }
  return bars;
}

// The destination of the output text.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // Appends `text`.
  virtual Status Write(std::string_view text) = 0;
  // Makes everything written visible; nothing is visible before.
  virtual Status Commit() = 0;
};

// Standard output (`--out -`); there is nothing to roll back, so a failure may leave part of
// the output written.
class StreamSink final : public OutputSink {
 public:
  explicit StreamSink(std::ostream& stream) : stream_(&stream) {}

  Status Write(std::string_view text) override {
    stream_->write(text.data(), static_cast<std::streamsize>(text.size()));
    return Check();
  }
  Status Commit() override {
    stream_->flush();
    return Check();
  }

 private:
  Status Check() const {
    if (stream_->good()) return Status::Ok();
    return Status::Error(ErrorCode::kIoError, "writing to standard output failed");
  }

  std::ostream* stream_;
};

// A file that appears at its path complete or not at all: written under a temporary name in
// the same directory (so that rename() is atomic), flushed to disk, then renamed over the
// path. The temporary file is removed unless Commit() succeeds.
class AtomicFileSink final : public OutputSink {
 public:
  explicit AtomicFileSink(std::string path)
      : path_(std::move(path)), temp_path_(fmt::format("{}.tmp-{}", path_, ::getpid())) {}
  AtomicFileSink(const AtomicFileSink&) = delete;
  AtomicFileSink& operator=(const AtomicFileSink&) = delete;
  ~AtomicFileSink() override {
    if (fd_ >= 0) ::close(fd_);
    if (created_ && !committed_) ::unlink(temp_path_.c_str());
  }

  Status Open() {
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0) return Failure("cannot create", temp_path_);
    created_ = true;
    return Status::Ok();
  }

  Status Write(std::string_view text) override {
    while (!text.empty()) {
      const ssize_t n = ::write(fd_, text.data(), text.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Failure("cannot write", temp_path_);
      }
      text.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  Status Commit() override {
    // fsync before rename: otherwise a crash soon after could leave the new name pointing at
    // a file whose data never reached the disk.
    if (::fsync(fd_) != 0) return Failure("cannot write", temp_path_);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Failure("cannot write", temp_path_);
    if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
      const int error = errno;
      return Status::Error(ErrorCode::kIoError,
                           fmt::format("cannot rename {} to {}: {}", temp_path_, path_,
                                       std::generic_category().message(error)));
    }
    committed_ = true;
    return Status::Ok();
  }

 private:
  // The error of the failed call on `path`; call it right after, before errno can change.
  static Status Failure(std::string_view action, const std::string& path) {
    const int error = errno;
    return Status::Error(ErrorCode::kIoError, fmt::format("{} {}: {}", action, path,
                                                          std::generic_category().message(error)));
  }

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool created_ = false;
  bool committed_ = false;
};

// Milliseconds spent in each phase of the command, for the debug log.
class PhaseTimer {
 public:
  // Since the previous lap (or the start).
  int64_t Lap() {
    const Clock::time_point now = Clock::now();
    const int64_t ms = Milliseconds(now - lap_start_);
    lap_start_ = now;
    return ms;
  }
  int64_t Total() const { return Milliseconds(Clock::now() - start_); }

 private:
  using Clock = std::chrono::steady_clock;
  static int64_t Milliseconds(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  }

  Clock::time_point start_ = Clock::now();
  Clock::time_point lap_start_ = start_;
};

Status WriteOutput(const CsvTable& input, const IndicatorTable& table, OutputSink& sink) {
  if (table.num_rows() != input.num_rows()) {
    return Status::Error(ErrorCode::kInternal,
                         fmt::format("ComputeIndicators returned {} rows for {} input rows",
                                     table.num_rows(), input.num_rows()));
  }
  std::string buffer;
  buffer.reserve(kFlushBytes + kFlushBytes / 4);
  CsvWriter writer(buffer);
  writer.AddFields(input.header());
  for (const indicators::IndicatorSpec& spec : IndicatorSpecs()) writer.AddField(spec.name);
  writer.EndRecord();

  std::string number;
  for (size_t row = 0; row < input.num_rows(); ++row) {
    writer.AddFields(input.row(row));
    for (const IndicatorColumn& column : table.columns()) {
      if (!column.IsValid(row)) {
        writer.AddField("");
      } else if (column.spec->type == IndicatorType::kBoolean) {
        writer.AddField(column.flags[row] != 0 ? "true" : "false");
      } else {
        number.clear();
        AppendDouble(number, column.numbers[row]);
        writer.AddField(number);
      }
    }
    writer.EndRecord();
    if (buffer.size() >= kFlushBytes) {
      TF_RETURN_IF_ERROR(sink.Write(buffer));
      buffer.clear();
    }
  }
  TF_RETURN_IF_ERROR(sink.Write(buffer));
  return sink.Commit();
}

}  // namespace

Status RunIndicatorsCommand(const IndicatorsOptions& options, std::ostream& stdout_stream) {
  PhaseTimer timer;
  TF_ASSIGN_OR_RETURN(const CsvTable input, CsvTable::ReadFile(options.input_path));
  TF_LOG_DEBUG("read {} rows from {} in {} ms", input.num_rows(), options.input_path, timer.Lap());
  TF_ASSIGN_OR_RETURN(const ColumnIndexes columns, ResolveColumns(input));
  TF_ASSIGN_OR_RETURN(const Bars bars, ParseBars(input, columns));
  TF_LOG_DEBUG("checked the input in {} ms", timer.Lap());

  const IndicatorTable table = indicators::ComputeIndicators(bars.Series());
  TF_LOG_DEBUG("computed the indicators in {} ms", timer.Lap());

  // Only now, with the whole input known to be good, is the output touched.
  if (options.output_path == kStandardOutput) {
    StreamSink sink(stdout_stream);
    TF_RETURN_IF_ERROR(WriteOutput(input, table, sink));
  } else {
    AtomicFileSink sink(options.output_path);
    TF_RETURN_IF_ERROR(sink.Open());
    TF_RETURN_IF_ERROR(WriteOutput(input, table, sink));
  }
  TF_LOG_DEBUG("wrote the output in {} ms", timer.Lap());
  TF_LOG_INFO("wrote {} rows with {} indicator columns to {} in {} ms", input.num_rows(),
              indicators::kIndicatorCount, options.output_path, timer.Total());
  return Status::Ok();
}

}  // namespace tickerflow::cli
