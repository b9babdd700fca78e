#include "server/http_request.h"

#include <algorithm>
#include <charconv>

#include "common/ascii.h"

namespace tickerflow::server {
namespace {

// Whether the comma-separated list `value` holds `token` (any case), as Connection does.
bool ListHas(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (EqualsIgnoringCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// RFC 9110's token characters, which a method and a field name are made of.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HeadParse Invalid(int status, std::string reason) {
  return HeadParse{
      .state = HeadParse::kInvalid, .head_bytes = 0, .status = status, .reason = std::move(reason)};
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (EqualsIgnoringCase(field, name)) return value;
  }
  return {};
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      decoded.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      decoded.push_back(' ');
    } else {
      decoded.push_back(c);
    }
  }
  return decoded;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseQueryString(
    std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    if (!part.empty()) {
      const size_t equals = part.find('=');
      std::optional<std::string> name = PercentDecode(part.substr(0, equals), true);
      std::optional<std::string> value = equals == std::string_view::npos
                                             ? std::string()
                                             : PercentDecode(part.substr(equals + 1), true);
      if (!name || !value) return std::nullopt;
      pairs.emplace_back(std::move(*name), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return pairs;
}

bool IfNoneMatchNames(std::string_view if_none_match, std::string_view etag) {
  const auto opaque = [](std::string_view tag) {
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag;
  };
  const std::string_view wanted = opaque(etag);
  if (wanted.empty()) return false;
  while (!if_none_match.empty()) {
    const size_t comma = if_none_match.find(',');
    const std::string_view tag = opaque(if_none_match.substr(0, comma));
    if (tag == "*" || tag == wanted) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    const size_t semicolon = item.find(';');
    std::string_view coding = item.substr(0, semicolon);
    while (!coding.empty() && coding.front() == ' ') coding.remove_prefix(1);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (EqualsIgnoringCase(coding, "gzip")) {
      if (semicolon == std::string_view::npos) return true;
      // "q=0", "q=0.0", "q=0.000" refuse it; any other quality accepts it.
      std::string_view parameter = item.substr(semicolon + 1);
      while (!parameter.empty() && parameter.front() == ' ') parameter.remove_prefix(1);
      if (!parameter.starts_with("q=") && !parameter.starts_with("Q=")) return true;
      parameter.remove_prefix(2);
      while (!parameter.empty() && parameter.back() == ' ') parameter.remove_suffix(1);
      return parameter.find_first_not_of("0.") != std::string_view::npos;
    }
    if (comma == std::string_view::npos) break;
    accept_encoding.remove_prefix(comma + 1);
  }
  return false;
}

HeadParse ParseRequestHead(std::string_view buffer, const HeadLimits& limits,
                           HttpRequest& request) {
  // RFC 9112 2.2: ignore empty lines before the request line.
  size_t start = 0;
  while (start + 1 < buffer.size() && buffer[start] == '\r' && buffer[start + 1] == '\n') {
    start += 2;
  }
  const size_t line_end = buffer.find("\r\n", start);
  if (line_end == std::string_view::npos) {
    // A request line this long cannot be valid: say whether its target is what is too long.
    if (buffer.size() - start > limits.max_target_bytes + 32) {
      return Invalid(414, "the URL is too long");
    }
    return HeadParse{};
  }
  const std::string_view line = buffer.substr(start, line_end - start);
  const size_t first_space = line.find(' ');
  const size_t last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space || first_space == 0) {
    return Invalid(400, "the request line is not \"METHOD target HTTP/1.1\"");
  }
  const std::string_view method = line.substr(0, first_space);
  const std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
  const std::string_view version = line.substr(last_space + 1);
  if (!std::ranges::all_of(method, IsTokenChar)) return Invalid(400, "the method is malformed");
  if (target.size() > limits.max_target_bytes) return Invalid(414, "the URL is too long");
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return version.starts_with("HTTP/") ? Invalid(505, "only HTTP/1.0 and HTTP/1.1 are spoken")
                                        : Invalid(400, "the request line has no HTTP version");
  }
  if (target.empty() || target.front() != '/') {
    return Invalid(400, "the request target is not a path (origin form: /path?query)");
  }

  const size_t head_end = buffer.find("\r\n\r\n", line_end);
  if (head_end == std::string_view::npos) {
    if (buffer.size() > limits.max_head_bytes) return Invalid(431, "the request head is too large");
    return HeadParse{};
  }
  if (head_end + 4 > limits.max_head_bytes) return Invalid(431, "the request head is too large");

  request = HttpRequest{};
  request.method = std::string(method);
  const size_t question = target.find('?');
  std::optional<std::string> path = PercentDecode(target.substr(0, question), false);
  if (!path) return Invalid(400, "the path holds a '%' that is not followed by two hex digits");
  request.path = std::move(*path);
  if (question != std::string_view::npos) {
    auto query = ParseQueryString(target.substr(question + 1));
    if (!query) {
      return Invalid(400, "the query string holds a '%' that is not followed by two hex digits");
    }
    request.query = std::move(*query);
  }
  const bool http10 = version == "HTTP/1.0";
  request.keep_alive = !http10;

  bool has_length = false;
  size_t position = line_end + 2;
  while (position < head_end + 2) {
    const size_t end = buffer.find("\r\n", position);
    const std::string_view field = buffer.substr(position, end - position);
    position = end + 2;
    const size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        !std::all_of(field.begin(), field.begin() + static_cast<std::ptrdiff_t>(colon),
                     IsTokenChar)) {
      return Invalid(400, "a header field is malformed");
    }
    std::string_view value = field.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    const std::string_view name = field.substr(0, colon);
    if (EqualsIgnoringCase(name, "Content-Length")) {
      size_t length = 0;
      const auto [end_of_number, error] =
          std::from_chars(value.data(), value.data() + value.size(), length);
      if (error != std::errc() || end_of_number != value.data() + value.size() || value.empty() ||
          (has_length && length != request.content_length)) {
        return Invalid(400, "Content-Length is not a number");
      }
      has_length = true;
      request.content_length = length;
    } else if (EqualsIgnoringCase(name, "Transfer-Encoding")) {
      request.chunked_body = true;
    } else if (EqualsIgnoringCase(name, "Connection")) {
      if (ListHas(value, "close")) request.keep_alive = false;
      if (http10 && ListHas(value, "keep-alive")) request.keep_alive = true;
    }
    request.headers.emplace_back(std::string(name), std::string(value));
  }
  // RFC 9112 6.3: a message with both is an attack or an error; do not guess its length.
  if (request.chunked_body && has_length) {
    return Invalid(400, "both Transfer-Encoding and Content-Length are set");
  }
  return HeadParse{.state = HeadParse::kComplete, .head_bytes = head_end + 4, .status = 0};
}

}  // namespace tickerflow::server
