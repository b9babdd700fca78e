// `tickerflow schedule` end to end: a due run at start-up (`--once` and as a service), nothing
// due the second time, one scheduler per data directory, a clean stop on SIGTERM, and the
// printed systemd units and crontab line.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "process_runner.h"

namespace tickerflow {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using tickerflow::testing::ProgramResult;
using tickerflow::testing::ReadFileText;
using tickerflow::testing::RunningProgram;
using tickerflow::testing::RunProgram;

class ScheduleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_schedule_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `schedule <flags> -- <a small simulated run into dir_/data>`.
  std::vector<std::string> Args(std::vector<std::string> flags) const {
    std::vector<std::string> args = {"schedule", "--state-dir", (dir_ / "state").string()};
    args.insert(args.end(), flags.begin(), flags.end());
    for (const char* arg : {"--", "--source", "simulated", "--universe", "20", "--years", "1",
                            "--seed", "3", "--workers", "1"}) {
      args.emplace_back(arg);
    }
    args.insert(args.end(), {"--data", (dir_ / "data").string()});
    return args;
  }

  ProgramResult Run(const std::vector<std::string>& args) {
    return RunProgram(args, dir_ / fmt::format("capture-{}", runs_++));
  }

  fs::path dir_;
  int runs_ = 0;
};

TEST_F(ScheduleTest, OnceRunsTheDueRunThenNothing) {
  const ProgramResult first = Run(Args({"--once"}));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.err, HasSubstr("schedule: running for session"));
  // The run itself happened: a screener and a run summary in the data directory.
  EXPECT_TRUE(fs::exists(dir_ / "data" / "screener" / "screener.parquet"));
  EXPECT_THAT(first.out, HasSubstr("summary:"));

  const ProgramResult second = Run(Args({"--once"}));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.err, HasSubstr("nothing due"));
  EXPECT_THAT(second.err, Not(HasSubstr("running for session")));
}

TEST_F(ScheduleTest, AServiceCatchesUpHoldsItsLockAndStopsCleanlyOnSigterm) {
  RunningProgram service(Args({}), dir_ / "capture-service");
  ASSERT_TRUE(service.started());
  // The catch-up run first, then it waits for the next session's run.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (ReadFileText(dir_ / "capture-service" / "stderr").find("next run for session") ==
             std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_THAT(ReadFileText(dir_ / "capture-service" / "stderr"), HasSubstr("next run for session"));

  const ProgramResult second = Run(Args({"--once"}));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.err, HasSubstr("another tickerflow schedule serves"));

  const ProgramResult stopped = service.Terminate();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_THAT(stopped.err, HasSubstr("schedule: stopped"));
  EXPECT_THAT(stopped.err, HasSubstr("running for session"));
  // Stopped: the lock is free again, and the run it did is remembered.
  const ProgramResult after = Run(Args({"--once"}));
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_THAT(after.err, HasSubstr("nothing due"));
}

TEST_F(ScheduleTest, PrintsSystemdUnitsAndACrontabLineAndRefusesAsOf) {
  const ProgramResult systemd = Run(Args({"--print-systemd", "--at", "18:05"}));
  ASSERT_EQ(systemd.exit_code, 0) << systemd.err;
  EXPECT_THAT(systemd.out, HasSubstr("[Timer]\nOnCalendar=*:0/15\nPersistent=true"));
  EXPECT_THAT(systemd.out, HasSubstr("schedule --once --at 18:05 --tz America/New_York"));
  EXPECT_THAT(systemd.out, HasSubstr("-- --source simulated"));
  const ProgramResult cron = Run(Args({"--print-cron"}));
  ASSERT_EQ(cron.exit_code, 0) << cron.err;
  EXPECT_THAT(cron.out, HasSubstr("*/15 * * * * "));
  EXPECT_THAT(cron.out, HasSubstr("schedule --once --at 17:30"));

  std::vector<std::string> with_as_of = Args({"--once"});
  with_as_of.insert(with_as_of.end(), {"--as-of", "2025-01-02"});
  const ProgramResult refused = Run(with_as_of);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("--as-of"));
  const ProgramResult bad_time = Run(Args({"--once", "--at", "25:00"}));
  EXPECT_NE(bad_time.exit_code, 0);
  const ProgramResult bad_zone = Run(Args({"--once", "--tz", "Mars/Base"}));
  EXPECT_EQ(bad_zone.exit_code, 1);
  EXPECT_THAT(bad_zone.err, HasSubstr("Mars/Base"));
}

}  // namespace
}  // namespace tickerflow
