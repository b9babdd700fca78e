#include "cli/calendar_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

#include "common/date.h"
#include "market/calendar.h"

namespace tickerflow::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// An instant written in UTC.
std::chrono::sys_seconds Utc(int year, unsigned month, unsigned day, int hour, int minute) {
  return std::chrono::sys_days(
             std::chrono::days(Date::FromCivil(year, month, day).days_since_epoch())) +
         std::chrono::hours(hour) + std::chrono::minutes(minute);
}

// Each test gets its own home directory, so the user's closures file never counts; the
// built-in calendar is restored afterwards.
class CalendarCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("calendar_command_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / ".config" / "tickerflow");
    for (const char* name : {"HOME", "XDG_CONFIG_HOME", "TICKERFLOW_CONFIG"}) {
      if (const char* value = std::getenv(name); value != nullptr) saved_[name] = value;
    }
    ::setenv("HOME", dir_.c_str(), /*overwrite=*/1);
    ::unsetenv("XDG_CONFIG_HOME");
    ::unsetenv("TICKERFLOW_CONFIG");
  }
  void TearDown() override {
    ::unsetenv("HOME");
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
    EXPECT_TRUE(market::SetExtraClosures({}).ok());
    fs::remove_all(dir_);
  }

  Result<std::string> Run(const CalendarOptions& options) {
    std::ostringstream out;
    TF_RETURN_IF_ERROR(RunCalendarCommand(options, out));
    return out.str();
  }

  void WriteFile(const fs::path& path, std::string_view text) {
    std::ofstream(path, std::ios::trunc) << text;
  }

  fs::path dir_;
  std::map<std::string, std::string> saved_;
};

TEST_F(CalendarCommandTest, Sessions) {
  const Result<std::string> out =
      Run({.action = "sessions", .from = "2024-11-27", .to = "2024-12-02"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "2024-11-27 09:30 16:00\n"
            "2024-11-29 09:30 13:00\n"
            "2024-12-02 09:30 16:00\n");
}

TEST_F(CalendarCommandTest, HolidaysAreWeekdaysWithoutASession) {
  const Result<std::string> out =
      Run({.action = "holidays", .from = "2022-06-01", .to = "2022-07-31"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "2022-06-20 Juneteenth National Independence Day\n"
            "2022-07-04 Independence Day\n");
}

TEST_F(CalendarCommandTest, EarlyCloses) {
  const Result<std::string> out =
      Run({.action = "early-closes", .from = "1992-01-01", .to = "1993-12-31"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "1992-11-27 14:00\n"
            "1992-12-24 14:00\n"
            "1993-11-26 13:00\n");
}

TEST_F(CalendarCommandTest, NextPrintsTheSessionAndTheRun) {
  // Friday 2024-11-29 at 12:00 New York: the early-closing session is in progress.
  Result<std::string> out = Run({.action = "next", .now = Utc(2024, 11, 29, 17, 0)});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "next session: 2024-11-29 09:30 to 13:00 America/New_York "
            "(2024-11-29T14:30:00Z to 2024-11-29T18:00:00Z)\n"
            "next run: 2024-11-29 17:30 America/New_York (2024-11-29T22:30:00Z)\n");
  // Saturday: Monday's session, and a run at another time.
  out = Run({.action = "next", .run_time = "18:05", .now = Utc(2024, 6, 8, 12, 0)});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "next session: 2024-06-10 09:30 to 16:00 America/New_York "
            "(2024-06-10T13:30:00Z to 2024-06-10T20:00:00Z)\n"
            "next run: 2024-06-10 18:05 America/New_York (2024-06-10T22:05:00Z)\n");
}

TEST_F(CalendarCommandTest, TheDefaultClosuresFileCounts) {
  WriteFile(dir_ / ".config" / "tickerflow" / "closures.txt",
            "# announced after the release\n2024-06-05  Test closure\n");
  const Result<std::string> out =
      Run({.action = "holidays", .from = "2024-06-03", .to = "2024-06-07"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "2024-06-05 Test closure\n");
}

TEST_F(CalendarCommandTest, TheConfiguredClosuresFileCountsAndMustExist) {
  const fs::path config = dir_ / "config.toml";
  WriteFile(dir_ / "mine.txt", "2024-06-06  From the config\n");
  WriteFile(config, "[calendar]\nclosures_file = \"mine.txt\"\n");
  Result<std::string> out = Run({.action = "sessions",
                                 .from = "2024-06-05",
                                 .to = "2024-06-07",
                                 .config_path = config.string()});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "2024-06-05 09:30 16:00\n2024-06-07 09:30 16:00\n");

  WriteFile(config, "[calendar]\nclosures_file = \"missing.txt\"\n");
  out = Run({.action = "sessions",
             .from = "2024-06-05",
             .to = "2024-06-07",
             .config_path = config.string()});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kNotFound);
  EXPECT_THAT(out.status().message(), HasSubstr("missing.txt"));
}

TEST_F(CalendarCommandTest, ABadClosuresFileNamesTheLine) {
  WriteFile(dir_ / ".config" / "tickerflow" / "closures.txt", "2024-06-05  ok\n2024-02-30  bad\n");
  const Result<std::string> out =
      Run({.action = "holidays", .from = "2024-06-03", .to = "2024-06-07"});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("closures.txt', line 2"));
}

TEST_F(CalendarCommandTest, BadArgumentsAreInvalidArgument) {
  for (const CalendarOptions& options : {
           CalendarOptions{.action = "sessions", .from = "2024-06-07", .to = "2024-06-03"},
           CalendarOptions{.action = "sessions", .from = "2024-6-3", .to = "2024-06-07"},
           CalendarOptions{.action = "next", .run_time = "25:00"},
           CalendarOptions{.action = "weekends"},
       }) {
    const Result<std::string> out = Run(options);
    ASSERT_FALSE(out.ok()) << options.action;
    EXPECT_EQ(out.status().code(), ErrorCode::kInvalidArgument) << out.status().ToString();
  }
}

}  // namespace
}  // namespace tickerflow::cli
