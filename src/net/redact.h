// Keeping secrets out of logs, error messages and files.
//
//   RedactUrl("https://x.com/stable/profile?symbol=A&apikey=abc123")
//     == "https://x.com/stable/profile?symbol=A&apikey=REDACTED"
//   RedactSecret("key abc123 refused", "abc123") == "key REDACTED refused"
//
// Every URL that goes into a log line, an error message, a run summary or a saved file goes
// through RedactUrl first. RedactSecret is the second line of defence for text we did not
// build ourselves (a server's error body, a library's error message).
#pragma once

#include <string>
#include <string_view>

namespace tickerflow::net {

/// What a secret is replaced with.
inline constexpr std::string_view kRedacted = "REDACTED";

/// `text` with the value of every credential query parameter (apikey, api_key, token,
/// access_token, key; names compared case-insensitively) replaced by kRedacted, wherever it
/// appears in `text`: a bare URL or a message quoting one. The value ends at '&', '#', a
/// space, a quote or the end of the text.
std::string RedactUrl(std::string_view text);

/// `text` with every occurrence of `secret` replaced by kRedacted; `text` unchanged when
/// `secret` is empty.
std::string RedactSecret(std::string_view text, std::string_view secret);

}  // namespace tickerflow::net
