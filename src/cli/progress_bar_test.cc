#include "cli/progress_bar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "pipeline/progress.h"

namespace tickerflow::cli {
namespace {

using Clock = ProgressBarOptions::Clock;
using ::testing::ElementsAre;

constexpr std::string_view kErase = "\033[K";

// Time that moves only when the test says so.
struct FakeClock {
  Clock::time_point now{};
  void AdvanceTo(double seconds) {
    now = Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
  }
};

ProgressBarOptions Options(bool interactive, std::ostream* out, FakeClock* clock) {
  ProgressBarOptions options;
  options.interactive = interactive;
  options.out = out;
  options.now = [clock] { return clock->now; };
  options.background_thread = false;
  return options;
}

// A redrawn terminal frame, as the bar writes it.
std::string Redraw(std::string_view frame) {
  std::string text = "\r";
  text += frame;
  text += kErase;
  return text;
}

TEST(ProgressBarTest, OnATerminalOneLineIsRedrawnInPlaceAndLeftWithTheDuration) {
  std::ostringstream out;
  FakeClock clock;
  ProgressBar bar(Options(/*interactive=*/true, &out, &clock));
  std::string expected;

  bar.StepStarted("process_files", 9000);
  expected += Redraw("process_files  [--------------------]  0/9,000    0%  --/s  ETA --:--");
  EXPECT_EQ(out.str(), expected);

  clock.AdvanceTo(0.5);  // Too soon to measure a rate.
  bar.Advanced(100);
  bar.Refresh();
  expected += Redraw("process_files  [--------------------]  100/9,000    1%  --/s  ETA --:--");
  EXPECT_EQ(out.str(), expected);

  clock.AdvanceTo(14.5);  // 4,512 in 14.5 s: 311.2/s; 4,488 left: 14.4 s.
  bar.Advanced(4412);
  bar.Refresh();
  expected += Redraw("process_files  [##########----------]  4,512/9,000   50%  311/s  ETA 0:14");
  EXPECT_EQ(out.str(), expected);

  bar.Refresh();  // Nothing changed: nothing written, so the line does not flicker.
  EXPECT_EQ(out.str(), expected);

  clock.AdvanceTo(30);
  bar.Advanced(4488);
  bar.StepFinished("process_files", 30.0);
  expected +=
      Redraw("process_files  [####################]  9,000/9,000  100%  300/s  done in 30.0s") +
      "\n";
  EXPECT_EQ(out.str(), expected);

  bar.Refresh();  // No step: nothing to draw.
  EXPECT_EQ(out.str(), expected);
}

TEST(ProgressBarTest, ElsewherePlainLinesAtStartEachTenthEveryThirtySecondsAndEnd) {
  std::ostringstream out;
  FakeClock clock;
  ProgressBar bar(Options(/*interactive=*/false, &out, &clock));
  std::vector<std::string> expected;
  const auto lines = [&] {
    std::vector<std::string> split;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) split.push_back(line);
    return split;
  };

  bar.StepStarted("process_files", 9000);
  clock.AdvanceTo(5);
  bar.Advanced(800);  // 8%: not yet a tenth.
  bar.Refresh();
  EXPECT_THAT(lines(), ElementsAre("process_files: started, 9,000 items"));

  clock.AdvanceTo(10);
  bar.Advanced(200);  // 11%: 1,000 in 10 s, 8,000 left at 100/s.
  bar.Refresh();
  clock.AdvanceTo(11);
  bar.Refresh();  // Same tenth, 1 s later: nothing.
  EXPECT_THAT(lines(), ElementsAre("process_files: started, 9,000 items",
                                   "process_files: 1,000/9,000 (11%), 100/s, ETA 1:20"));

