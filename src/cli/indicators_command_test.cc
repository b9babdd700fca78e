#include "cli/indicators_command.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace tickerflow::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::string_view kHeader = "date,open,high,low,close,volume\n";

// The command's error codes, which callers act on; the wording is checked end to end in
// tests/integration.
class IndicatorsCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("indicators_command_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Input(std::string_view text) {
    const fs::path path = dir_ / "bars.csv";
    std::ofstream(path) << text;
    return path.string();
  }
  std::string Output() const { return (dir_ / "out.csv").string(); }

  Status Run(std::string_view input_text) {
    std::ostringstream unused;
    return RunIndicatorsCommand({.input_path = Input(input_text), .output_path = Output()}, unused);
  }

  fs::path dir_;
};

TEST_F(IndicatorsCommandTest, FileAndStandardOutputGetTheSameText) {
  const std::string input = Input(fmt::format("{}2024-01-02,1,2,0,1.5,100\n", kHeader));
  std::ostringstream stdout_stream;
  ASSERT_TRUE(
      RunIndicatorsCommand({.input_path = input, .output_path = Output()}, stdout_stream).ok());
  EXPECT_EQ(stdout_stream.str(), "");
  ASSERT_TRUE(RunIndicatorsCommand({.input_path = input, .output_path = "-"}, stdout_stream).ok());
  std::ifstream file(Output());
  std::stringstream written;
  written << file.rdbuf();
  EXPECT_EQ(stdout_stream.str(), written.str());
  EXPECT_THAT(written.str(), StartsWith("date,open,high,low,close,volume,bb_bbm,"));
  EXPECT_THAT(written.str(), HasSubstr("\n2024-01-02,1,2,0,1.5,100,"));
}

TEST_F(IndicatorsCommandTest, BadDataIsInvalidArgument) {
  for (const std::string& text : {
           std::string("date,open,high,low,close\n"),
           fmt::format("{}2024-01-02,1,2,0,x,100\n", kHeader),
           fmt::format("{}2024-01-02,1,2,0,1,100\n2024-01-02,1,2,0,1,100\n", kHeader),
           fmt::format("{}02/01/2024,1,2,0,1,100\n", kHeader),
           fmt::format("{}2024-01-02,1,2,0,1\n", kHeader),
       }) {
    const Status status = Run(text);
    ASSERT_FALSE(status.ok()) << text;
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << status.ToString();
    EXPECT_FALSE(fs::exists(Output()));
  }
}

TEST_F(IndicatorsCommandTest, MissingInputIsNotFound) {
  std::ostringstream unused;
  const Status status = RunIndicatorsCommand(
      {.input_path = (dir_ / "missing.csv").string(), .output_path = Output()}, unused);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
}

TEST_F(IndicatorsCommandTest, UnwritableOutputIsIoError) {
  std::ostringstream unused;
  const Status status = RunIndicatorsCommand(
      {.input_path = Input(kHeader), .output_path = (dir_ / "missing_dir" / "out.csv").string()},
      unused);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kIoError);
}

TEST_F(IndicatorsCommandTest, FailingStandardOutputIsIoError) {
  std::ostringstream broken;
  broken.setstate(std::ios::badbit);
  const Status status =
      RunIndicatorsCommand({.input_path = Input(kHeader), .output_path = "-"}, broken);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kIoError);
}

}  // namespace
}  // namespace tickerflow::cli
