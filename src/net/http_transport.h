// The HTTP seam: a request, a response, and the interface that sends one. HttpClient
// (http_client.h) implements it over libcurl; tests implement it with canned responses.
//
//   HttpRequest request{.url = "https://example.com/stable/profile?symbol=AAPL&apikey=KEY"};
//   TF_ASSIGN_OR_RETURN(HttpResponse response, transport.Get(request));
//   if (response.status == 200) Parse(response.body);
//
// An HTTP answer of any status is a response, never an error: deciding what a 404 or a 429
// means is the caller's job (retry.h). Errors are for the exchange itself: kUnavailable for a
// timeout, a refused or reset connection or a truncated body (worth retrying), kInvalidArgument
// for a request that cannot be sent (a malformed URL). Messages carry the URL redacted
// (redact.h), never an API key.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tickerflow::net {

/// One request: a GET unless `method` says otherwise (HttpTransport sends only GETs; HttpClient
/// sends any method).
struct HttpRequest {
  /// "GET", "HEAD", "PUT", "POST" or "DELETE".
  std::string method = "GET";
  /// The full URL, query included; it may hold a secret (apikey=...), so it is only ever
  /// logged through RedactUrl.
  std::string url{};
  /// Extra request headers, name and value.
  std::vector<std::pair<std::string, std::string>> headers{};
  /// Overrides the client's total timeout for this request when set (a bulk file).
  std::optional<std::chrono::milliseconds> timeout{};
  /// The body of a PUT or POST (sent as is, with its length); ignored for the other methods.
  std::string body{};
};

/// What the server answered.
struct HttpResponse {
  int status = 0;            ///< The HTTP status code.
  std::string content_type;  ///< The Content-Type header, empty when absent.
  /// The Retry-After header as seconds, when present and given in seconds (an HTTP date is
  /// ignored: no server we talk to sends one).
  std::optional<std::chrono::seconds> retry_after;
  std::string body;  ///< The body, decompressed.
  /// Every response header, names lowercased, in the order received (the final response's
  /// only, after a 100 Continue).
  std::vector<std::pair<std::string, std::string>> headers;

  /// The value of the first header named `lowercase_name`, or nullptr.
  const std::string* Header(std::string_view lowercase_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lowercase_name) return &value;
    }
    return nullptr;
  }
};

/// Sends GET requests. Implementations are thread-safe: Get may be called from many threads
/// at once.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  /// Sends `request` and waits for the whole response. See the file comment for the errors.
  virtual Result<HttpResponse> Get(const HttpRequest& request) = 0;
};

}  // namespace tickerflow::net
