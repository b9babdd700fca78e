#include "pipeline/progress.h"

#include <chrono>
#include <string>

namespace tickerflow::pipeline {

ProgressStep::ProgressStep(ProgressSink& sink, std::string_view step, int64_t total)
    : sink_(&sink), step_(step), start_(std::chrono::steady_clock::now()) {
  sink_->StepStarted(step_, total);
}

ProgressStep::~ProgressStep() { Finish(); }

double ProgressStep::Finish() {
  if (!finished_) {
    finished_ = true;
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    sink_->StepFinished(step_, seconds_);
  }
  return seconds_;
}

}  // namespace tickerflow::pipeline
