// AWS Signature Version 4 for S3, header-signed: the request line and headers that S3 checks,
// and the Authorization header that proves we hold the secret key.
//
//   SigV4Request request{.method = "GET",
//                        .host = "bucket.s3.us-east-1.amazonaws.com",
//                        .path = "/daily/BRK-B.parquet",
//                        .headers = {{"range", "bytes=0-1023"}},
//                        .payload_sha256 = std::string(kEmptyPayloadSha256)};
//   SignedRequest signed_request = SignV4(request, credentials, "us-east-1", "s3", now);
//   // Send signed_request.url with signed_request.headers, byte for byte.
//
// The signer builds the URL as well as the headers, so that what goes on the wire is exactly
// what was signed: the path encoded once, the query sorted and encoded, one header per name
// with the value trimmed as it was signed. (libcurl's CURLOPT_AWS_SIGV4, in curl 7.88, signs a
// query it does not sort or encode, never adds x-amz-content-sha256 and can send X-Amz-Date
// twice; hence our own.)
//
// S3 rules, which differ from the other AWS services: the path is encoded once, not twice, and
// never normalised ("a//b", "./" and "../" are signed as they are, since they are part of the
// key). The signature is checked against AWS's published examples and test suite
// (s3_signer_test.cc): S3 test servers do not check signatures, so those vectors are the only
// proof that this code is right.
//
// Secrets: the secret key is used inside SignV4 and never returned, logged or kept; nothing in
// this file logs. AwsCredentials has no operator<< and no fmt formatter on purpose: do not add
// one.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickerflow::storage {

/// The payload hash to sign when the body is not hashed (S3 accepts it over HTTPS).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
/// Sha256Hex("") : the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// An AWS access key. Secret: never log, print or put any field in a message.
struct AwsCredentials {
  std::string access_key_id{};      ///< "AKIA...": public-ish, but still never logged.
  std::string secret_access_key{};  ///< The signing secret.
  std::string session_token{};      ///< STS session token; empty for long-term keys.
};

/// One HTTP request to sign. Nothing in it is encoded yet: the signer encodes.
struct SigV4Request {
  /// "GET", "PUT", "HEAD", "DELETE" or "POST", upper case.
  std::string method{};
  /// "https", or "http" for local servers.
  std::string scheme = "https";
  /// The Host header as libcurl will send it for the URL built from it:
  /// "bucket.s3.us-east-1.amazonaws.com", "127.0.0.1:9000" (no default port).
  std::string host{};
  /// The path, not encoded, starting with '/': "/bucket/daily/BRK-B.parquet". An empty path
  /// is "/".
  std::string path{};
  /// Query parameters, not encoded, in any order; a parameter without a value ("uploads") has
  /// an empty value.
  std::vector<std::pair<std::string, std::string>> query{};
  /// Further headers to sign and send (range, content-type, if-none-match, x-amz-meta-...);
  /// names are HTTP tokens in any case. Values are trimmed and each run of whitespace (space,
  /// tab, CR, LF) becomes one space, in what is signed and in what is sent; repeated names
  /// are joined with ',' in the order given. The headers the signer owns (host,
  /// authorization, x-amz-date, x-amz-content-sha256, x-amz-security-token) must not be
  /// passed: they are dropped in favour of the signer's.
  std::vector<std::pair<std::string, std::string>> headers{};
  /// Lowercase hex SHA-256 of the body (Sha256Hex, kEmptyPayloadSha256) or kUnsignedPayload.
  std::string payload_sha256{};
  /// Whether to send and sign x-amz-content-sha256: S3 requires it; AWS's generic test suite
  /// (other services) does not use it.
  bool content_sha256_header = true;
};

/// What to send.
struct SignedRequest {
  /// scheme://host, the encoded path and, when there is a query, '?' and the canonical query.
  std::string url{};
  /// Every header to send, names in lower case, sorted by name: the caller's headers (one per
  /// name, values trimmed as signed), x-amz-content-sha256 (when asked for), x-amz-date,
  /// x-amz-security-token (with a session token), and authorization last. Host is not in it:
  /// libcurl sends it from the URL.
  std::vector<std::pair<std::string, std::string>> headers{};
};

/// Signs `request` with `credentials` for `region` ("us-east-1") and `service` ("s3") at time
/// `now`. Pure: the same inputs give the same output. Cannot fail but for memory exhaustion
/// (std::bad_alloc, also for OpenSSL's one-shot HMAC and digest, whose only failure it is).
SignedRequest SignV4(const SigV4Request& request, const AwsCredentials& credentials,
                     std::string_view region, std::string_view service,
                     std::chrono::system_clock::time_point now);

// The pieces of the signature, exposed for tests and for the client.

/// Lowercase hex of the SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

/// `text` percent-encoded the SigV4 way: A-Z a-z 0-9 '-' '_' '.' '~' kept, '/' kept unless
/// `encode_slash`, every other byte (UTF-8 included) as %XX with upper-case hex.
std::string UriEncode(std::string_view text, bool encode_slash);

/// The canonical query string: names and values encoded (UriEncode, '/' encoded), sorted by
/// name and then value, joined as "a=1&b=&c=3". Empty when there are no parameters.
std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);

/// The canonical request SignV4 signs at `amz_date` ("20150830T123600Z"): method, encoded
/// path, canonical query, canonical headers (host, x-amz-date, x-amz-content-sha256 when
/// asked for, x-amz-security-token when `session_token` is not empty, the caller's), the
/// signed header names and the payload hash, one per line.
std::string CanonicalRequest(const SigV4Request& request, std::string_view amz_date,
                             std::string_view session_token = {});

/// "YYYYMMDD/region/service/aws4_request" for the date part of `amz_date`.
std::string CredentialScope(std::string_view amz_date, std::string_view region,
                            std::string_view service);

/// The string to sign: the algorithm, `amz_date`, `credential_scope` and the hash of
/// `canonical_request`, one per line.
std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request);

/// `time` in UTC as SigV4 writes it: "20150830T123600Z" (seconds truncated).
std::string AmzDate(std::chrono::system_clock::time_point time);

}  // namespace tickerflow::storage
