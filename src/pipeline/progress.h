// How the pipeline reports progress without printing: it talks to a ProgressSink, and whoever
// runs it decides what the user sees (cli::ProgressBar on a terminal or in a log, nothing in
// tests and on Lambda).
//
//   void ProcessFiles(const std::vector<std::string>& symbols, ProgressSink& progress) {
//     ProgressStep step(progress, "process_files", static_cast<int64_t>(symbols.size()));
//     ParallelFor(symbols, [&](const std::string& symbol) {
//       UpdateTicker(symbol);
//       step.Advance();  // from any worker thread
//     });
//   }  // ~ProgressStep reports the step finished, with its duration
//
//   NullProgress quiet;
//   ProcessFiles(symbols, quiet);
//
// Threads: StepStarted and StepFinished come from the thread that drives the steps, one step
// at a time; Advanced comes from any thread, often, and must be cheap (an atomic add).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace tickerflow::pipeline {

/// Receives the progress of the pipeline's steps.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;

  /// A step begins; `total` is the number of items it will process, 0 when unknown.
  virtual void StepStarted(std::string_view step, int64_t total) = 0;
  /// `items` more items of the current step are done (a count since the last call, not a
  /// running total). Called from worker threads; must not block.
  virtual void Advanced(int64_t items) = 0;
  /// The step that started last is finished, after `seconds` of wall time.
  virtual void StepFinished(std::string_view step, double seconds) = 0;
};

/// A sink that ignores everything: for tests, and wherever nobody watches.
class NullProgress final : public ProgressSink {
 public:
  /// Ignored.
  void StepStarted(std::string_view /*step*/, int64_t /*total*/) override {}
  /// Ignored.
  void Advanced(int64_t /*items*/) override {}
  /// Ignored.
  void StepFinished(std::string_view /*step*/, double /*seconds*/) override {}
};

/// Counts the items of the current step; safe to update from many threads at once and to read
/// from another. For sinks that draw progress at their own pace.
class ProgressCounter {
 public:
  /// Starts over for a step of `total` items (0: unknown).
  void Reset(int64_t total) {
    total_.store(total, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
  }
  /// Counts `items` more items done.
  void Add(int64_t items) { done_.fetch_add(items, std::memory_order_relaxed); }
  /// Items done so far.
  int64_t done() const { return done_.load(std::memory_order_relaxed); }
  /// The step's total, 0 when unknown.
  int64_t total() const { return total_.load(std::memory_order_relaxed); }

 private:
  // Relaxed: the counts are for display, and no other data is published through them.
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> total_{0};
};

/// One step's progress reports, as a scope: StepStarted on construction, StepFinished with the
/// measured duration on Finish() or destruction, whichever comes first; so that every started
/// step is reported finished, also when the step returns early with an error.
class ProgressStep {
 public:
  /// Reports `step` started with `total` items (0: unknown) to `sink`, which must outlive
  /// this object.
  ProgressStep(ProgressSink& sink, std::string_view step, int64_t total);
  ProgressStep(const ProgressStep&) = delete;
  ProgressStep& operator=(const ProgressStep&) = delete;
  /// Finish(), unless it was called.
  ~ProgressStep();

  /// Reports `items` more items done; thread-safe.
  void Advance(int64_t items = 1) const { sink_->Advanced(items); }

  /// Reports the step finished now (only the first call reports) and returns its duration in
  /// seconds.
  double Finish();

 private:
  ProgressSink* sink_;
  std::string step_;
  std::chrono::steady_clock::time_point start_;
  bool finished_ = false;
  double seconds_ = 0;
};

}  // namespace tickerflow::pipeline
