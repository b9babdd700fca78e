// An HTTP/1.1 server on epoll: a few event-loop threads own the sockets (accept, read, parse,
// write, time out), and a fixed pool of handler threads computes the answers, taken in the
// order the requests arrived. Thousands of idle or slow connections cost a little memory each,
// not a thread; a burst of requests waits in one FIFO queue, so the slowest answer is bounded
// by the queue ahead of it, not by how the kernel happens to schedule 100 threads.
//
// It speaks what the screener's server needs and no more: GET-style requests (a body is read
// and skipped; one over the limit answers 413), keep-alive and pipelining, HEAD, and answers
// whose body is shared, never copied (a cached 1 MB chart goes out with writev from the
// cache).
//
//   auto server = EventLoopServer::Bind(options, [](const HttpRequest& request) {
//     return HttpAnswer::Owned(200, "text/plain", "hello");
//   }, render_error);
//   std::thread stopper([&] { WaitForSignal(); (*server)->Stop(); });
//   (*server)->Serve();  // returns once Stop() was called and the answers in progress are sent
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "server/http_request.h"

namespace tickerflow::server {

/// What a handler answers. The body is a view into storage that `owner` keeps alive, so a
/// cached answer is sent from the cache.
struct HttpAnswer {
  int status = 200;
  std::string content_type;
  /// Further header fields (Content-Length, Date and Connection are the server's).
  std::vector<std::pair<std::string, std::string>> headers{};
  std::shared_ptr<const void> owner{};
  std::string_view body{};

  /// An answer that owns its body.
  static HttpAnswer Owned(int status, std::string content_type, std::string body);
};

/// Runs on a handler thread, any number at once.
using HttpHandler = std::function<HttpAnswer(const HttpRequest& request)>;
/// The answer to a request the server refuses itself (malformed, too large): status and why.
using HttpErrorRenderer = std::function<HttpAnswer(int status, std::string_view reason)>;

struct EventLoopOptions {
  std::string host = "127.0.0.1";
  /// 0 picks a free port (EventLoopServer::port()).
  int port = 8080;
  /// Threads that own the sockets. They only move bytes and parse heads: one per core is more
  /// than enough.
  size_t io_threads = 2;
  /// Threads that run the handler. A handler may wait (on a DuckDB connection, on S3), so
  /// there are more of them than cores.
  size_t handler_threads = 8;
  /// A client that sends nothing, or reads nothing, for this long is disconnected; a request
  /// that takes its handler longer is not.
  std::chrono::milliseconds io_timeout = std::chrono::seconds(5);
  /// Bodies larger than this answer 413 (the API takes none).
  size_t max_body_bytes = size_t{64} * 1024;
  HeadLimits head_limits{};
  /// Connections beyond this many are closed as soon as they are accepted.
  size_t max_connections = 10'000;
};

/// See the file comment.
class EventLoopServer {
 public:
  /// Binds and listens. kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<EventLoopServer>> Bind(EventLoopOptions options,
                                                       HttpHandler handler,
                                                       HttpErrorRenderer render_error);

  EventLoopServer(const EventLoopServer&) = delete;
  EventLoopServer& operator=(const EventLoopServer&) = delete;
  ~EventLoopServer();

  /// The bound port.
  int port() const;

  /// Answers requests until Stop(); then stops accepting, lets the answers in progress go out
  /// (up to the I/O timeout) and returns OK. Call once.
  Status Serve();

  /// Makes Serve() return. Any thread, any time, also before Serve().
  void Stop();

 private:
  struct Impl;
  explicit EventLoopServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

/// "HTTP/1.1 404 Not Found": the reason phrase for a status.
std::string_view ReasonPhrase(int status);

}  // namespace tickerflow::server