  clock.AdvanceTo(39);
  bar.Refresh();  // 29 s since the last line: nothing.
  clock.AdvanceTo(40);
  bar.Refresh();  // 30 s without a new tenth: a line anyway, and the rate has fallen.
  clock.AdvanceTo(41);
  bar.Advanced(8000);
  bar.Refresh();
  bar.StepFinished("process_files", 41.0);
  EXPECT_THAT(lines(), ElementsAre("process_files: started, 9,000 items",
                                   "process_files: 1,000/9,000 (11%), 100/s, ETA 1:20",
                                   "process_files: 1,000/9,000 (11%), 25/s, ETA 5:20",
                                   "process_files: 9,000/9,000 (100%), 220/s, ETA 0:00",
                                   "process_files: finished 9,000/9,000 in 41.0s (220/s)"));
}

TEST(ProgressBarTest, TheRateIsTheLastMinutes) {
  std::ostringstream out;
  FakeClock clock;
  ProgressBarOptions options = Options(/*interactive=*/false, &out, &clock);
  std::vector<std::string> lines;
  options.write_line = [&](std::string_view line) { lines.emplace_back(line); };
  ProgressBar bar(std::move(options));

  bar.StepStarted("process_files", 9000);
  clock.AdvanceTo(30);
  bar.Advanced(3000);
  bar.Refresh();  // 3,000 in 30 s.
  clock.AdvanceTo(60);
  bar.Refresh();  // Stalled for 30 s: 3,000 in the last 60 s.
  clock.AdvanceTo(90);
  bar.Refresh();  // Nothing in the last 60 s.
  clock.AdvanceTo(120);
  bar.Advanced(1);
  bar.Refresh();  // One item in the last minute.
  EXPECT_THAT(lines, ElementsAre("process_files: started, 9,000 items",
                                 "process_files: 3,000/9,000 (33%), 100/s, ETA 1:00",
                                 "process_files: 3,000/9,000 (33%), 50/s, ETA 2:00",
                                 "process_files: 3,000/9,000 (33%), 0/s, ETA --:--",
                                 "process_files: 3,001/9,000 (33%), 1.0/min, ETA 99:59:00"));
  EXPECT_EQ(out.str(), "");  // Plain lines went to write_line instead.
}

TEST(ProgressBarTest, UnknownTotalsShowCountsAndElapsedTime) {
  std::ostringstream terminal;
  FakeClock clock;
  ProgressBar interactive(Options(/*interactive=*/true, &terminal, &clock));
  interactive.StepStarted("list_files", 0);
  clock.AdvanceTo(2);
  interactive.Advanced(1'234'567);
  interactive.Refresh();
  interactive.StepFinished("list_files", 3725.0);
  EXPECT_EQ(terminal.str(), Redraw("list_files  0 done  --/s  0:00") +
                                Redraw("list_files  1,234,567 done  617,284/s  0:02") +
                                Redraw("list_files  1,234,567 done  331/s  done in 1:02:05") +
                                "\n");

  std::ostringstream log;
  clock.AdvanceTo(0);
  ProgressBar plain(Options(/*interactive=*/false, &log, &clock));
  plain.StepStarted("list_files", 0);
  plain.Advanced(1'234'567);
  clock.AdvanceTo(29);
  plain.Refresh();  // No tenths without a total: only time brings a line.
  clock.AdvanceTo(31);
  plain.Refresh();
  plain.StepFinished("list_files", 31.0);
  EXPECT_EQ(log.str(),
            "list_files: started\n"
            "list_files: 1,234,567 done, 39,825/s\n"
            "list_files: finished 1,234,567 in 31.0s (39,825/s)\n");
}

TEST(ProgressBarTest, SlowRatesAndLongEtasAreReadable) {
  std::ostringstream out;
  FakeClock clock;
  ProgressBar bar(Options(/*interactive=*/true, &out, &clock));
  bar.StepStarted("fetch_fundamentals", 1'000'000);
  clock.AdvanceTo(4);
  bar.Advanced(10);  // 2.5/s; 999,990 left: 111 h, too long to be an estimate.
  bar.Refresh();
  clock.AdvanceTo(10);
  bar.Advanced(990);  // 100/s; 999,000 left: 9,990 s.
  bar.Refresh();
  EXPECT_EQ(
      out.str(),
      Redraw("fetch_fundamentals  [--------------------]  0/1,000,000    0%  --/s  ETA --:--") +
          Redraw("fetch_fundamentals  [--------------------]  10/1,000,000    0%  2.5/s  "
                 "ETA --:--") +
          Redraw("fetch_fundamentals  [--------------------]  1,000/1,000,000    0%  100/s  "
                 "ETA 2:46:30"));
}

TEST(ProgressBarTest, PrintAboveKeepsTheProgressLineBelowTheText) {
  std::ostringstream terminal;
  FakeClock clock;
  ProgressBar interactive(Options(/*interactive=*/true, &terminal, &clock));
  interactive.PrintAbove("before any step");
  interactive.StepStarted("merge", 10);
  const std::string frame = "merge  [--------------------]  0/10    0%  --/s  ETA --:--";
  interactive.PrintAbove("warning: AAPL: bad response");
  EXPECT_EQ(terminal.str(), "before any step\n" + Redraw(frame) +
                                Redraw("warning: AAPL: bad response") + "\n" + Redraw(frame));

  std::ostringstream log;
  ProgressBar plain(Options(/*interactive=*/false, &log, &clock));
  plain.StepStarted("merge", 10);
  plain.PrintAbove("warning: AAPL: bad response");
  EXPECT_EQ(log.str(), "merge: started, 10 items\nwarning: AAPL: bad response\n");
}

TEST(ProgressBarTest, AStepThatNeverFinishedKeepsItsLine) {
  std::ostringstream out;
  FakeClock clock;
  {
    ProgressBar bar(Options(/*interactive=*/true, &out, &clock));
    bar.StepStarted("a", 2);
    bar.StepStarted("b", 2);
    EXPECT_EQ(out.str(), Redraw("a  [--------------------]  0/2    0%  --/s  ETA --:--") + "\n" +
                             Redraw("b  [--------------------]  0/2    0%  --/s  ETA --:--"));
  }
  EXPECT_EQ(out.str().back(), '\n');  // The run's error message will start on a new line.
}

// Worker threads advance while the background thread redraws and the main thread prints: every
// item is counted, and every piece of output is a whole frame or a whole line.
TEST(ProgressBarTest, ConcurrentAdvancesAreAllCountedAndOutputStaysWhole) {
  constexpr int kThreads = 8;
  constexpr int kItemsPerThread = 20'000;
  constexpr int kNotes = 50;
  std::ostringstream out;
  {
    ProgressBarOptions options;
    options.interactive = true;
    options.out = &out;
    options.refresh_interval = std::chrono::milliseconds(1);
    ProgressBar bar(std::move(options));
    bar.StepStarted("s", int64_t{kThreads} * kItemsPerThread);
    std::vector<std::thread> workers;
    workers.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      workers.emplace_back([&bar] {
        for (int i = 0; i < kItemsPerThread; ++i) {
          bar.Advanced(1);
          // Spread the work over many redraws.
          if (i % 500 == 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
      });
    }
    for (int note = 0; note < kNotes; ++note) {
      bar.PrintAbove("note " + std::to_string(note));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (std::thread& worker : workers) worker.join();
    bar.StepFinished("s", 1.0);
  }

  const std::regex frame(
      R"(s  \[[#-]{20}\]  ([0-9,]+)/160,000 +[0-9]+%  (--|[0-9.,]+)/(s|min)  (ETA [-0-9:]+|done in 1\.0s)\x1b\[K)");
  const std::regex note(R"(note ([0-9]+)\x1b\[K)");
  int64_t last_count = -1;
  int notes = 0;
  int frames = 0;
  std::string last_frame;
  std::string piece;
  const std::string text = out.str();
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '\r' && text[i] != '\n') {
      piece += text[i];
      continue;
    }
    if (piece.empty()) continue;
    std::smatch match;
    if (std::regex_match(piece, match, frame)) {
      std::string digits = match[1].str();
      std::erase(digits, ',');
      const int64_t count = std::stoll(digits);
      EXPECT_GE(count, last_count) << piece;
      last_count = count;
      last_frame = piece;
      ++frames;
    } else if (std::regex_match(piece, match, note)) {
      EXPECT_EQ(std::stoi(match[1].str()), notes) << "notes out of order";
      ++notes;
    } else {
      ADD_FAILURE() << "garbled output: '" << piece << "'";
    }
    piece.clear();
  }
  EXPECT_EQ(notes, kNotes);
  // Each note redraws the frame below it; the refresher drew others while the workers ran.
  EXPECT_GT(frames, kNotes + 2);
  EXPECT_EQ(last_frame,
            "s  [####################]  160,000/160,000  100%  160,000/s  done in 1.0s" +
                std::string(kErase));
  EXPECT_EQ(text.back(), '\n');
}

// Records what a sink is told, for the ProgressStep tests.
class RecordingSink final : public pipeline::ProgressSink {
 public:
  void StepStarted(std::string_view step, int64_t total) override {
    Record("started " + std::string(step) + " " + std::to_string(total));
  }
  void Advanced(int64_t items) override { Record("advanced " + std::to_string(items)); }
  void StepFinished(std::string_view step, double seconds) override {
    Record("finished " + std::string(step) + (seconds >= 0 ? "" : " with a negative duration"));
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  void Record(std::string event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::mutex mutex_;
  std::vector<std::string> events_;
};

TEST(ProgressStepTest, ReportsStartAdvancesAndOneFinish) {
  RecordingSink sink;
  {
    pipeline::ProgressStep step(sink, "merge_screener", 3);
    step.Advance();
    step.Advance(2);
    const double seconds = step.Finish();
    EXPECT_GE(seconds, 0.0);
    EXPECT_EQ(step.Finish(), seconds);  // Reported once; the same duration after.
  }
  EXPECT_THAT(sink.events(), ElementsAre("started merge_screener 3", "advanced 1", "advanced 2",
                                         "finished merge_screener"));
}

TEST(ProgressStepTest, ReportsTheFinishWhenTheScopeEndsEarly) {
  RecordingSink sink;
  const auto step_that_fails = [&]() -> Status {
    pipeline::ProgressStep step(sink, "scan_latest", 0);
    return Status::Error(ErrorCode::kIoError, "disk full");
  };
  EXPECT_FALSE(step_that_fails().ok());
  EXPECT_THAT(sink.events(), ElementsAre("started scan_latest 0", "finished scan_latest"));
}

TEST(ProgressStepTest, NullProgressAcceptsEverything) {
  pipeline::NullProgress quiet;
  pipeline::ProgressStep step(quiet, "list_files", 10);
  step.Advance(10);
  EXPECT_GE(step.Finish(), 0.0);
}

TEST(ProgressCounterTest, CountsEveryAddFromManyThreads) {
  pipeline::ProgressCounter counter;
  counter.Reset(400'000);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < 100'000; ++i) counter.Add(1);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counter.done(), 400'000);
  EXPECT_EQ(counter.total(), 400'000);
  counter.Reset(0);
  EXPECT_EQ(counter.done(), 0);
  EXPECT_EQ(counter.total(), 0);
}

}  // namespace
}  // namespace tickerflow::cli
