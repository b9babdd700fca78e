// `tickerflow serve`'s HTTP shell: the routes of the Api, the page's static files from the web
// root and /metrics, on the event-loop server (event_loop_server.h), with the limits a server
// open to a network needs (request size, slow clients, paths outside the web root).
//
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<EventLoopServer> server,
//                       BindHttpServer(api, metrics, {.port = 8080, .web_root = "web"}));
//   std::thread stopper([&] { WaitForSignal(); server->Stop(); });
//   TF_RETURN_IF_ERROR(server->Serve());  // returns once Stop() was called
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/api.h"
#include "server/event_loop_server.h"
#include "server/metrics.h"

namespace tickerflow::server {

struct HttpServerOptions {
  /// The address to bind: loopback unless told otherwise.
  std::string host = "127.0.0.1";
  /// The port; 0 picks a free one (EventLoopServer::port()).
  int port = 8080;
  /// The page's files; requests outside it are refused.
  std::filesystem::path web_root;
  /// Threads that compute answers (the sockets have event-loop threads of their own, one per
  /// core). A few more than the DuckDB connections, so cached answers go out while queries
  /// wait for a connection.
  size_t threads = 8;
  /// A client that sends nothing, or reads nothing, for this long is disconnected.
  std::chrono::seconds io_timeout = std::chrono::seconds(5);
  /// Bodies larger than this are refused (the API takes none).
  size_t max_body_bytes = size_t{64} * 1024;
};

/// The server with the screener's routes, bound and listening; Serve() answers until Stop().
/// kUnavailable when the address cannot be bound; kNotFound when the web root is not a
/// directory. `api` and `metrics` must outlive it.
Result<std::unique_ptr<EventLoopServer>> BindHttpServer(Api& api, Metrics& metrics,
                                                        const HttpServerOptions& options);

/// The file under `web_root` that the URL path `path` names ("/" is index.html), or nullopt
/// when the path leaves the web root (.., a symbolic link out of it), is not a regular file,
/// or holds a NUL or backslash.
std::optional<std::filesystem::path> ResolveWebPath(const std::filesystem::path& web_root,
                                                    std::string_view path);

/// The Content-Type for a file name's extension.
std::string_view ContentTypeFor(const std::filesystem::path& file);

}  // namespace tickerflow::server
