// The HTTP shell of the simulator: cpp-httplib on a loopback port, every GET handed to a
// Responder, the answer delivered as the Responder says (after a stall, or cut short), and
// one line per request appended to the request log.
//
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<HttpServer> server,
//                       HttpServer::Bind(responder, HttpServerOptions{.port = 0}));
//   std::cout << "listening on http://127.0.0.1:" << server->port() << std::endl;
//   std::thread stopper([&] { WaitForSignal(); server->Stop(); });
//   TF_RETURN_IF_ERROR(server->Serve());  // returns once Stop() was called
//
// Threads: Stop may be called from any thread, at any time, any number of times.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "sources/fmp_sim/responder.h"

namespace tickerflow::sources::fmp_sim {

/// Where and how the server listens.
struct HttpServerOptions {
  /// The address to bind; loopback unless a caller means otherwise.
  std::string host = "127.0.0.1";
  /// The port; 0 picks a free one (see HttpServer::port()).
  int port = 0;
  /// A file to append one JSON line per request to (RequestLogLine); empty: none.
  std::string request_log;
  /// Worker threads. Stalled responses hold one each, so there are many more than cores.
  size_t threads = 64;
};

/// The simulator's HTTP server. See the file comment.
class HttpServer {
 public:
  /// Binds the port and opens the request log (truncating it). Connections made from now on
  /// wait in the listen queue until Serve(). kUnavailable when the address cannot be bound,
  /// kIoError when the log cannot be opened.
  static Result<std::unique_ptr<HttpServer>> Bind(Responder& responder, HttpServerOptions options);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  /// The bound port.
  int port() const;

  /// Answers requests until Stop(); OK when stopped, kUnavailable if the server could not
  /// run.
  Status Serve();

  /// Makes Serve() return: stalled responses are sent at once, open connections close.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace tickerflow::sources::fmp_sim
