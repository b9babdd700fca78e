#include "storage/s3_signer.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickerflow::storage {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr size_t kSha256Bytes = 32;
using Digest = std::array<unsigned char, kSha256Bytes>;
using Headers = std::vector<std::pair<std::string, std::string>>;

// The headers SignV4 adds itself; a caller's header of the same name would make what is sent
// differ from what is signed, so it is dropped.
constexpr std::string_view kSignerHeaders[] = {"authorization", "host", "x-amz-content-sha256",
                                               "x-amz-date", "x-amz-security-token"};

std::string Hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * size);
  for (size_t i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0x0f];
  }
  return hex;
}

// HMAC-SHA256 with OpenSSL's one-shot HMAC(), which holds no handle. With a valid digest and
// these sizes it fails only when memory runs out, which is reported like any other allocation
// failure in this file.
Digest HmacSha256(const unsigned char* key, size_t key_size, std::string_view data) {
  Digest mac{};
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key, static_cast<int>(key_size),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
           &mac_size) == nullptr ||
      mac_size != mac.size()) {
    throw std::bad_alloc();
  }
  return mac;
}

std::string ToLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// SigV4's Trimall: no whitespace at either end, each inner run of it one space. CR and LF
// count as whitespace so that no value can start a new header line.
std::string TrimAll(std::string_view value) {
  std::string trimmed;
  trimmed.reserve(value.size());
  bool pending_space = false;
  for (const char c : value) {
    if (IsSpace(c)) {
      pending_space = !trimmed.empty();
      continue;
    }
    if (pending_space) trimmed += ' ';
    pending_space = false;
    trimmed += c;
  }
  return trimmed;
}

bool IsSignerHeader(std::string_view lower_name) {
  return std::find(std::begin(kSignerHeaders), std::end(kSignerHeaders), lower_name) !=
         std::end(kSignerHeaders);
}

// Every signed header, names in lower case, sorted by name, one entry per name (repeated
// names joined with ',' in the order given), values trimmed: the canonical headers, and also
// exactly what is sent.
Headers SignedHeaders(const SigV4Request& request, std::string_view amz_date,
                      std::string_view session_token) {
  Headers headers;
  headers.reserve(request.headers.size() + 4);
  headers.emplace_back("host", request.host);
  headers.emplace_back("x-amz-date", std::string(amz_date));
  if (request.content_sha256_header) {
    headers.emplace_back("x-amz-content-sha256", request.payload_sha256);
  }
  if (!session_token.empty()) {
    headers.emplace_back("x-amz-security-token", TrimAll(session_token));
  }
  for (const auto& [name, value] : request.headers) {
    std::string lower = ToLower(TrimAll(name));
    if (IsSignerHeader(lower)) continue;
    headers.emplace_back(std::move(lower), TrimAll(value));
  }
  // Stable, so that repeated names keep the caller's order (AWS joins them in that order).
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  Headers merged;
  merged.reserve(headers.size());
  for (auto& [name, value] : headers) {
    if (!merged.empty() && merged.back().first == name) {
      merged.back().second += ',';
      merged.back().second += value;
    } else {
      merged.emplace_back(std::move(name), std::move(value));
    }
  }
  return merged;
}

std::string SignedHeaderNames(const Headers& headers) {
  std::string names;
  for (const auto& header : headers) {
    if (!names.empty()) names += ';';
    names += header.first;
  }
  return names;
}

std::string CanonicalUri(std::string_view path) {
  if (path.empty()) return "/";
  std::string uri = UriEncode(path, /*encode_slash=*/false);
  if (uri.front() != '/') uri.insert(uri.begin(), '/');
  return uri;
}

std::string CanonicalRequestFrom(const SigV4Request& request, const Headers& headers) {
  std::string canonical = fmt::format("{}\n{}\n{}\n", request.method, CanonicalUri(request.path),
                                      CanonicalQuery(request.query));
  for (const auto& [name, value] : headers) {
    canonical += name;
    canonical += ':';
    canonical += value;
    canonical += '\n';
  }
  canonical += '\n';
  canonical += SignedHeaderNames(headers);
  canonical += '\n';
  canonical += request.payload_sha256;
  return canonical;
}

