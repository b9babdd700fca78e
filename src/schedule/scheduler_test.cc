// The scheduler with a simulated clock: run times around early closes and DST, skipped
// holidays, catch-up after downtime, retries after a failure, --once, and a clean stop.
#include "schedule/scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace tickerflow::schedule {
namespace {

namespace fs = std::filesystem;
using std::chrono::sys_days;
using std::chrono::sys_seconds;
using ::testing::ElementsAre;

sys_seconds Utc(int year, unsigned month, unsigned day, int hour, int minute) {
  return sys_seconds{sys_days{std::chrono::year{year} / month / day}} + std::chrono::hours(hour) +
         std::chrono::minutes(minute);
}

Date D(int year, unsigned month, unsigned day) { return Date::FromCivil(year, month, day); }

// Time that jumps to each deadline; stops itself when `until` is reached.
class SimulatedClock final : public Clock {
 public:
  SimulatedClock(sys_seconds start, sys_seconds until) : now_(start), until_(until) {}
  sys_seconds Now() override { return now_; }
  bool WaitUntil(sys_seconds deadline) override {
    if (stopped_) return false;
    if (deadline >= until_) {
      stopped_ = true;
      return false;
    }
    now_ = std::max(now_, deadline);
    return true;
  }
  void Stop() override { stopped_ = true; }
  bool stopped() const override { return stopped_; }
  void Advance(std::chrono::seconds by) { now_ += by; }

 private:
  sys_seconds now_;
  sys_seconds until_;
  bool stopped_ = false;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("scheduler_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ScheduleOptions Options() const {
    ScheduleOptions options;
    options.state_file = dir_ / "state.json";
    return options;
  }

  void WriteState(std::string_view session) const {
    std::ofstream(dir_ / "state.json") << R"({"last_session":")" << session << "\"}\n";
  }

  fs::path dir_;
};

TEST_F(SchedulerTest, RunTimesFollowSessionsEarlyClosesAndDaylightSavingTime) {
  SimulatedClock clock(Utc(2024, 1, 1, 0, 0), Utc(2030, 1, 1, 0, 0));
  Result<Scheduler> scheduler = Scheduler::Create(Options(), clock, nullptr);
  ASSERT_TRUE(scheduler.ok()) << scheduler.status().ToString();
  // 17:30 New York: 22:30 UTC in winter (EST), 21:30 UTC in summer (EDT).
  EXPECT_EQ(scheduler->RunTime(D(2024, 3, 8)), Utc(2024, 3, 8, 22, 30));
  EXPECT_EQ(scheduler->RunTime(D(2024, 3, 11)), Utc(2024, 3, 11, 21, 30));
  EXPECT_EQ(scheduler->RunTime(D(2024, 11, 1)), Utc(2024, 11, 1, 21, 30));
  EXPECT_EQ(scheduler->RunTime(D(2024, 11, 4)), Utc(2024, 11, 4, 22, 30));
  // No run on holidays and weekends.
  EXPECT_EQ(scheduler->RunTime(D(2024, 11, 28)), std::nullopt);  // Thanksgiving.
  EXPECT_EQ(scheduler->RunTime(D(2026, 7, 3)), std::nullopt);    // Independence Day observed.
  EXPECT_EQ(scheduler->RunTime(D(2024, 11, 30)), std::nullopt);  // Saturday.
  // An early close (13:00) keeps the run at 17:30 unless asked to follow it.
  EXPECT_EQ(scheduler->RunTime(D(2024, 11, 29)), Utc(2024, 11, 29, 22, 30));
  ScheduleOptions follow = Options();
  follow.follow_early_closes = true;
  Result<Scheduler> following = Scheduler::Create(follow, clock, nullptr);
  ASSERT_TRUE(following.ok());
  EXPECT_EQ(following->RunTime(D(2024, 11, 29)), Utc(2024, 11, 29, 19, 30));  // 14:30 EST.
  EXPECT_EQ(following->RunTime(D(2024, 11, 27)), Utc(2024, 11, 27, 22, 30));  // Regular day.

  // Another zone: 18:00 in London is 13:00 in New York on 2024-06-03.
  ScheduleOptions london = Options();
  london.time_zone = "Europe/London";
  london.at = std::chrono::hours(18);
  Result<Scheduler> in_london = Scheduler::Create(london, clock, nullptr);
  ASSERT_TRUE(in_london.ok());
  EXPECT_EQ(in_london->RunTime(D(2024, 6, 3)), Utc(2024, 6, 3, 17, 0));
}

TEST_F(SchedulerTest, NextAndLatestRunsSkipDaysWithoutASession) {
  SimulatedClock clock(Utc(2024, 1, 1, 0, 0), Utc(2030, 1, 1, 0, 0));
  Result<Scheduler> scheduler = Scheduler::Create(Options(), clock, nullptr);
  ASSERT_TRUE(scheduler.ok());
  // Wednesday before Thanksgiving, after its run: the next is Friday's.
  const SessionRun next = scheduler->NextRun(Utc(2024, 11, 27, 23, 0));
  EXPECT_EQ(next.session, D(2024, 11, 29));
  EXPECT_EQ(next.at, Utc(2024, 11, 29, 22, 30));
  // A minute before a run, that run is next; at its instant it is the latest.
  EXPECT_EQ(scheduler->NextRun(Utc(2024, 11, 29, 22, 29)).session, D(2024, 11, 29));
  EXPECT_EQ(scheduler->LatestRun(Utc(2024, 11, 29, 22, 29)).session, D(2024, 11, 27));
  EXPECT_EQ(scheduler->LatestRun(Utc(2024, 11, 29, 22, 30)).session, D(2024, 11, 29));
  // On a Sunday the latest is Friday's.
  EXPECT_EQ(scheduler->LatestRun(Utc(2024, 12, 1, 15, 0)).session, D(2024, 11, 29));
}

