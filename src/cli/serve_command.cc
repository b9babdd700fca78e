#include "cli/serve_command.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "cli/termination_signals.h"
#include "common/log.h"
#include "server/api.h"
#include "server/connection_pool.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/screener_catalog.h"
#include "table/database.h"

namespace tickerflow::cli {

std::string DefaultWebRoot(const std::string& program) {
  std::error_code error;
  const std::filesystem::path directory = std::filesystem::canonical(program, error).parent_path();
  if (error) return {};
  for (const std::filesystem::path& candidate :
       {directory / "web", directory / ".." / "share" / "tickerflow" / "web",
        directory / ".." / "web"}) {
    if (std::filesystem::is_regular_file(candidate / "index.html", error)) {
      return std::filesystem::weakly_canonical(candidate, error).string();
    }
  }
  return {};
}

Status RunServeCommand(const ServeOptions& options, std::ostream& out) {
  const std::string web_root =
      options.web_root.empty() ? DefaultWebRoot("/proc/self/exe") : options.web_root;
  if (web_root.empty()) {
    return Status::Error(ErrorCode::kNotFound,
                         "cannot find the page's files (web/index.html) beside the program; "
                         "give their directory with --web-root");
  }
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::path(web_root) / "vendor" /
                                   "lightweight-charts.standalone.production.js",
                               error)) {
    TF_LOG_WARN(
        "serve: {}/vendor/ lacks lightweight-charts, so ticker pages will have no chart; "
        "`make deps` puts it there",
        web_root);
  }
  // Before any thread exists (the S3 client's, the server's), so that they all inherit the
  // blocked mask and SIGTERM reaches only the waiting thread below.
  const TerminationSignals signals;
  TF_ASSIGN_OR_RETURN(std::unique_ptr<storage::ObjectStore> store,
                      storage::OpenStore(options.data_dir, options.store));
  // Each request's query runs on its own worker thread: DuckDB needs no threads of its own
  // for a table of 9,000 rows or one daily file.
  table::DatabaseOptions database_options;
  database_options.threads = 1;
  database_options.memory_limit = "1GB";
  TF_ASSIGN_OR_RETURN(table::Database database, table::Database::Open(database_options));
  // About as many queries at once as cores; the other requests wait their turn.
  server::ConnectionPool pool(database,
                              std::max<size_t>(2, std::thread::hardware_concurrency()) + 1);
  const double refresh_seconds = options.refresh_seconds > 0 ? options.refresh_seconds
                                 : storage::IsRemoteLocation(options.data_dir) ? 15.0
                                                                               : 1.0;
  server::ScreenerCatalog catalog(
      *store, pool,
      server::CatalogOptions{.refresh_interval = std::chrono::milliseconds(
                                 static_cast<int64_t>(refresh_seconds * 1000))});
  // The screener now, so that the first request does not wait for it; and a store that
  // cannot be reached is an error before the server listens.
  if (Status loaded = catalog.Refresh(); !loaded.ok()) {
    if (loaded.code() != ErrorCode::kCorruptData) return loaded;
    TF_LOG_ERROR("serve: {}", loaded.message());
  }
  if (!catalog.Current()->ready()) {
    TF_LOG_WARN("serve: {} has no screener yet; the page says so until a run has finished",
                store->Describe());
  }
  server::Api api(*store, catalog, pool);
  server::Metrics metrics;

  TF_ASSIGN_OR_RETURN(
      std::unique_ptr<server::EventLoopServer> server,
      server::BindHttpServer(api, metrics,
                             server::HttpServerOptions{
                                 .host = options.host,
                                 .port = options.port,
                                 .web_root = web_root,
                                 .threads = static_cast<size_t>(options.threads),
                                 .io_timeout = std::chrono::seconds(options.client_timeout_seconds),
                             }));
  const std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  out << fmt::format("listening on http://{}:{}/\n", host, server->port()) << std::flush;
  TF_LOG_INFO("serve: {} from {}, page from {}", store->Describe(), host, web_root);

  return ServeUntilSignalled(
      signals, "serve", "stopping", [&] { return server->Serve(); }, [&] { server->Stop(); },
      /*always_stop=*/true);
}

}  // namespace tickerflow::cli
