// Case-insensitive comparison of ASCII text, as protocols define it (HTTP header names and
// tokens, FMP's "True"/"false"): only A-Z fold, whatever the locale; other bytes compare as
// they are.
//
//   if (EqualsIgnoringCase(name, "Content-Length")) ...
//   if (StartsWithIgnoringCase(line, "retry-after:")) ...
#pragma once

#include <algorithm>
#include <string_view>

namespace tickerflow {

constexpr char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

constexpr bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

constexpr bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoringCase(text.substr(0, prefix.size()), prefix);
}

}  // namespace tickerflow
