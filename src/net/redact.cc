#include "net/redact.h"

#include <array>
#include <cctype>

#include "common/ascii.h"

namespace tickerflow::net {
namespace {

// Query parameters that carry credentials, lower case.
constexpr std::array<std::string_view, 5> kSecretParameters = {"apikey", "api_key", "token",
                                                               "access_token", "key"};

bool EndsValue(char c) {
  return c == '&' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' ||
         std::isspace(static_cast<unsigned char>(c)) != 0;
}

}  // namespace

std::string RedactUrl(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    out.push_back(c);
    ++i;
    // A parameter name starts right after '?' or '&'.
    if (c != '?' && c != '&') continue;
    for (const std::string_view name : kSecretParameters) {
      if (!StartsWithIgnoringCase(text.substr(i), name) || i + name.size() >= text.size() ||
          text[i + name.size()] != '=') {
        continue;
      }
      out.append(text.substr(i, name.size() + 1));
      i += name.size() + 1;
      while (i < text.size() && !EndsValue(text[i])) ++i;
      out.append(kRedacted);
      break;
    }
  }
  return out;
}

std::string RedactSecret(std::string_view text, std::string_view secret) {
  if (secret.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  while (true) {
    const size_t found = text.find(secret, start);
    if (found == std::string_view::npos) break;
    out.append(text.substr(start, found - start));
    out.append(kRedacted);
    start = found + secret.size();
  }
  out.append(text.substr(start));
  return out;
}

}  // namespace tickerflow::net
