// HTTP/1.1 requests as `tickerflow serve` reads them (RFC 9112): the request line and header
// fields parsed from the bytes a connection received, the path and query string
// percent-decoded. Pure functions over a buffer, so the event loop (event_loop_server.h) stays
// about sockets and the parser is tested on its own.
//
//   HttpRequest request;
//   HeadParse parsed = ParseRequestHead(received, {.max_target_bytes = 8192}, request);
//   if (parsed.state == HeadParse::kComplete) received.erase(0, parsed.head_bytes);
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickerflow::server {

struct HttpRequest {
  std::string method;  ///< As sent: "GET".
  std::string path;    ///< Percent-decoded: "/api/symbols/BRK.B/bars".
  /// The query string's name=value pairs in order, percent-decoded, '+' read as a space.
  std::vector<std::pair<std::string, std::string>> query;
  /// Header fields in order; names as sent (compare with Header(), which ignores case).
  std::vector<std::pair<std::string, std::string>> headers;
  bool keep_alive = true;     ///< HTTP/1.1 unless "Connection: close"; 1.0 only if asked.
  size_t content_length = 0;  ///< The body's length (the API takes none; it is skipped).
  bool chunked_body = false;  ///< Transfer-Encoding: the body's length is unknown.

  /// The first header field named `name` (any case); empty when there is none.
  std::string_view Header(std::string_view name) const;
};

struct HeadLimits {
  /// A longer request target answers 414.
  size_t max_target_bytes = 8192;
  /// A longer head (request line and header fields) answers 431.
  size_t max_head_bytes = 32768;
};

struct HeadParse {
  enum State { kIncomplete, kComplete, kInvalid };
  State state = kIncomplete;
  /// kComplete: the bytes of the head, its blank line included.
  size_t head_bytes = 0;
  /// kInvalid: the status to answer (400, 414, 431, 501, 505) and why.
  int status = 0;
  std::string reason{};
};

/// Parses the head at the start of `buffer` into `request`. kIncomplete while the blank line
/// that ends it has not arrived and no limit is passed yet.
HeadParse ParseRequestHead(std::string_view buffer, const HeadLimits& limits, HttpRequest& request);

/// `text` with %XX sequences decoded ('+' as a space too when `plus_is_space`); nullopt for a
/// '%' not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

/// "a=1&b=x%20y&c" as {{"a","1"},{"b","x y"},{"c",""}}; nullopt when a part cannot be decoded.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQueryString(
    std::string_view query);

/// Whether an If-None-Match value ("*", or a list of entity tags) names `etag`, compared
/// weakly (RFC 9110 13.1.2: W/ prefixes ignored).
bool IfNoneMatchNames(std::string_view if_none_match, std::string_view etag);

/// Whether an Accept-Encoding value lists gzip with a non-zero quality.
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace tickerflow::server
