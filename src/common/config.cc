#include "common/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>

namespace tickerflow {
namespace {

// Every key tickerflow reads, as "table.key": anything else in the file is a mistake.
constexpr std::string_view kKnownKeys[] = {"fmp.api_key", "calendar.closures_file"};
constexpr std::string_view kKnownKeysText = "[fmp] api_key, [calendar] closures_file";

bool IsKnown(std::string_view dotted) {
  for (const std::string_view known : kKnownKeys) {
    if (known == dotted) return true;
  }
  return false;
}

}  // namespace

Result<Config> LoadConfig(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return Status::Error(ErrorCode::kNotFound,
                         fmt::format("configuration file '{}' does not exist", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (error || !in) {
    return Status::Error(ErrorCode::kIoError,
                         fmt::format("configuration file '{}' cannot be read; check its "
                                     "permissions",
                                     path.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();

  // Debian's toml++ is built with exceptions: a parse error is thrown, and converted here.
  toml::table root;
  try {
    root = toml::parse(text.str(), path.string());
  } catch (const toml::parse_error& parse_error) {
    // Where only: toml++'s description may quote the offending text, which could be the key.
    const toml::source_region& where = parse_error.source();
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("configuration file '{}', line {}, column {}: not valid "
                                     "TOML; fix the file (see README.md, \"Configuration\")",
                                     path.string(), where.begin.line, where.begin.column));
  }

  Config config;
  for (const auto& [table_key, node] : root) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("configuration file '{}': unknown key '{}'; known keys: {}",
                                       path.string(), table_key.str(), kKnownKeysText));
    }
    for (const auto& [key, value] : *table) {
      const std::string dotted = fmt::format("{}.{}", table_key.str(), key.str());
      if (!IsKnown(dotted)) {
        return Status::Error(
            ErrorCode::kInvalidArgument,
            fmt::format("configuration file '{}', line {}: unknown key '{}'; "
                        "known keys: {}",
                        path.string(), key.source().begin.line, dotted, kKnownKeysText));
      }
      const std::optional<std::string> text_value = value.value<std::string>();
      if (!value.is_string() || !text_value.has_value() || text_value->empty()) {
        return Status::Error(ErrorCode::kInvalidArgument,
                             fmt::format("configuration file '{}', line {}: '{}' must be a "
                                         "non-empty string in quotes",
                                         path.string(), key.source().begin.line, dotted));
      }
      if (dotted == "calendar.closures_file") {
        config.calendar_closures_file = path.parent_path() / *text_value;
      } else {
        config.fmp_api_key = *text_value;
      }
    }
  }
  const std::filesystem::perms perms = status.permissions();
  config.readable_by_others =
      (perms & (std::filesystem::perms::group_read | std::filesystem::perms::others_read)) !=
      std::filesystem::perms::none;
  return config;
}

std::filesystem::path DefaultConfigPath() {
  if (const char* explicit_path = std::getenv("TICKERFLOW_CONFIG");
      explicit_path != nullptr && *explicit_path != '\0') {
    return explicit_path;
  }
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "tickerflow" / "config.toml";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".config" / "tickerflow" / "config.toml";
  }
  return {};
}

}  // namespace tickerflow
