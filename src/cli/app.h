// The tickerflow command line: builds the CLI11 parser, runs the chosen subcommand, prints its
// outcome and picks the exit status. The one place (with main.cc) that does those things.
//
//   int main(int argc, char** argv) { return tickerflow::cli::Main(argc, argv); }
//
//   $ tickerflow --log-level warning indicators --in bars.csv --out out.csv
//
// Exit status: 0 success (also --help and --version), 1 the command failed (bad input data,
// unreadable file, an unexpected exception), 2 the command line itself is wrong.
#pragma once

namespace tickerflow::cli {

/// The command succeeded, or --help / --version was answered.
inline constexpr int kExitOk = 0;
/// The command ran and failed: its message is on standard error.
inline constexpr int kExitFailure = 1;
/// The command line could not be parsed: an error and the usage are on standard error.
inline constexpr int kExitUsage = 2;

/// Parses `argv`, runs the subcommand and returns the process exit status. Never throws:
/// every exception is reported on standard error and gives kExitFailure.
int Main(int argc, const char* const* argv);

}  // namespace tickerflow::cli
