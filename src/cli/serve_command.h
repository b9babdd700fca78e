// `tickerflow serve`: the screener page, per-ticker charts and the JSON API (docs/api.md) over
// a data location, until SIGTERM or SIGINT.
#pragma once

#include <ostream>
#include <string>

#include "common/status.h"
#include "storage/open_store.h"

namespace tickerflow::cli {

struct ServeOptions {
  std::string data_dir = "data";
  storage::OpenStoreOptions store;
  std::string host = "127.0.0.1";
  int port = 8080;
  /// The page's files; empty: found beside the program (DefaultWebRoot).
  std::string web_root;
  /// Threads that compute answers; the sockets are on event loops of their own.
  int threads = 8;
  /// A client that sends or reads nothing for this many seconds is disconnected.
  int client_timeout_seconds = 5;
  /// Seconds between looks for a new screener; 0: 1 locally, 15 on S3 (each look lists).
  double refresh_seconds = 0;
};

/// Serves until a termination signal. Prints "listening on http://HOST:PORT/" first.
Status RunServeCommand(const ServeOptions& options, std::ostream& out);

/// The page's directory for a program at `program`: web/ beside it, ../share/tickerflow/web,
/// or ../web (a build directory inside the source tree); empty when none has index.html.
std::string DefaultWebRoot(const std::string& program);

}  // namespace tickerflow::cli
