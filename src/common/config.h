// tickerflow's configuration file: settings that do not belong on a command line or in shell
// history, the FMP API key first. TOML:
//
//   [fmp]
//   api_key = "..."
//
//   [calendar]
//   closures_file = "closures.txt"   # market closures announced after release
//
//   TF_ASSIGN_OR_RETURN(Config config, LoadConfig(DefaultConfigPath()));
//   if (config.fmp_api_key) ...
//
// The environment wins over the file (FMP_API_KEY), the command line over both. Values never
// appear in an error message: a parse error names the line and column only.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/status.h"

namespace tickerflow {

/// What a configuration file holds.
struct Config {
  /// [fmp] api_key: the Financial Modeling Prep key. A secret: never log it.
  std::optional<std::string> fmp_api_key;
  /// [calendar] closures_file: a file of extra market closures (market/calendar.h). A relative
  /// path in the file is taken from the configuration file's directory.
  std::optional<std::filesystem::path> calendar_closures_file;
  /// Whether users other than the owner may read the file (a key in it is then exposed).
  bool readable_by_others = false;
};

/// Reads the file at `path`. kNotFound when it does not exist; kInvalidArgument when it is not
/// TOML (line and column), has a key tickerflow does not know (a typo would silently be
/// ignored otherwise), or a value of the wrong type; kIoError when it cannot be read.
Result<Config> LoadConfig(const std::filesystem::path& path);

/// $TICKERFLOW_CONFIG if set, else $XDG_CONFIG_HOME/tickerflow/config.toml, else
/// $HOME/.config/tickerflow/config.toml; empty when none of those variables is set.
std::filesystem::path DefaultConfigPath();

}  // namespace tickerflow
