#include "cli/progress_bar.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <iostream>
#include <string>
#include <utility>

#include "common/log.h"

namespace tickerflow::cli {
namespace {

using Clock = ProgressBarOptions::Clock;

// Characters in the bar between the brackets.
constexpr int64_t kBarWidth = 20;
// The rate is measured over this much recent time: the FMP quota's window, so that a limiter
// that sends a minute's requests in a burst and then waits still shows its true pace.
constexpr std::chrono::seconds kRateWindow{60};
// A rate measured over less time than this is noise; shown as unknown.
constexpr std::chrono::seconds kMinRateSpan{1};
// Erases from the cursor to the end of the line, so that a shorter frame leaves no debris.
constexpr std::string_view kEraseToEndOfLine = "\033[K";

// 1234567 -> "1,234,567".
std::string GroupThousands(int64_t value) {
  const std::string digits = std::to_string(value < 0 ? -value : value);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return value < 0 ? "-" + grouped : grouped;
}

// Whole seconds as "M:SS" or "H:MM:SS".
std::string ClockTime(int64_t seconds) {
  const int64_t hours = seconds / 3600;
  const int64_t minutes = seconds / 60 % 60;
  const int64_t secs = seconds % 60;
  if (hours > 0) return fmt::format("{}:{:02}:{:02}", hours, minutes, secs);
  return fmt::format("{}:{:02}", minutes, secs);
}

// A step's duration: "28.8s" under a minute, else "M:SS" or "H:MM:SS".
std::string Duration(double seconds) {
  if (seconds < 60) return fmt::format("{:.1f}s", std::max(seconds, 0.0));
  return ClockTime(std::llround(seconds));
}

// "312/s", "2.5/s", "1.5/min" (a stalled step still shows a pace), "0/s", or "--/s" while
// unknown (negative).
std::string RateText(double rate) {
  if (rate < 0 || !std::isfinite(rate)) return "--/s";
  if (rate == 0) return "0/s";
  if (rate < 1) return fmt::format("{:.1f}/min", rate * 60);
  if (rate < 10) return fmt::format("{:.1f}/s", rate);
  return GroupThousands(std::llround(rate)) + "/s";
}

// Time left at `rate`: "0:14", or "--:--" while it cannot be estimated.
std::string Eta(int64_t done, int64_t total, double rate) {
  const int64_t remaining = std::max<int64_t>(total - done, 0);
  if (remaining == 0) return "0:00";
  if (rate <= 0 || !std::isfinite(rate)) return "--:--";
  const double seconds = static_cast<double>(remaining) / rate;
  if (seconds > 100.0 * 3600) return "--:--";  // Not an estimate anyone can use.
  return ClockTime(std::llround(seconds));
}

int64_t Percent(int64_t done, int64_t total) {
  return std::clamp<int64_t>(done * 100 / total, 0, 100);
}

std::string Bar(int64_t done, int64_t total) {
  const int64_t filled = std::clamp<int64_t>(done * kBarWidth / total, 0, kBarWidth);
  return std::string(static_cast<size_t>(filled), '#') +
         std::string(static_cast<size_t>(kBarWidth - filled), '-');
}

// The average rate of a finished step.
double AverageRate(int64_t done, double seconds) {
  return seconds > 0 ? static_cast<double>(done) / seconds : -1;
}

}  // namespace

ProgressBar::ProgressBar(ProgressBarOptions options)
    : options_(std::move(options)), out_(options_.out != nullptr ? options_.out : &std::cerr) {
  if (options_.background_thread) {
    refresher_ = std::jthread([this](const std::stop_token& stop) { RunRefresher(stop); });
  }
}

ProgressBar::~ProgressBar() {
  if (refresher_.joinable()) {
    refresher_.request_stop();
    refresher_.join();
  }
  // A run that stopped mid-step: what is printed next (its error) gets a line of its own.
  if (!last_frame_.empty()) {
    out_->write("\n", 1);
    out_->flush();
  }
}

Clock::time_point ProgressBar::Now() const { return options_.now ? options_.now() : Clock::now(); }

void ProgressBar::RunRefresher(const std::stop_token& stop) {
  // The top of a thread: nothing may escape, and a failure is reported, not swallowed. The
  // run goes on without a display.
  try {
    std::unique_lock lock(wake_mutex_);
    while (!stop.stop_requested()) {
      wake_.wait_for(lock, stop, options_.refresh_interval, [] { return false; });
      if (stop.stop_requested()) break;
      Refresh();
    }
  } catch (const std::exception& error) {
    TF_LOG_ERROR("the progress display stopped: {}", error.what());
  }
}

void ProgressBar::StepStarted(std::string_view step, int64_t total) {
  const Clock::time_point now = Now();
  std::lock_guard lock(mutex_);
  // A step that never reported its end: keep its last line rather than draw over it.
  if (!last_frame_.empty()) {
    out_->write("\n", 1);
    last_frame_.clear();
  }
  counter_.Reset(std::max<int64_t>(total, 0));
  active_ = true;
  step_ = step;
  step_start_ = now;
  samples_.clear();
  samples_.push_back({now, 0});
  last_log_ = now;
  last_logged_tenth_ = 0;
  if (options_.interactive) {
    WriteFrame(Frame(0, counter_.total(), -1, now));
  } else if (total > 0) {
    WriteLine(fmt::format("{}: started, {} items", step_, GroupThousands(total)));
  } else {
    WriteLine(fmt::format("{}: started", step_));
  }
}

void ProgressBar::Advanced(int64_t items) { counter_.Add(items); }

void ProgressBar::StepFinished(std::string_view step, double seconds) {
  std::lock_guard lock(mutex_);
  const int64_t done = counter_.done();
  const int64_t total = counter_.total();
  const double rate = AverageRate(done, seconds);
  active_ = false;
  if (options_.interactive) {
    std::string frame;
    if (total > 0) {
      frame = fmt::format("{}  [{}]  {}/{}  {:>3}%  {}  done in {}", step, Bar(done, total),
                          GroupThousands(done), GroupThousands(total), Percent(done, total),
                          RateText(rate), Duration(seconds));
    } else {
      frame = fmt::format("{}  {} done  {}  done in {}", step, GroupThousands(done), RateText(rate),
                          Duration(seconds));
    }
    std::string text = fmt::format("\r{}{}\n", frame, kEraseToEndOfLine);
    out_->write(text.data(), static_cast<std::streamsize>(text.size()));
    out_->flush();
    last_frame_.clear();
    return;
  }
  if (total > 0) {
    WriteLine(fmt::format("{}: finished {}/{} in {} ({})", step, GroupThousands(done),
                          GroupThousands(total), Duration(seconds), RateText(rate)));
  } else {
    WriteLine(fmt::format("{}: finished {} in {} ({})", step, GroupThousands(done),
                          Duration(seconds), RateText(rate)));
  }
}

void ProgressBar::Refresh() {
  const Clock::time_point now = Now();
  std::lock_guard lock(mutex_);
  if (!active_) return;
  const int64_t done = counter_.done();
  const int64_t total = counter_.total();
  const double rate = RecentRate(now, done);
  if (options_.interactive) {
    WriteFrame(Frame(done, total, rate, now));
    return;
  }
  const int64_t tenth = total > 0 ? std::clamp<int64_t>(done * 10 / total, 0, 10) : 0;
  if (tenth > last_logged_tenth_ || now - last_log_ >= options_.log_interval) {
    WriteLine(ProgressLine(done, total, rate));
    last_log_ = now;
    last_logged_tenth_ = tenth;
  }
}

void ProgressBar::PrintAbove(std::string_view text) {
  std::lock_guard lock(mutex_);
  const std::string output =
      options_.interactive && !last_frame_.empty()
          ? fmt::format("\r{}{}\n\r{}{}", text, kEraseToEndOfLine, last_frame_, kEraseToEndOfLine)
          : fmt::format("{}\n", text);
  out_->write(output.data(), static_cast<std::streamsize>(output.size()));
  out_->flush();
}

double ProgressBar::RecentRate(Clock::time_point now, int64_t done) {
  if (samples_.empty() || now > samples_.back().time) samples_.push_back({now, done});
  // Keep one sample at or before the window's start, so that the rate spans the whole window.
  while (samples_.size() > 1 && samples_[1].time <= now - kRateWindow) samples_.pop_front();
  const Sample& oldest = samples_.front();
  const std::chrono::duration<double> span = now - oldest.time;
  if (span < kMinRateSpan) return -1;
  return static_cast<double>(done - oldest.done) / span.count();
}

std::string ProgressBar::Frame(int64_t done, int64_t total, double rate,
                               Clock::time_point now) const {
  if (total > 0) {
    return fmt::format("{}  [{}]  {}/{}  {:>3}%  {}  ETA {}", step_, Bar(done, total),
                       GroupThousands(done), GroupThousands(total), Percent(done, total),
                       RateText(rate), Eta(done, total, rate));
  }
  const double elapsed = std::chrono::duration<double>(now - step_start_).count();
  return fmt::format("{}  {} done  {}  {}", step_, GroupThousands(done), RateText(rate),
                     ClockTime(static_cast<int64_t>(elapsed)));
}

std::string ProgressBar::ProgressLine(int64_t done, int64_t total, double rate) const {
  if (total > 0) {
    return fmt::format("{}: {}/{} ({}%), {}, ETA {}", step_, GroupThousands(done),
                       GroupThousands(total), Percent(done, total), RateText(rate),
                       Eta(done, total, rate));
  }
  return fmt::format("{}: {} done, {}", step_, GroupThousands(done), RateText(rate));
}

void ProgressBar::WriteFrame(const std::string& frame) {
  if (frame == last_frame_) return;  // Rewriting the same text only makes the line flicker.
  // One write per frame: the carriage return, the text and the erase reach the terminal
  // together.
  const std::string text = fmt::format("\r{}{}", frame, kEraseToEndOfLine);
  out_->write(text.data(), static_cast<std::streamsize>(text.size()));
  out_->flush();
  last_frame_ = frame;
}

void ProgressBar::WriteLine(std::string_view line) {
  if (options_.write_line) {
    options_.write_line(line);
    return;
  }
  const std::string text = fmt::format("{}\n", line);
  out_->write(text.data(), static_cast<std::streamsize>(text.size()));
  out_->flush();
}

}  // namespace tickerflow::cli
