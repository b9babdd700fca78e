#include "pipeline/data_views.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <system_error>

#include "sources/source.h"

namespace tickerflow::pipeline {
namespace {

bool HasParquetFiles(const std::filesystem::path& directory) {
  std::error_code error;
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(".") && name.ends_with(".parquet")) return true;
  }
  return false;
}

// `union_by_name` makes DuckDB read the schema of every file when the view is created: for
// daily/ that is 9,000 footers, 11 s before any query. Daily files all have the schema of
// design.md §3 (tickerflow writes them), so that view takes the first file's schema.
Status CreateView(table::Connection& connection, std::string_view name,
                  const std::filesystem::path& pattern, bool union_by_name,
                  std::vector<std::string>& views) {
  TF_RETURN_IF_ERROR(connection.Execute(
      fmt::format("CREATE OR REPLACE VIEW {} AS SELECT * FROM read_parquet({}, "
                  "hive_partitioning = false, union_by_name = {})",
                  table::QuoteIdentifier(name), table::QuoteLiteral(pattern.string()),
                  union_by_name ? "true" : "false")));
  views.emplace_back(name);
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> CreateDataViews(table::Connection& connection,
                                                 const std::filesystem::path& data_dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(data_dir, error)) {
    return Status::Error(ErrorCode::kNotFound,
                         fmt::format("{}: no such data directory; `tickerflow run --data {}` "
                                     "creates it",
                                     data_dir.string(), data_dir.string()));
  }
  const std::filesystem::path root = std::filesystem::absolute(data_dir);
  std::vector<std::string> views;
  if (HasParquetFiles(root / "daily")) {
    TF_RETURN_IF_ERROR(CreateView(connection, "daily", root / "daily" / "*.parquet",
                                  /*union_by_name=*/false, views));
  }
  for (const auto& [name, file] : {std::pair<std::string_view, std::filesystem::path>{
                                       "screener", root / "screener" / "screener.parquet"},
                                   {"universe", root / "universe.parquet"}}) {
    if (std::filesystem::is_regular_file(file, error)) {
      TF_RETURN_IF_ERROR(CreateView(connection, name, file, /*union_by_name=*/true, views));
    }
  }
  for (const sources::FundamentalsDataset dataset : sources::kAllFundamentalsDatasets) {
    const std::string_view name = sources::FundamentalsDatasetName(dataset);
    const std::filesystem::path file = root / "fundamentals" / fmt::format("{}.parquet", name);
    if (std::filesystem::is_regular_file(file, error)) {
      TF_RETURN_IF_ERROR(CreateView(connection, name, file, /*union_by_name=*/true, views));
    }
  }
  return views;
}

Result<table::Table> RunUserQuery(table::Connection& connection, std::string_view sql,
                                  const std::vector<std::string>& views) {
  // A trailing ';' is natural to type and would end the subquery below early.
  while (!sql.empty() &&
         (sql.back() == ';' || std::isspace(static_cast<unsigned char>(sql.back())))) {
    sql.remove_suffix(1);
  }
  auto explain = [&](const Status& status) {
    std::string message = status.message();
    if (message.find("does not exist") != std::string::npos) {
      message += views.empty() ? fmt::format(
                                     "; the data directory has no files yet: run "
                                     "`tickerflow run` first")
                               : fmt::format("; the views are: {}", fmt::join(views, ", "));
    }
    return Status::Error(status.code(), message);
  };
  // The statement's column types, to convert the ones a Table cannot hold. DESCRIBE only
  // accepts a single query; anything else (SHOW, PRAGMA, several statements) runs as is.
  Result<table::QueryResult> described = connection.Query(fmt::format("DESCRIBE {}", sql));
  Result<table::Table> schema =
      described.ok() ? described->FetchTable() : Result<table::Table>(described.status());
  if (!schema.ok()) {
    Result<table::QueryResult> direct = connection.Query(sql);
    if (!direct.ok()) return explain(direct.status());
    return direct->FetchTable();
  }
  const table::Column* names = schema->FindColumn("column_name");
  const table::Column* types = schema->FindColumn("column_type");
  if (names == nullptr || types == nullptr) {
    return Status::Error(ErrorCode::kInternal, "DESCRIBE returned no column_name/column_type");
  }
  std::string select;
  for (size_t i = 0; i < schema->num_rows(); ++i) {
    const std::string& type = types->varchars()[i];
    const std::string column = table::QuoteIdentifier(names->varchars()[i]);
    std::string expression = column;
    if (type.starts_with("DECIMAL") || type == "HUGEINT" || type == "UBIGINT" ||
        type == "UHUGEINT") {
      expression = fmt::format("CAST({} AS DOUBLE) AS {}", column, column);
    } else if (!(type == "VARCHAR" || type == "DATE" || type == "DOUBLE" || type == "FLOAT" ||
                 type == "BIGINT" || type == "INTEGER" || type == "SMALLINT" || type == "TINYINT" ||
                 type == "UINTEGER" || type == "USMALLINT" || type == "UTINYINT" ||
                 type == "BOOLEAN")) {
      expression = fmt::format("CAST({} AS VARCHAR) AS {}", column, column);
    }
    select += fmt::format("{}{}", i == 0 ? "" : ", ", expression);
  }
  // Positional names would break on repeated column names; those fail in FetchTable with a
  // message asking for an alias, which is what the user has to do anyway.
  Result<table::QueryResult> result =
      connection.Query(fmt::format("SELECT {} FROM ({}) AS tickerflow_query", select, sql));
  if (!result.ok()) return explain(result.status());
  return result->FetchTable();
}

}  // namespace tickerflow::pipeline
