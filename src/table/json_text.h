// JSON text for Table values, written straight into a string: the screener's JSON file, the
// daily files' footer summary, the server's answers and the FMP simulator's bodies.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "table/table.h"

namespace tickerflow::table {

/// How doubles are written.
enum class JsonDoubles {
  /// Shortest round-trip text ("100", "0.1", "-0", "1e+21"): any JSON reader gets the number.
  kShortest,
  /// The same, with ".0" added to integral-looking text ("100.0", "-0.0"), so that readers that
  /// turn "100" into an integer (nlohmann) still read a double, and -0.0 keeps its sign.
  kAlwaysFloat,
};

/// Whether `text` is valid UTF-8 (RFC 3629: no overlong forms, surrogates or code points above
/// U+10FFFF).
bool IsValidUtf8(std::string_view text);

/// Appends `text` as a JSON string: quotes, backslash and control characters escaped (U+2028
/// and U+2029 too, for pages that embed the JSON in a script), other UTF-8 as is, and each
/// byte that is not part of valid UTF-8 replaced by U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view text);

/// Appends row `row` of `column` as a JSON value: null for NULL and for a non-finite double
/// (JSON has no NaN or Infinity), true/false, integers, dates as "YYYY-MM-DD", strings.
void AppendJsonValue(std::string& out, const table::Column& column, size_t row,
                     JsonDoubles doubles = JsonDoubles::kShortest);

/// Appends row `row` of `table` as a JSON object whose keys are the column names in order.
void AppendJsonObject(std::string& out, const table::Table& table, size_t row,
                      JsonDoubles doubles = JsonDoubles::kShortest);

}  // namespace tickerflow::table
