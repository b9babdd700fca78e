#include "server/http_server.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "common/unique_fd.h"
#include "server/event_loop_server.h"
#include "server/http_request.h"
#include "server/response_body.h"

namespace tickerflow::server {
namespace {

using Clock = std::chrono::steady_clock;

// The page may only load what its own server serves (no CDN, no inline script).
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'";

// `answer` as the event loop sends it: straight from the (possibly cached, shared) answer,
// with no copy of the body; its gzip form to a client that accepts it. An answer with an
// entity tag may be kept by the browser, which asks again with If-None-Match and gets 304
// with no body while the screener has not changed.
HttpAnswer Send(const HttpRequest& request, SharedResponse answer) {
  const bool gzip = !answer->gzip_body.empty() && AcceptsGzip(request.Header("Accept-Encoding"));
  HttpAnswer sent{.status = answer->status,
                  .content_type = answer->content_type,
                  .headers = {{"Cache-Control", answer->etag.empty() ? "no-store" : "no-cache"},
                              {"Vary", "Accept-Encoding"}}};
  if (!answer->etag.empty()) {
    sent.headers.emplace_back("ETag", answer->etag);
    if (IfNoneMatchNames(request.Header("If-None-Match"), answer->etag)) {
      sent.status = 304;
      sent.content_type.clear();
      return sent;
    }
  }
  if (gzip) sent.headers.emplace_back("Content-Encoding", "gzip");
  sent.body = gzip ? answer->gzip_body : answer->body;
  sent.owner = std::move(answer);
  return sent;
}

HttpAnswer Send(const HttpRequest& request, ApiResponse answer) {
  return Send(request, std::make_shared<const ApiResponse>(std::move(answer)));
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

namespace {

// The routes and what they answer from; the server's handlers share it.
struct Routes {
  Routes(Api& a, Metrics& m, std::filesystem::path root)
      : api(a), metrics(m), web_root(std::move(root)) {}

  // Every request: routed, answered, timed for /metrics.
  HttpAnswer Handle(const HttpRequest& request) {
    const Clock::time_point start = Clock::now();
    auto [route, answer] = Route(request);
    answer.headers.emplace_back("X-Content-Type-Options", "nosniff");
    metrics.Record(route, answer.status,
                   std::chrono::duration<double>(Clock::now() - start).count());
    return std::move(answer);
  }

  std::pair<std::string_view, HttpAnswer> Route(const HttpRequest& request) {
    if (request.method != "GET" && request.method != "HEAD") {
      HttpAnswer refused = Send(
          request, ErrorResponse(405, fmt::format("{} is not supported; the API is read-only (GET)",
                                                  storage::QuoteForMessage(request.method))));
      refused.headers.emplace_back("Allow", "GET, HEAD");
      return {"other", std::move(refused)};
    }
    const std::string_view path = request.path;
    if (path == "/api/screener") return {"screener", Send(request, api.Screener(request.query))};
    constexpr std::string_view kSymbols = "/api/symbols/";
    constexpr std::string_view kBars = "/bars";
    if (path.starts_with(kSymbols) && path.ends_with(kBars) &&
        path.size() > kSymbols.size() + kBars.size()) {
      const std::string_view symbol =
          path.substr(kSymbols.size(), path.size() - kSymbols.size() - kBars.size());
      if (symbol.find('/') == std::string_view::npos) {
        return {"bars", Send(request, api.Bars(symbol, request.query))};
      }
    }
    if (path == "/api/meta") return {"meta", Send(request, api.Meta())};
    if (path == "/healthz") return {"healthz", Send(request, api.Health())};
    if (path == "/metrics") {
      HttpAnswer rendered = HttpAnswer::Owned(200, "text/plain; version=0.0.4", RenderMetrics());
      rendered.headers.emplace_back("Cache-Control", "no-store");
      return {"metrics", std::move(rendered)};
    }
    return {"static", ServeStatic(request)};
  }

  HttpAnswer ServeStatic(const HttpRequest& request) const {
    if (request.path.starts_with("/api/")) {
      return Send(request, ErrorResponse(404, fmt::format("no API route {}; see /api/meta",
                                                          storage::QuoteForMessage(request.path))));
    }
    const std::optional<std::filesystem::path> file = ResolveWebPath(web_root, request.path);
    std::optional<std::string> bytes;
    if (file) bytes = ReadWholeFile(*file);
    if (!bytes) {
      return Send(request, ErrorResponse(404, fmt::format("not found: {}",
                                                          storage::QuoteForMessage(request.path))));
    }
    HttpAnswer answer =
        HttpAnswer::Owned(200, std::string(ContentTypeFor(*file)), std::move(*bytes));
    answer.headers.emplace_back("Cache-Control", "no-cache");
    answer.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
    return answer;
  }

  // The answer to a request the event loop refused before routing it (malformed, too large).
  HttpAnswer RenderError(int status, std::string_view reason) {
    metrics.Record("other", status, 0);
    HttpAnswer answer = HttpAnswer::Owned(status, "application/json", JsonError(reason));
    answer.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return answer;
  }

  std::string RenderMetrics() {
    const auto [rows, age] = api.ScreenerGauges();
    const auto [cache_entries, cache_bytes] = api.CacheUse();
    return metrics.Render({Gauge{.name = "tickerflow_screener_rows",
                                 .help = "Rows of the screener being served.",
                                 .value = static_cast<double>(rows)},
                           Gauge{.name = "tickerflow_last_run_age_seconds",
                                 .help = "Seconds since the last run finished (-1: no run known).",
                                 .value = age},
                           Gauge{.name = "tickerflow_screener_cache_entries",
                                 .help = "Screener answers held in memory for repeated requests.",
                                 .value = static_cast<double>(cache_entries)},
                           Gauge{.name = "tickerflow_screener_cache_bytes",
                                 .help = "Bytes of the cached screener answers.",
                                 .value = static_cast<double>(cache_bytes)}});
  }

  Api& api;
  Metrics& metrics;
  const std::filesystem::path web_root;
};

}  // namespace

Result<std::unique_ptr<EventLoopServer>> BindHttpServer(Api& api, Metrics& metrics,
                                                        const HttpServerOptions& options) {
  std::error_code error;
  std::filesystem::path web_root = std::filesystem::canonical(options.web_root, error);
  if (error || !std::filesystem::is_directory(web_root, error)) {
    return Status::Error(ErrorCode::kNotFound,
                         fmt::format("the web root {} is not a directory; give the page's "
                                     "directory (web/ of the source tree) with --web-root",
                                     options.web_root.string()));
  }
  auto routes = std::make_shared<Routes>(api, metrics, std::move(web_root));
  return EventLoopServer::Bind(
      EventLoopOptions{
          .host = options.host,
          .port = options.port,
          // One loop per core: they only move bytes; answers are made on the handler threads.
          .io_threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4),
          .handler_threads = std::max<size_t>(1, options.threads),
          .io_timeout = options.io_timeout,
          .max_body_bytes = options.max_body_bytes,
      },
      [routes](const HttpRequest& request) { return routes->Handle(request); },
      [routes](int status, std::string_view reason) {
        return routes->RenderError(status, reason);
      });
}

}  // namespace tickerflow::server
