#include "sources/fmp_sim/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <mutex>
#include <thread>
#include <utility>

#include "common/log.h"

namespace tickerflow::sources::fmp_sim {

using Clock = std::chrono::steady_clock;

struct HttpServer::Impl {
  Impl(Responder& r, HttpServerOptions o) : responder(r), options(std::move(o)) {}

  void Handle(const httplib::Request& http_request, httplib::Response& http_response);
  void WriteLog(const std::string& line);
  // Waits `duration`, or less when the server stops.
  void Stall(std::chrono::milliseconds duration);

  Responder& responder;
  const HttpServerOptions options;
  const Clock::time_point start = Clock::now();
  httplib::Server server;
  int port = 0;

  std::mutex log_mutex;
  std::ofstream log;  // Open when options.request_log is set.

  std::mutex stop_mutex;
  std::condition_variable stop_signal;
  std::atomic<bool> stopping{false};
  std::atomic<bool> serve_entered{false};
  std::atomic<bool> serve_returned{false};
};

void HttpServer::Impl::WriteLog(const std::string& line) {
  if (!log.is_open()) return;
  std::lock_guard<std::mutex> lock(log_mutex);
  // Flushed per line: tests read the log while the server runs.
  log << line << '\n' << std::flush;
}

void HttpServer::Impl::Stall(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(stop_mutex);
  stop_signal.wait_for(lock, duration, [this] { return stopping.load(); });
}

void HttpServer::Impl::Handle(const httplib::Request& http_request,
                              httplib::Response& http_response) {
  Request request;
  request.path = http_request.path;
  for (const auto& [name, value] : http_request.params) request.params.emplace_back(name, value);
  const Clock::time_point now = Clock::now();
  Response response;
  // The top of a request handler: whatever escapes becomes a logged 500, never a crash of
  // the server or a silent drop.
  try {
    response = responder.Respond(request, now);
  } catch (const std::exception& error) {
    TF_LOG_ERROR("fmp-sim: {} failed: {}", request.path, error.what());
    response = Response{};
    response.status = 500;
    response.body = R"({"Error Message":"Internal Server Error"})";
  }
  WriteLog(RequestLogLine(request, response, start, now));
  if (response.stall.count() > 0) Stall(response.stall);

  http_response.status = response.status;
  if (response.send_only) {
    // The full length is announced and only the start is sent; returning false then makes
    // httplib close the connection, as a dropped upstream would.
    auto body = std::make_shared<const std::string>(std::move(response.body));
    const size_t send_only = *response.send_only;
    http_response.set_content_provider(
        body->size(), response.content_type,
        [body, send_only](size_t offset, size_t length, httplib::DataSink& sink) {
          if (offset >= send_only) return false;
          const size_t count = std::min(length, send_only - offset);
          sink.write(body->data() + offset, count);
          return true;
        });
    return;
  }
  http_response.set_content(response.body, response.content_type);
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::Bind(Responder& responder,
                                                     HttpServerOptions options) {
  auto impl = std::make_unique<Impl>(responder, std::move(options));
  Impl& state = *impl;
  if (!state.options.request_log.empty()) {
    state.log.open(state.options.request_log, std::ios::out | std::ios::trunc);
    if (!state.log.is_open()) {
      return Status::Error(
          ErrorCode::kIoError,
          fmt::format("cannot open the request log {} for writing", state.options.request_log));
    }
  }
  const size_t threads = std::max<size_t>(1, state.options.threads);
  // httplib takes ownership of the queue it gets from this factory and deletes it.
  state.server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // httplib's default adds SO_REUSEPORT, which lets a second server bind the same port and
  // silently take half the connections: keep only SO_REUSEADDR (a restart may rebind at once).
  state.server.set_socket_options([](int socket) {
    const int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Clients keep connections open for many requests, as curl does against FMP.
  state.server.set_keep_alive_max_count(10'000);
  state.server.set_keep_alive_timeout(5);
  state.server.Get(".*", [&state](const httplib::Request& request, httplib::Response& response) {
    state.Handle(request, response);
  });

  if (state.options.port == 0) {
    state.port = state.server.bind_to_any_port(state.options.host);
  } else if (state.server.bind_to_port(state.options.host, state.options.port)) {
    state.port = state.options.port;
  } else {
    state.port = -1;
  }
  if (state.port <= 0) {
    return Status::Error(ErrorCode::kUnavailable,
                         fmt::format("cannot listen on {}:{} (address in use, or not an address "
                                     "of this machine?)",
                                     state.options.host, state.options.port));
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->port; }

Status HttpServer::Serve() {
  impl_->serve_entered = true;
  bool ran = true;
  if (!impl_->stopping) ran = impl_->server.listen_after_bind();
  impl_->serve_returned = true;
  if (!ran && !impl_->stopping) {
    return Status::Error(ErrorCode::kUnavailable,
                         fmt::format("the server on port {} stopped unexpectedly", impl_->port));
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->stop_mutex);
    impl_->stopping = true;
  }
  impl_->stop_signal.notify_all();
  // httplib's stop() does nothing before its accept loop runs: when Serve() is on its way
  // there, wait until it is (Serve() checks `stopping` first, so this cannot wait forever).
  while (impl_->serve_entered && !impl_->serve_returned && !impl_->server.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
}

}  // namespace tickerflow::sources::fmp_sim
