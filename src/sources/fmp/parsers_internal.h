// The FMP response formats, parsed: JSON with simdjson, bulk CSV with common/csv.h's RFC 4180
// reader, numbers with std::from_chars so that every double reads back bit for bit. Not a
// public header: fmp_source.cc and the tests use it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/date.h"
#include "common/status.h"
#include "sources/source.h"
#include "table/table.h"

namespace tickerflow::sources::fmp_internal {

/// The text of an FMP error body, `{"Error Message": "..."}`, when `body` is one.
std::optional<std::string> ErrorMessage(std::string_view body);

/// The HTTP status an FMP error message stands for (fmp-api.md §2), for error bodies that
/// arrive with status 200: 401 (bad key), 429 (limit reached), 402 (plan restriction), 400
/// (bad parameter), else 500 (unknown: treated as a transient server error).
int StatusForErrorMessage(std::string_view message);

/// Bars and the rows dropped because they failed validation.
struct ParsedBars {
  std::vector<Bar> bars;  ///< In the order of the response.
  int64_t dropped = 0;
};

/// Whether a bar is plausible: prices finite and positive, low <= open, close <= high,
/// volume >= 0. (The date was parsed strictly before.)
bool IsValidBar(const Bar& bar);

/// historical-price-eod/full: a JSON array of {date, open, high, low, close, volume, vwap,
/// ...}. kCorruptData when the body is not an array of objects; rows with a bad date, a
/// missing price or failing IsValidBar are dropped and counted. `volume` may be fractional:
/// rounded.
Result<ParsedBars> ParseHistoricalJson(std::string_view body);

/// historical-price-eod/dividend-adjusted: (date, adjClose) pairs; rows without either are
/// skipped. kCorruptData when the body is not an array of objects.
Result<std::vector<std::pair<Date, double>>> ParseAdjustedJson(std::string_view body);

/// Bars of many symbols and the rows dropped.
struct ParsedBulkBars {
  std::vector<SymbolBar> bars;  ///< Sorted by symbol, one per symbol.
  int64_t dropped = 0;
};

/// eod-bulk CSV (symbol, date, open, low, high, close, adjClose, volume; mapped by header name,
/// an optional vwap column too). Keeps rows of `date` whose symbol is valid and, when `keep`
/// is given, in it; drops and counts invalid bars. kCorruptData when the body is not CSV with
/// the needed columns.
Result<ParsedBulkBars> ParseEodBulkCsv(std::string_view body, Date date,
                                       const std::unordered_set<std::string>* keep);

/// Rows of named text fields, from a CSV file or a JSON array of objects: the common input of
/// the fundamentals and universe builders. nullopt is a null (an empty CSV cell, JSON null).
struct TextRows {
  std::vector<std::string> names;
  std::vector<std::vector<std::optional<std::string>>> rows;

  /// The index of column `name`, if any.
  std::optional<size_t> Find(std::string_view name) const;
};

/// A CSV body's columns named in `wanted` (all columns when empty). kCorruptData when it does
/// not parse.
Result<TextRows> CsvToRows(std::string_view body, std::string_view source_name,
                           std::span<const std::string_view> wanted);

/// A JSON array of objects (or one object) as rows; the names are the union of the objects'
/// keys. Numbers become their shortest round-trip text, booleans "true"/"false", nested
/// values are skipped. kCorruptData when the body is not such JSON.
Result<TextRows> JsonToRows(std::string_view body);

/// Which FMP field feeds which column of FundamentalsSchema(dataset), in schema order
/// (symbol first).
struct FieldMapping {
  std::string_view fmp;
  std::string_view column;
};
const std::vector<FieldMapping>& FundamentalsMapping(FundamentalsDataset dataset);

/// What BuildFundamentals noticed.
struct BuildReport {
  std::vector<std::string> missing_fields;  ///< FMP fields absent from the input (NULL columns).
  int64_t bad_values = 0;    ///< Cells that did not convert to their type (made NULL).
  int64_t skipped_rows = 0;  ///< Invalid, repeated or filtered-out symbols.
};

/// The rows of `input` as a table in FundamentalsSchema(dataset), sorted by symbol, keeping
/// symbols that are valid and, when `keep` is given, in it (the first row of a repeated
/// symbol wins). Unknown fields are ignored.
Result<table::Table> BuildFundamentals(FundamentalsDataset dataset, const TextRows& input,
                                       const std::unordered_set<std::string>* keep,
                                       BuildReport& report);

/// Which profile rows make the universe.
struct UniverseFilter {
  bool include_etfs = false;
  /// Drop symbols whose ipoDate is after it (they had not listed on the as-of date).
  std::optional<Date> as_of;
  /// Apply the exchange / actively-trading / fund tests (off for a user's own symbol list).
  bool listed_only = true;
};

/// SymbolInfo of every profile row that passes `filter`: exchange NASDAQ, NYSE or AMEX,
/// isActivelyTrading, not isFund, not isEtf unless include_etfs, a valid symbol. first_date
/// is ipoDate (1970-01-01 when absent: the pipeline then starts at its history start).
/// Sorted by symbol, unique.
std::vector<SymbolInfo> ProfilesToUniverse(const TextRows& profiles, const UniverseFilter& filter,
                                           int64_t& skipped);

/// Exact text-to-value conversions shared by the builders; nullopt when the text is not one.
std::optional<double> ToDouble(std::string_view text);
std::optional<int64_t> ToInt64(std::string_view text);  ///< "7", "3.0", "1.5e3"; rounds.
std::optional<bool> ToBool(std::string_view text);
std::optional<Date> ToDate(std::string_view text);  ///< "YYYY-MM-DD", optionally " hh:mm:ss".

}  // namespace tickerflow::sources::fmp_internal