TEST_F(SchedulerTest, ServeCatchesUpOnceThenRunsEverySessionAfterItsClose) {
  // Down since Wednesday 2024-11-20's run: starting on Monday 2024-11-25 at 12:00 New York
  // time, one catch-up run brings in Friday's session; then every session's run at 17:30,
  // Thanksgiving skipped, until Tuesday 2024-12-03 at noon.
  WriteState("2024-11-20");
  SimulatedClock clock(Utc(2024, 11, 25, 17, 0), Utc(2024, 12, 3, 17, 0));
  std::vector<Date> sessions;
  std::vector<sys_seconds> times;
  Result<Scheduler> scheduler = Scheduler::Create(Options(), clock, [&](Date session) {
    sessions.push_back(session);
    times.push_back(clock.Now());
    return Status::Ok();
  });
  ASSERT_TRUE(scheduler.ok());
  ASSERT_TRUE(scheduler->Serve().ok());
  EXPECT_THAT(sessions, ElementsAre(D(2024, 11, 22), D(2024, 11, 25), D(2024, 11, 26),
                                    D(2024, 11, 27), D(2024, 11, 29), D(2024, 12, 2)));
  EXPECT_EQ(times[0], Utc(2024, 11, 25, 17, 0));  // At start-up.
  EXPECT_EQ(times[1], Utc(2024, 11, 25, 22, 30));
  EXPECT_EQ(times[4], Utc(2024, 11, 29, 22, 30));
  EXPECT_EQ(scheduler->LastFinished().value(), D(2024, 12, 2));
}

TEST_F(SchedulerTest, AFailedRunIsTriedAgainAndNotRemembered) {
  WriteState("2024-11-22");
  SimulatedClock clock(Utc(2024, 11, 25, 17, 0), Utc(2024, 11, 26, 17, 0));
  int calls = 0;
  std::vector<sys_seconds> times;
  Result<Scheduler> scheduler = Scheduler::Create(Options(), clock, [&](Date) {
    times.push_back(clock.Now());
    return ++calls <= 2 ? Status::Error(ErrorCode::kUnavailable, "the source is down")
                        : Status::Ok();
  });
  ASSERT_TRUE(scheduler.ok());
  ASSERT_TRUE(scheduler->Serve().ok());
  EXPECT_THAT(times, ElementsAre(Utc(2024, 11, 25, 22, 30), Utc(2024, 11, 25, 22, 45),
                                 Utc(2024, 11, 25, 23, 0)));
  EXPECT_EQ(scheduler->LastFinished().value(), D(2024, 11, 25));
}

TEST_F(SchedulerTest, RunDueRunsAtMostOnceForCron) {
  SimulatedClock clock(Utc(2024, 11, 29, 23, 0), Utc(2030, 1, 1, 0, 0));
  std::vector<Date> sessions;
  Result<Scheduler> scheduler = Scheduler::Create(Options(), clock, [&](Date session) {
    sessions.push_back(session);
    return Status::Ok();
  });
  ASSERT_TRUE(scheduler.ok());
  EXPECT_EQ(scheduler->LastFinished().value(), std::nullopt);
  ASSERT_TRUE(scheduler->RunDue().ok());
  ASSERT_TRUE(scheduler->RunDue().ok());  // Nothing due any more.
  clock.Advance(std::chrono::hours(48));  // Sunday: still nothing.
  ASSERT_TRUE(scheduler->RunDue().ok());
  clock.Advance(std::chrono::hours(24));  // Monday 18:00 New York: Monday's run.
  ASSERT_TRUE(scheduler->RunDue().ok());
  EXPECT_THAT(sessions, ElementsAre(D(2024, 11, 29), D(2024, 12, 2)));
}

TEST_F(SchedulerTest, AStoppedSchedulerEndsWithoutRunning) {
  WriteState("2024-11-25");
  SimulatedClock clock(Utc(2024, 11, 26, 15, 0), Utc(2030, 1, 1, 0, 0));
  clock.Stop();
  int calls = 0;
  Result<Scheduler> scheduler = Scheduler::Create(Options(), clock, [&](Date) {
    ++calls;
    return Status::Ok();
  });
  ASSERT_TRUE(scheduler.ok());
  EXPECT_TRUE(scheduler->Serve().ok());
  EXPECT_EQ(calls, 0);
}

TEST_F(SchedulerTest, BadZonesAndStateFilesAreClearErrors) {
  SimulatedClock clock(Utc(2024, 11, 26, 15, 0), Utc(2030, 1, 1, 0, 0));
  ScheduleOptions bad = Options();
  bad.time_zone = "Mars/Olympus_Mons";
  Result<Scheduler> scheduler = Scheduler::Create(bad, clock, nullptr);
  ASSERT_FALSE(scheduler.ok());
  EXPECT_EQ(scheduler.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(scheduler.status().message(), ::testing::HasSubstr("Mars/Olympus_Mons"));

  std::ofstream(dir_ / "state.json") << "garbage";
  Result<Scheduler> good = Scheduler::Create(Options(), clock, nullptr);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->LastFinished().status().code(), ErrorCode::kCorruptData);
}

}  // namespace
}  // namespace tickerflow::schedule
