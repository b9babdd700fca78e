// Logging for tickerflow: spdlog underneath, configured once by the command line.
//
//   tickerflow::InitLogging(LogLevel::kInfo);
//   TF_LOG_INFO("updated {} symbols", count);
//
// Library code logs through these macros and never prints otherwise. Never log a secret: pass
// URLs and headers through the redaction helpers of the module that owns them.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

#include "common/status.h"

namespace tickerflow {

/// How much to log.
enum class LogLevel { kDebug, kInfo, kWarning, kError, kOff };

/// Parses "debug", "info", "warning", "error" or "off".
Result<LogLevel> ParseLogLevel(std::string_view name);

/// Sends log lines to standard error with a timestamp and the level, at `level` and above.
void InitLogging(LogLevel level);

}  // namespace tickerflow

#define TF_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define TF_LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define TF_LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define TF_LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
