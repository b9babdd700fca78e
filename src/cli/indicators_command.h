// `tickerflow indicators`: reads a CSV of daily bars, checks it, and writes it back with the 30
// technical-indicator columns (docs/indicators.md) appended.
//
//   IndicatorsOptions options{.input_path = "bars.csv", .output_path = "out.csv"};
//   Status status = RunIndicatorsCommand(options, std::cout);
//   // status.message(): "bars.csv:17: column 'close': 'abc' is not a number"
//
// Input: a header naming at least date, open, high, low, close and volume, in any order; other
// columns are carried through untouched, in their input order. Dates are YYYY-MM-DD and
// strictly ascending; the five numbers are finite. Output: the input columns, text exactly as
// read, then the indicator columns in IndicatorSpecs() order; NULL is an empty cell, booleans
// are `true`/`false`, numbers the shortest text that reads back to the same double.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tickerflow::cli {

/// The output path that means standard output.
inline constexpr std::string_view kStandardOutput = "-";

/// The flags of `tickerflow indicators`.
struct IndicatorsOptions {
  std::string input_path;   ///< The CSV of daily bars to read.
  std::string output_path;  ///< Where to write; kStandardOutput for `stdout_stream`.
};

/// Runs the command. The first problem found in the input is returned as kInvalidArgument
/// naming the file, the line and the column; a missing input file is kNotFound; a failure to
/// write is kIoError. The input is checked completely before anything is written, and a file
/// output is written to `<output>.tmp-<pid>` and renamed into place, so an existing output is
/// either left as it was or replaced by a complete file.
Status RunIndicatorsCommand(const IndicatorsOptions& options, std::ostream& stdout_stream);

}  // namespace tickerflow::cli