// The hex signature of `string_to_sign`. The signing key is the HMAC chain of the secret over
// the date, region, service and "aws4_request"; every intermediate key is wiped.
std::string Signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign) {
  std::string first_key;
  first_key.reserve(4 + secret.size());
  first_key += "AWS4";
  first_key += secret;
  Digest key =
      HmacSha256(reinterpret_cast<const unsigned char*>(first_key.data()), first_key.size(), date);
  OPENSSL_cleanse(first_key.data(), first_key.size());
  for (const std::string_view part : {region, service, std::string_view("aws4_request")}) {
    const Digest next = HmacSha256(key.data(), key.size(), part);
    key = next;
  }
  const Digest signature = HmacSha256(key.data(), key.size(), string_to_sign);
  OPENSSL_cleanse(key.data(), key.size());
  return Hex(signature.data(), signature.size());
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  Digest digest{};
  unsigned int size = 0;
  // One-shot digest, no handle to hold; as with HMAC, only an allocation failure can fail it.
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != digest.size()) {
    throw std::bad_alloc();
  }
  return Hex(digest.data(), digest.size());
}

std::string UriEncode(std::string_view text, bool encode_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (const char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                            c == '~' || (c == '/' && !encode_slash);
    if (unreserved) {
      encoded += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      encoded += '%';
      encoded += kDigits[byte >> 4];
      encoded += kDigits[byte & 0x0f];
    }
  }
  return encoded;
}

std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, /*encode_slash=*/true),
                         UriEncode(value, /*encode_slash=*/true));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string canonical;
  for (const auto& [name, value] : encoded) {
    if (!canonical.empty()) canonical += '&';
    canonical += name;
    canonical += '=';
    canonical += value;
  }
  return canonical;
}

std::string CanonicalRequest(const SigV4Request& request, std::string_view amz_date,
                             std::string_view session_token) {
  return CanonicalRequestFrom(request, SignedHeaders(request, amz_date, session_token));
}

std::string CredentialScope(std::string_view amz_date, std::string_view region,
                            std::string_view service) {
  return fmt::format("{}/{}/{}/aws4_request", amz_date.substr(0, 8), region, service);
}

std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request) {
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, credential_scope,
                     Sha256Hex(canonical_request));
}

std::string AmzDate(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss clock{seconds - day};
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

SignedRequest SignV4(const SigV4Request& request, const AwsCredentials& credentials,
                     std::string_view region, std::string_view service,
                     std::chrono::system_clock::time_point now) {
  const std::string amz_date = AmzDate(now);
  Headers headers = SignedHeaders(request, amz_date, credentials.session_token);
  const std::string canonical_request = CanonicalRequestFrom(request, headers);
  const std::string scope = CredentialScope(amz_date, region, service);
  const std::string date = amz_date.substr(0, 8);
  const std::string signature = Signature(credentials.secret_access_key, date, region, service,
                                          StringToSign(amz_date, scope, canonical_request));

  SignedRequest signed_request;
  signed_request.url =
      fmt::format("{}://{}{}", request.scheme, request.host, CanonicalUri(request.path));
  const std::string query = CanonicalQuery(request.query);
  if (!query.empty()) {
    signed_request.url += '?';
    signed_request.url += query;
  }
  const std::string signed_header_names = SignedHeaderNames(headers);
  signed_request.headers.reserve(headers.size());
  for (auto& header : headers) {
    if (header.first != "host") signed_request.headers.push_back(std::move(header));
  }
  signed_request.headers.emplace_back(
      "authorization",
      fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                  credentials.access_key_id, scope, signed_header_names, signature));
  return signed_request;
}

}  // namespace tickerflow::storage
