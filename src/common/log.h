// Logging for tickerflow: spdlog underneath, configured once by the command line.
//
//   tickerflow::InitLogging(LogLevel::kInfo);
//   TF_LOG_INFO("updated {} symbols", count);
//
// Library code logs through these macros and never prints otherwise. Never log a secret: pass
// URLs and headers through the redaction helpers of the module that owns them.
#pragma once

#include <spdlog/spdlog.h>

#include <functional>
#include <string_view>

#include "common/status.h"

namespace tickerflow {

/// How much to log.
enum class LogLevel { kDebug, kInfo, kWarning, kError, kOff };

/// Parses "debug", "info", "warning", "error" or "off".
Result<LogLevel> ParseLogLevel(std::string_view name);

/// Sends log lines to standard error with a timestamp and the level, at `level` and above.
void InitLogging(LogLevel level);

/// Hands every formatted log line (without its newline) to `write_line` instead of writing it
/// to standard error, until RestoreLogOutput(); for a progress line that log lines must not
/// break. `write_line` is called under spdlog's lock, one line at a time.
void RedirectLogOutput(std::function<void(std::string_view line)> write_line);

/// Undoes RedirectLogOutput: log lines go to standard error again.
void RestoreLogOutput();

}  // namespace tickerflow

#define TF_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define TF_LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define TF_LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define TF_LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
