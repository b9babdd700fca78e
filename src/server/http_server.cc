#include "server/http_server.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include "common/log.h"
#include "common/unique_fd.h"
#include "server/response_body.h"

namespace tickerflow::server {
namespace {

using Clock = std::chrono::steady_clock;

// The page may only load what its own server serves (no CDN, no inline script).
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'";

QueryParameters ParametersOf(const httplib::Request& request) {
  QueryParameters parameters;
  parameters.reserve(request.params.size());
  for (const auto& [key, value] : request.params) parameters.emplace_back(key, value);
  return parameters;
}

// Whether the request's Accept-Encoding lists gzip (any q other than 0 counts as yes).
bool AcceptsGzip(const httplib::Request& request) {
  const std::string accepted = request.get_header_value("Accept-Encoding");
  const size_t at = accepted.find("gzip");
  return at != std::string::npos && accepted.compare(at, 9, "gzip;q=0") != 0 &&
         accepted.compare(at, 11, "gzip;q=0.0") != 0;
}

// Sends `answer` straight from the (possibly cached, shared) answer: no copy of the body; its
// gzip form to a client that accepts it.
void Send(const httplib::Request& request, httplib::Response& response, SharedResponse answer) {
  response.status = answer->status;
  response.set_header("Cache-Control", "no-store");
  response.set_header("Vary", "Accept-Encoding");
  const bool gzip = !answer->gzip_body.empty() && AcceptsGzip(request);
  if (gzip) response.set_header("Content-Encoding", "gzip");
  const std::string& body = gzip ? answer->gzip_body : answer->body;
  const std::string content_type = answer->content_type;
  response.set_content_provider(
      body.size(), content_type.c_str(),
      [answer = std::move(answer), &body](size_t offset, size_t length, httplib::DataSink& sink) {
        sink.write(body.data() + offset, std::min(length, body.size() - offset));
        return true;
      });
}

void Send(const httplib::Request& request, httplib::Response& response, ApiResponse answer) {
  Send(request, response, std::make_shared<const ApiResponse>(std::move(answer)));
}

// A file's bytes; nullopt when it cannot be read.
std::optional<std::string> ReadWholeFile(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  std::string bytes;
  char buffer[1 << 16];
  while (true) {
    const ssize_t count = ::read(fd.get(), buffer, sizeof(buffer));
    if (count < 0) return std::nullopt;
    if (count == 0) return bytes;
    bytes.append(buffer, static_cast<size_t>(count));
  }
}

}  // namespace

std::optional<std::filesystem::path> ResolveWebPath(const std::filesystem::path& web_root,
                                                    std::string_view path) {
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string_view::npos ||
      path.find('\\') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string relative(path.substr(1));
  if (relative.empty() || relative.back() == '/') relative += "index.html";
  for (const auto& part : std::filesystem::path(relative)) {
    if (part == ".." || part == ".") return std::nullopt;
  }
  std::error_code error;
  const std::filesystem::path root = std::filesystem::canonical(web_root, error);
  if (error) return std::nullopt;
  const std::filesystem::path file = std::filesystem::canonical(root / relative, error);
  if (error || !std::filesystem::is_regular_file(file, error)) return std::nullopt;
  // A symbolic link inside the web root must not lead out of it.
  const std::string root_text = root.string() + "/";
  if (file.string().compare(0, root_text.size(), root_text) != 0) return std::nullopt;
  return file;
}

std::string_view ContentTypeFor(const std::filesystem::path& file) {
  const std::string extension = file.extension().string();
  if (extension == ".html") return "text/html; charset=utf-8";
  if (extension == ".js" || extension == ".mjs") return "text/javascript; charset=utf-8";
  if (extension == ".css") return "text/css; charset=utf-8";
  if (extension == ".json" || extension == ".map") return "application/json";
  if (extension == ".svg") return "image/svg+xml";
  if (extension == ".png") return "image/png";
  if (extension == ".ico") return "image/x-icon";
  if (extension == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

struct HttpServer::Impl {
  Impl(Api& a, Metrics& m, HttpServerOptions o) : api(a), metrics(m), options(std::move(o)) {}

  // Answers with `handler`, timing it for /metrics under `route`.
  template <typename Handler>
  auto Timed(std::string_view route, Handler handler) {
    return [this, route, handler](const httplib::Request& request, httplib::Response& response) {
      const Clock::time_point start = Clock::now();
      handler(request, response);
      response.set_header("X-Content-Type-Options", "nosniff");
      metrics.Record(route, response.status,
                     std::chrono::duration<double>(Clock::now() - start).count());
    };
  }

  void ServeStatic(const httplib::Request& request, httplib::Response& response) const {
    if (request.path.starts_with("/api/")) {
      Send(request, response,
           ErrorResponse(404, fmt::format("no API route {}; see /api/meta",
                                          storage::QuoteForMessage(request.path))));
      return;
    }
    const std::optional<std::filesystem::path> file = ResolveWebPath(web_root, request.path);
    std::optional<std::string> bytes;
    if (file) bytes = ReadWholeFile(*file);
    if (!bytes) {
      Send(
          request, response,
          ErrorResponse(404, fmt::format("not found: {}", storage::QuoteForMessage(request.path))));
      return;
    }
    response.status = 200;
    response.set_header("Cache-Control", "no-cache");
    response.set_header("Content-Security-Policy", kContentSecurityPolicy);
    response.set_content(*bytes, std::string(ContentTypeFor(*file)).c_str());
  }

  std::string RenderMetrics() {
    const auto [rows, age] = api.ScreenerGauges();
    return metrics.Render({Gauge{.name = "tickerflow_screener_rows",
                                 .help = "Rows of the screener being served.",
                                 .value = static_cast<double>(rows)},
                           Gauge{.name = "tickerflow_last_run_age_seconds",
                                 .help = "Seconds since the last run finished (-1: no run known).",
                                 .value = age},
                           Gauge{.name = "tickerflow_screener_cache_entries",
                                 .help = "Screener answers held in memory for repeated requests.",
                                 .value = static_cast<double>(api.CacheUse().first)},
                           Gauge{.name = "tickerflow_screener_cache_bytes",
                                 .help = "Bytes of the cached screener answers.",
                                 .value = static_cast<double>(api.CacheUse().second)}});
  }

  Api& api;
  Metrics& metrics;
  const HttpServerOptions options;
  std::filesystem::path web_root;
  httplib::Server server;
  int port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<bool> serve_entered{false};
  std::atomic<bool> serve_returned{false};
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::Bind(Api& api, Metrics& metrics,
                                                     HttpServerOptions options) {
  auto impl = std::make_unique<Impl>(api, metrics, std::move(options));
  Impl& state = *impl;
  std::error_code error;
  state.web_root = std::filesystem::canonical(state.options.web_root, error);
  if (error || !std::filesystem::is_directory(state.web_root, error)) {
    return Status::Error(ErrorCode::kNotFound,
                         fmt::format("the web root {} is not a directory; give the page's "
                                     "directory (web/ of the source tree) with --web-root",
                                     state.options.web_root.string()));
  }
  const size_t threads = std::max<size_t>(1, state.options.threads);
  // httplib owns and deletes the queue this factory makes.
  state.server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // httplib's default adds SO_REUSEPORT, which would let a second server share the port and
  // take half the connections: keep only SO_REUSEADDR.
  state.server.set_socket_options([](int socket) {
    const int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Answers go out at once: with Nagle's algorithm, a response written in two parts (headers,
  // then body) waits for the client's delayed ACK, 40 ms a request.
  state.server.set_tcp_nodelay(true);
  const auto timeout = state.options.io_timeout;
  state.server.set_read_timeout(timeout);
  state.server.set_write_timeout(timeout);
  state.server.set_keep_alive_timeout(timeout.count());
  state.server.set_keep_alive_max_count(100'000);
  state.server.set_payload_max_length(state.options.max_body_bytes);

  httplib::Server& server = state.server;
  server.Get("/api/screener", state.Timed("screener", [&api](const httplib::Request& request,
                                                             httplib::Response& response) {
    Send(request, response, api.Screener(ParametersOf(request)));
  }));
  server.Get(
      R"(/api/symbols/([^/]+)/bars)",
      state.Timed("bars", [&api](const httplib::Request& request, httplib::Response& response) {
        Send(request, response, api.Bars(request.matches[1].str(), ParametersOf(request)));
      }));
  server.Get("/api/meta", state.Timed("meta", [&api](const httplib::Request& request,
                                                     httplib::Response& response) {
    Send(request, response, api.Meta());
  }));
  server.Get("/healthz", state.Timed("healthz", [&api](const httplib::Request& request,
                                                       httplib::Response& response) {
    Send(request, response, api.Health());
  }));
  server.Get("/metrics", state.Timed("metrics", [&state](const httplib::Request& /*request*/,
                                                         httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    response.set_content(state.RenderMetrics(), "text/plain; version=0.0.4");
  }));
  server.Get(".*", state.Timed("static", [&state](const httplib::Request& request,
                                                  httplib::Response& response) {
    state.ServeStatic(request, response);
  }));
  const auto refuse =
      state.Timed("other", [](const httplib::Request& request, httplib::Response& response) {
        Send(request, response,
             ErrorResponse(405, fmt::format("{} is not supported; the API is read-only "
                                            "(GET)",
                                            storage::QuoteForMessage(request.method))));
        response.set_header("Allow", "GET, HEAD");
      });
  server.Post(".*", refuse);
  server.Put(".*", refuse);
  server.Patch(".*", refuse);
  server.Delete(".*", refuse);
  server.Options(".*", refuse);
  // Errors httplib answers itself (a malformed request, a body too large): JSON as well.
  server.set_error_handler([](const httplib::Request& /*request*/, httplib::Response& response) {
    // Our own answers (streamed from a shared body) carry their Content-Type already.
    if (!response.body.empty() || response.has_header("Content-Type")) return;
    const char* reason = response.status == 413   ? "the request is too large"
                         : response.status == 414 ? "the URL is too long"
                         : response.status == 404 ? "not found"
                                                  : "the request could not be read";
    response.set_content(JsonError(reason), "application/json");
  });

  if (state.options.port == 0) {
    state.port = server.bind_to_any_port(state.options.host);
  } else if (server.bind_to_port(state.options.host, state.options.port)) {
    state.port = state.options.port;
  } else {
    state.port = -1;
  }
  if (state.port <= 0) {
    return Status::Error(ErrorCode::kUnavailable,
                         fmt::format("cannot listen on {}:{} (the port is in use, or the address "
                                     "is not one of this machine's); choose another with --port",
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
  impl_->stopping = true;
  // httplib's stop() does nothing before its accept loop runs: when Serve() is on its way
  // there, wait until it is (Serve() checks `stopping` first, so this cannot wait forever).
  while (impl_->serve_entered && !impl_->serve_returned && !impl_->server.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
}

}  // namespace tickerflow::server
