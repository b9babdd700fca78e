#include "common/log.h"

#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tickerflow {
namespace {

constexpr std::string_view kPattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v";

// A sink that passes each formatted line to a function (spdlog 1.10 has no callback sink).
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit LineSink(std::function<void(std::string_view)> write_line)
      : write_line_(std::move(write_line)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    std::string_view line(formatted.data(), formatted.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    write_line_(line);
  }
  void flush_() override {}

 private:
  std::function<void(std::string_view)> write_line_;
};

// The sinks InitLogging installed, to go back to after a redirection.
std::vector<spdlog::sink_ptr>& SavedSinks() {
  static std::vector<spdlog::sink_ptr> sinks;
  return sinks;
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  if (name == "off") return LogLevel::kOff;
  return Status::Error(
      ErrorCode::kInvalidArgument,
      fmt::format("unknown log level '{}': use debug, info, warning, error or off", name));
}

void InitLogging(LogLevel level) {
  auto logger = spdlog::stderr_color_mt("tickerflow");
  logger->set_pattern(std::string(kPattern));
  switch (level) {
    case LogLevel::kDebug:
      logger->set_level(spdlog::level::debug);
      break;
    case LogLevel::kInfo:
      logger->set_level(spdlog::level::info);
      break;
    case LogLevel::kWarning:
      logger->set_level(spdlog::level::warn);
      break;
    case LogLevel::kError:
      logger->set_level(spdlog::level::err);
      break;
    case LogLevel::kOff:
      logger->set_level(spdlog::level::off);
      break;
  }
  spdlog::set_default_logger(std::move(logger));
}

void RedirectLogOutput(std::function<void(std::string_view line)> write_line) {
  const std::shared_ptr<spdlog::logger> logger = spdlog::default_logger();
  if (SavedSinks().empty()) SavedSinks() = logger->sinks();
  auto sink = std::make_shared<LineSink>(std::move(write_line));
  sink->set_pattern(std::string(kPattern));
  logger->sinks() = {std::move(sink)};
}

void RestoreLogOutput() {
  if (SavedSinks().empty()) return;
  spdlog::default_logger()->sinks() = SavedSinks();
  SavedSinks().clear();
}

}  // namespace tickerflow
