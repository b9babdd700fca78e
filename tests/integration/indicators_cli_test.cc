// End-to-end tests of `tickerflow indicators`: they run the built program on files in a fresh
// temporary directory and check its exit status, its messages and the files it leaves.

#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/csv.h"

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX's name.

namespace tickerflow {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr std::string_view kProgram = TICKERFLOW_BINARY_DIR "/tickerflow";
constexpr std::string_view kFixtureDir = TICKERFLOW_SOURCE_DIR "/tests/fixtures/indicators";

// Written out here rather than taken from the library, so that a change to the library's
// column list shows up as a failing end-to-end test.
constexpr std::array<std::string_view, 30> kIndicatorNames = {
    "bb_bbm",    "bb_bbh",       "bb_bbl",      "bb_bbhi",      "bb_bbli",        "bb_bbw",
    "bb_bbp",    "mfi",          "adi",         "sma_200",      "sma_50",         "macd",
    "macd_diff", "macd_signal",  "adx",         "adx_neg",      "adx_pos",        "rsi",
    "stoch",     "stoch_signal", "solid_trend", "golden_cross", "price_over_200", "macd_up",
    "rsi_over",  "rsi_under",    "adx_buy",     "adx_sell",     "stoch_over",     "stoch_under"};
constexpr std::string_view kInputHeader = "date,open,high,low,close,volume";

struct RunResult {
  int exit_code = -1;  // The exit status, or -signal when the program was killed.
  std::string out;
  std::string err;
};

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteText(const fs::path& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The header and first `num_rows` data lines of a fixture, as text.
std::string FixturePrefix(std::string_view name, size_t num_rows) {
  const std::vector<std::string> lines = Lines(ReadText(fs::path(kFixtureDir) / name));
  std::string text;
  for (size_t i = 0; i <= num_rows && i < lines.size(); ++i) text += lines[i] + "\n";
  return text;
}

CsvTable ReadCsv(const fs::path& path) {
  Result<CsvTable> table = CsvTable::ReadFile(path.string());
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  if (!table.ok()) return CsvTable::Parse("unreadable\n", path.string()).value();
  return std::move(table).value();
}

std::vector<std::string> Header(const CsvTable& table) {
  return {table.header().begin(), table.header().end()};
}

std::vector<std::string> ExpectedHeader(const std::vector<std::string>& input_header) {
  std::vector<std::string> header = input_header;
  header.insert(header.end(), kIndicatorNames.begin(), kIndicatorNames.end());
  return header;
}

size_t Column(const CsvTable& table, std::string_view name) {
  const std::optional<size_t> column = table.FindColumn(name);
  EXPECT_TRUE(column.has_value()) << name;
  return column.value_or(0);
}

class IndicatorsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_cli_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // Captured output lives apart from the work directory, whose listing the tests check.
    capture_dir_ = dir_ / "capture";
    work_dir_ = dir_ / "work";
    fs::create_directories(capture_dir_);
    fs::create_directories(work_dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the program with `args`; standard output and error are captured through files, so a
  // large output cannot fill a pipe and block the child.
  RunResult Run(const std::vector<std::string>& args) {
    const fs::path out_path = capture_dir_ / "stdout";
    const fs::path err_path = capture_dir_ / "stderr";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    std::vector<std::string> argv_storage = {std::string(kProgram)};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argv_storage.size() + 1);
    for (std::string& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);

    RunResult result;
    pid_t pid = 0;
    const int spawn_error = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(spawn_error, 0) << "cannot run " << kProgram;
    if (spawn_error != 0) return result;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    result.out = ReadText(out_path);
    result.err = ReadText(err_path);
    return result;
  }

  // Runs `indicators` on `input` and writes to out.csv in the work directory.
  RunResult RunIndicators(const fs::path& input) {
    return Run({"indicators", "--in", input.string(), "--out", OutPath().string()});
  }

  fs::path WriteInput(std::string_view text, std::string_view name = "bars.csv") {
    fs::path path = work_dir_ / name;
    WriteText(path, text);
    return path;
  }

  fs::path OutPath() const { return work_dir_ / "out.csv"; }

  // The names in the work directory, to show that nothing (a temporary file) was left behind.
  std::vector<std::string> WorkFiles() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(work_dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
  fs::path capture_dir_;
  fs::path work_dir_;
};

// ---------------------------------------------------------------------------------------------
// Happy paths

TEST_F(IndicatorsCliTest, EdgeFixtureMatchesTa) {
  const fs::path input_path = fs::path(kFixtureDir) / "ohlcv_edge_300_input.csv";
  const RunResult run = RunIndicators(input_path);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(WorkFiles(), ElementsAreArray({"out.csv"}));

  const CsvTable input = ReadCsv(input_path);
  const CsvTable expected = ReadCsv(fs::path(kFixtureDir) / "ohlcv_edge_300_expected.csv");
  const CsvTable output = ReadCsv(OutPath());
  EXPECT_EQ(Header(output), ExpectedHeader(Header(input)));
  ASSERT_EQ(output.num_rows(), 300u);
  ASSERT_EQ(expected.num_rows(), 300u);

  for (size_t row = 0; row < output.num_rows(); ++row) {
    // The input columns come through as text, unchanged.
    for (size_t column = 0; column < input.num_columns(); ++column) {
      EXPECT_EQ(output.row(row)[column], input.row(row)[column]) << "row " << row;
    }
    // Every number reads back; ta's values where ta has one; empty where ta has NaN.
    for (std::string_view name : {"bb_bbm", "rsi"}) {
      const std::string_view ours = output.row(row)[Column(output, name)];
      const std::string_view theirs = expected.row(row)[Column(expected, name)];
      if (theirs.empty()) {
        EXPECT_THAT(ours, IsEmpty()) << name << " row " << row;
        continue;
      }
      const Result<double> got = ParseDouble(ours);
      ASSERT_TRUE(got.ok()) << name << " row " << row << ": " << got.status().ToString();
      const double want = ParseDouble(theirs).value();
      EXPECT_LE(std::abs(*got - want), 1e-9 * std::max(1.0, std::abs(want)))
          << name << " row " << row << ": " << ours << " vs " << theirs;
    }
    // Signals are true/false, NULL while their input is: rsi_over is rsi > 70.
    const std::string_view rsi = output.row(row)[Column(output, "rsi")];
    const std::string_view rsi_over = output.row(row)[Column(output, "rsi_over")];
    if (rsi.empty()) {
      EXPECT_THAT(rsi_over, IsEmpty()) << "row " << row;
    } else {
      EXPECT_EQ(rsi_over, ParseDouble(rsi).value() > 70 ? "true" : "false") << "row " << row;
    }
    for (size_t column = input.num_columns(); column < output.num_columns(); ++column) {
      const std::string_view cell = output.row(row)[column];
      const std::string_view name = output.header()[column];
      if (cell.empty()) continue;
      if (name == "bb_bbhi" || name == "bb_bbli" || column >= input.num_columns() + 20) {
        EXPECT_TRUE(cell == "true" || cell == "false") << name << " row " << row << ": " << cell;
      } else {
        EXPECT_TRUE(ParseDouble(cell).ok()) << name << " row " << row << ": " << cell;
      }
    }
  }

  // Warm-up rows are empty up to the first defined row of docs/indicators.md.
  const auto first_defined = [&](std::string_view name) {
    const size_t column = Column(output, name);
    for (size_t row = 0; row < output.num_rows(); ++row) {
      if (!output.row(row)[column].empty()) return row;
    }
    return output.num_rows();
  };
  EXPECT_EQ(first_defined("rsi"), 13u);
  EXPECT_EQ(first_defined("bb_bbm"), 19u);
  EXPECT_EQ(first_defined("sma_200"), 199u);
  EXPECT_EQ(first_defined("adx"), 27u);
  EXPECT_EQ(first_defined("rsi_over"), 13u);
  EXPECT_EQ(first_defined("price_over_200"), 199u);
}

TEST_F(IndicatorsCliTest, ColumnsAreFoundByNameAndOtherColumnsKeptInPlace) {
  // The fixture with its columns shuffled, a `symbol` column in front and a quoted `note` in the
  // middle; the indicators must be those of the plain file.
  const fs::path plain = fs::path(kFixtureDir) / "ohlcv_edge_300_input.csv";
  const CsvTable input = ReadCsv(plain);
  std::string text = "symbol,volume,close,note,date,low,high,open\n";
  for (size_t row = 0; row < input.num_rows(); ++row) {
    const auto f = input.row(row);
    text += fmt::format("BRK-B,{},{},\"a, \"\"b\"\"\",{},{},{},{}\n", f[5], f[4], f[0], f[3], f[2],
                        f[1]);
  }
  const fs::path shuffled = WriteInput(text);
  ASSERT_EQ(
      Run({"indicators", "--in", plain.string(), "--out", (work_dir_ / "plain_out.csv").string()})
          .exit_code,
      0);
  const RunResult run = RunIndicators(shuffled);
  ASSERT_EQ(run.exit_code, 0) << run.err;

  const CsvTable expected = ReadCsv(work_dir_ / "plain_out.csv");
  const CsvTable output = ReadCsv(OutPath());
  EXPECT_EQ(Header(output),
            ExpectedHeader({"symbol", "volume", "close", "note", "date", "low", "high", "open"}));
  ASSERT_EQ(output.num_rows(), input.num_rows());
  for (size_t row = 0; row < output.num_rows(); ++row) {
    const auto out = output.row(row);
    const auto in = input.row(row);
    EXPECT_THAT(std::vector<std::string>(out.begin(), out.begin() + 8),
                ElementsAreArray({std::string("BRK-B"), std::string(in[5]), std::string(in[4]),
                                  std::string("a, \"b\""), std::string(in[0]), std::string(in[3]),
                                  std::string(in[2]), std::string(in[1])}));
    EXPECT_THAT(std::vector<std::string>(out.begin() + 8, out.end()),
                ElementsAreArray(expected.row(row).begin() + 6, expected.row(row).end()))
        << "row " << row;
  }
  // The note is written back quoted, exactly as it came in.
  EXPECT_THAT(ReadText(OutPath()), HasSubstr(",\"a, \"\"b\"\"\","));
}

TEST_F(IndicatorsCliTest, HeaderOnlyInputGivesHeaderOnlyOutput) {
  const RunResult run = RunIndicators(WriteInput(fmt::format("{}\n", kInputHeader)));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string expected(kInputHeader);
  for (std::string_view name : kIndicatorNames) expected += fmt::format(",{}", name);
  EXPECT_EQ(ReadText(OutPath()), expected + "\n");
}

TEST_F(IndicatorsCliTest, ShortInputsGiveThePrefixOfTheFullResult) {
  const std::string fixture = "ohlcv_edge_300_input.csv";
  ASSERT_EQ(RunIndicators(fs::path(kFixtureDir) / fixture).exit_code, 0);
  const std::vector<std::string> full = Lines(ReadText(OutPath()));
  ASSERT_EQ(full.size(), 301u);

  for (const size_t num_rows : {size_t{1}, size_t{2}, size_t{27}, size_t{28}}) {
    SCOPED_TRACE(num_rows);
    const RunResult run = RunIndicators(WriteInput(FixturePrefix(fixture, num_rows)));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const std::vector<std::string> lines = Lines(ReadText(OutPath()));
    ASSERT_EQ(lines.size(), num_rows + 1);
    EXPECT_THAT(lines, ElementsAreArray(full.begin(), full.begin() + num_rows + 1));
  }
  // With 27 rows ADX is not defined yet: the whole column is empty.
  ASSERT_EQ(RunIndicators(WriteInput(FixturePrefix(fixture, 27))).exit_code, 0);
  const CsvTable output = ReadCsv(OutPath());
  for (size_t row = 0; row < output.num_rows(); ++row) {
    EXPECT_THAT(output.row(row)[Column(output, "adx")], IsEmpty()) << "row " << row;
  }
}

TEST_F(IndicatorsCliTest, DashWritesToStandardOutput) {
  const fs::path input = WriteInput(FixturePrefix("ohlcv_1500_input.csv", 60));
  ASSERT_EQ(RunIndicators(input).exit_code, 0);
  const RunResult run = Run({"indicators", "--in", input.string(), "--out", "-"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, ReadText(OutPath()));
}

TEST_F(IndicatorsCliTest, ReplacesAnExistingOutput) {
  WriteText(OutPath(), "old\n");
  const RunResult run = RunIndicators(WriteInput(FixturePrefix("ohlcv_1500_input.csv", 3)));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Lines(ReadText(OutPath())).size(), 4u);
  EXPECT_THAT(WorkFiles(), ElementsAreArray({"bars.csv", "out.csv"}));
}

TEST_F(IndicatorsCliTest, AcceptsCrLfAndByteOrderMark) {
  const RunResult run =
      RunIndicators(WriteInput("\xEF\xBB\xBF"
                               "date,open,high,low,close,volume\r\n2024-01-02,1,2,0,1.5,100\r\n"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const CsvTable output = ReadCsv(OutPath());
  ASSERT_EQ(output.num_rows(), 1u);
  EXPECT_EQ(output.header()[0], "date");
  // adi = clv · volume, clv = ((c - l) - (h - c)) / (h - l) = 0.5.
  EXPECT_EQ(output.row(0)[Column(output, "adi")], "50");
}

// ---------------------------------------------------------------------------------------------
// Bad input: exit status 1, a message naming the file, the line and the column, no output.

struct BadInputCase {
  std::string name;
  std::string text;
  int line;
  std::string column;                 // Empty when the problem is not in one column.
  std::vector<std::string> mentions;  // Further text the message must contain.
};

void PrintTo(const BadInputCase& c, std::ostream* out) { *out << c.name; }

class BadInputTest : public IndicatorsCliTest,
                     public ::testing::WithParamInterface<BadInputCase> {};

TEST_P(BadInputTest, FailsWithPreciseMessageAndNoOutput) {
  const BadInputCase& c = GetParam();
  const fs::path input = WriteInput(c.text);
  const RunResult run = RunIndicators(input);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, StartsWith("tickerflow indicators: error: "));
  EXPECT_THAT(run.err, HasSubstr(fmt::format("{}:{}: ", input.string(), c.line)));
  if (!c.column.empty()) {
    EXPECT_THAT(run.err, HasSubstr(fmt::format("'{}'", c.column)));
  }
  for (const std::string& mention : c.mentions) EXPECT_THAT(run.err, HasSubstr(mention));
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(WorkFiles(), ElementsAreArray({"bars.csv"}));
}

TEST_P(BadInputTest, LeavesAnExistingOutputAlone) {
  WriteText(OutPath(), "previous content\n");
  const RunResult run = RunIndicators(WriteInput(GetParam().text));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(ReadText(OutPath()), "previous content\n");
  EXPECT_THAT(WorkFiles(), ElementsAreArray({"bars.csv", "out.csv"}));
}

const std::string kGoodRows =
    "2024-01-02,10,11,9,10.5,1000\n"
    "2024-01-03,10.5,11.5,10,11,1200\n";

INSTANTIATE_TEST_SUITE_P(
    IndicatorsCliTest, BadInputTest,
    ::testing::Values(
        BadInputCase{"MissingColumn",
                     "date,open,high,low,volume\n2024-01-02,1,2,0.5,100\n",
                     1,
                     "close",
                     {"missing"}},
        BadInputCase{"NonNumericValue",
                     fmt::format("{}\n{}2024-01-04,11,12,10,abc,900\n", kInputHeader, kGoodRows),
                     4,
                     "close",
                     {"'abc' is not a number"}},
        BadInputCase{"EmptyCell",
                     fmt::format("{}\n2024-01-02,1,2,0.5,1.5,\n", kInputHeader),
                     2,
                     "volume",
                     {"empty"}},
        BadInputCase{"NonFiniteValue",
                     fmt::format("{}\n{}2024-01-04,11,inf,10,11,900\n", kInputHeader, kGoodRows),
                     4,
                     "high",
                     {"'inf'"}},
        BadInputCase{"DatesNotAscending",
                     fmt::format("{}\n{}2024-01-01,11,12,10,11,900\n", kInputHeader, kGoodRows),
                     4,
                     "date",
                     {"2024-01-01", "2024-01-03"}},
        BadInputCase{"DuplicateDate",
                     fmt::format("{}\n{}2024-01-03,11,12,10,11,900\n", kInputHeader, kGoodRows),
                     4,
                     "date",
                     {"2024-01-03", "line 3"}},
        BadInputCase{"BadDate",
                     fmt::format("{}\n2024-02-30,1,2,0.5,1.5,100\n", kInputHeader),
                     2,
                     "date",
                     {"2024-02-30"}},
        BadInputCase{"DuplicateColumn",
                     "date,open,high,low,close,volume,close\n2024-01-02,1,2,0.5,1.5,100,1.5\n",
                     1,
                     "close",
                     {"twice"}},
        BadInputCase{"IndicatorColumnInInput",
                     "date,open,high,low,close,volume,rsi\n2024-01-02,1,2,0.5,1.5,100,50\n",
                     1,
                     "rsi",
                     {}},
        BadInputCase{"WrongFieldCount",
                     fmt::format("{}\n{}2024-01-04,11,12,10,11\n", kInputHeader, kGoodRows),
                     4,
                     "",
                     {"5 fields"}},
        BadInputCase{"UnterminatedQuote",
                     fmt::format("{}\n{}\"2024-01-04,11,12,10,11,900\n", kInputHeader, kGoodRows),
                     4,
                     "",
                     {"quote"}},
        BadInputCase{"EmptyFile", "", 1, "", {"empty"}}),
    [](const ::testing::TestParamInfo<BadInputCase>& param) { return param.param.name; });

TEST_F(IndicatorsCliTest, MissingInputFile) {
  const fs::path missing = work_dir_ / "missing.csv";
  const RunResult run = RunIndicators(missing);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(missing.string()));
  EXPECT_THAT(WorkFiles(), IsEmpty());
}

TEST_F(IndicatorsCliTest, UnwritableOutputDirectory) {
  const RunResult run =
      Run({"indicators", "--in", WriteInput(FixturePrefix("ohlcv_1500_input.csv", 3)).string(),
           "--out", (work_dir_ / "no_such_dir" / "out.csv").string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("no_such_dir"));
  EXPECT_THAT(WorkFiles(), ElementsAreArray({"bars.csv"}));
}

// ---------------------------------------------------------------------------------------------
// The command line itself.

TEST_F(IndicatorsCliTest, HelpListsIndicators) {
  const RunResult run = Run({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, HasSubstr("Usage: tickerflow"));
  EXPECT_THAT(run.out, HasSubstr("indicators"));
  EXPECT_THAT(run.out, HasSubstr("--log-level"));

  const RunResult sub = Run({"indicators", "--help"});
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_THAT(sub.out, HasSubstr("--in"));
  EXPECT_THAT(sub.out, HasSubstr("--out"));
}

TEST_F(IndicatorsCliTest, VersionPrintsTheVersion) {
  const RunResult run = Run({"--version"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out, "tickerflow 0.1.0\n");
}

TEST_F(IndicatorsCliTest, UnknownFlagIsAUsageError) {
  const fs::path input = WriteInput(FixturePrefix("ohlcv_1500_input.csv", 3));
  const RunResult run =
      Run({"indicators", "--in", input.string(), "--out", OutPath().string(), "--frobnicate"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--frobnicate"));
  EXPECT_THAT(run.err, HasSubstr("Usage: tickerflow indicators"));
  EXPECT_THAT(WorkFiles(), ElementsAreArray({"bars.csv"}));
}

TEST_F(IndicatorsCliTest, MissingInIsAUsageError) {
  const RunResult run = Run({"indicators", "--out", OutPath().string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--in"));
  EXPECT_THAT(run.err, HasSubstr("Usage:"));
  EXPECT_THAT(WorkFiles(), IsEmpty());
}

TEST_F(IndicatorsCliTest, MissingSubcommandIsAUsageError) {
  const RunResult run = Run({});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("Usage: tickerflow"));
}

TEST_F(IndicatorsCliTest, BadLogLevelIsAUsageError) {
  const RunResult run = Run({"--log-level", "loud", "indicators", "--in",
                             WriteInput(FixturePrefix("ohlcv_1500_input.csv", 3)).string(), "--out",
                             OutPath().string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--log-level"));
  EXPECT_THAT(WorkFiles(), ElementsAreArray({"bars.csv"}));
}

TEST_F(IndicatorsCliTest, LogLevelOffSilencesStandardError) {
  const RunResult run =
      Run({"--log-level", "off", "indicators", "--in",
           WriteInput(FixturePrefix("ohlcv_1500_input.csv", 3)).string(), "--out", "-"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.err, IsEmpty());
  EXPECT_EQ(Lines(run.out).size(), 4u);
}

}  // namespace
}  // namespace tickerflow
