// HttpTransport over libcurl's multi interface: one event-loop thread drives every transfer,
// so many requests are in flight at once (up to max_in_flight) over a shared cache of
// keep-alive connections, with gzip and three timeouts (connect, total, low speed).
//
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, HttpClient::Create({}));
//   // From any number of threads at once:
//   TF_ASSIGN_OR_RETURN(HttpResponse response, client->Get({.url = url}));
//   // Or without blocking:
//   client->GetAsync({.url = url}, [](Result<HttpResponse> response) { ... });
//   // Other methods, with a body:
//   TF_ASSIGN_OR_RETURN(HttpResponse put, client->Send({.method = "PUT", .url = url, .body =
//   bytes}));
//
// Redirects are not followed: a redirect could carry the key to another host. Error messages
// name the URL redacted (redact.h).
//
// Threads: Get and GetAsync may be called from many threads at once. GetAsync's callback runs
// on the event-loop thread and must not block it for long (nor call Get: that would wait for
// itself). Destroying the client fails the transfers that have not finished (kUnavailable)
// and joins the thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "net/http_transport.h"

namespace tickerflow::net {

/// Timeouts and limits of an HttpClient.
struct HttpClientOptions {
  /// Establishing a connection (TCP and TLS).
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  /// The whole transfer, from the moment it starts on a connection.
  std::chrono::milliseconds total_timeout = std::chrono::seconds(120);
  /// A transfer slower than low_speed_bytes per second for low_speed_time is abandoned.
  int64_t low_speed_bytes = 1024;
  std::chrono::seconds low_speed_time = std::chrono::seconds(30);
  /// Transfers running at once; more wait in a queue (their timeouts start when they run).
  int max_in_flight = 64;
  /// Idle connections kept open for reuse.
  int max_idle_connections = 64;
  /// A body larger than this fails the request (kUnavailable): protects memory.
  int64_t max_body_bytes = int64_t{1} << 30;
  /// The User-Agent header.
  std::string user_agent = "tickerflow";
};

/// The libcurl client. See the file comment.
class HttpClient final : public HttpTransport {
 public:
  using Callback = std::function<void(Result<HttpResponse>)>;

  /// Starts the event-loop thread. kInternal if libcurl cannot be initialised.
  static Result<std::unique_ptr<HttpClient>> Create(const HttpClientOptions& options);

  ~HttpClient() override;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends `request` and blocks until its response (see HttpTransport::Get).
  Result<HttpResponse> Get(const HttpRequest& request) override;

  /// Queues `request` as a GET; `done` is called once, on the event-loop thread, with the
  /// outcome.
  void GetAsync(HttpRequest request, Callback done);

  /// Sends `request` with its own method (GET, HEAD, PUT, POST, DELETE) and blocks until its
  /// response. Errors as for Get.
  Result<HttpResponse> Send(const HttpRequest& request);

  /// Queues `request` with its own method; `done` as for GetAsync.
  void SendAsync(HttpRequest request, Callback done);

  /// Transfers that completed (with a response or an error) since creation.
  int64_t completed() const;
  /// New connections libcurl opened since creation (a reused keep-alive connection is not
  /// one): the number tests use to check reuse.
  int64_t connections_opened() const;

 private:
  class Impl;  // libcurl's handles and the event loop (http_client.cc).

  explicit HttpClient(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace tickerflow::net
