// The S3 REST API, the part tickerflow needs: GET (whole or a byte range, conditional on an
// ETag), HEAD, PUT (one request, or a multipart upload above a size threshold, aborted on
// failure), DELETE and ListObjectsV2 with pagination. Every request is signed with our own
// Signature V4 code (s3_signer.h) and sent by net::HttpClient (libcurl).
//
//   TF_ASSIGN_OR_RETURN(S3Settings settings, ResolveS3Settings({}, location));
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client,
//                       S3Client::Create({.settings = settings, .bucket = location.bucket}));
//   TF_ASSIGN_OR_RETURN(std::string etag, client->Put("data/_runs/1.json", json));
//   TF_ASSIGN_OR_RETURN(std::vector<S3Object> objects, client->List("data/daily/"));
//
// Errors. S3's XML error codes become result codes: SlowDown, InternalError,
// ServiceUnavailable, RequestTimeout, any 5xx, timeouts and refused connections are retried
// with exponential backoff and jitter, then reported as kUnavailable; NoSuchKey and
// NoSuchBucket are kNotFound; AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch and the
// token errors are kPermissionDenied, never retried. Messages name the method, the
// s3://bucket/key, S3's code and message and what to do; never a credential.
//
// Threads: every method may be called from many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "net/http_client.h"
#include "storage/s3_config.h"

namespace tickerflow::storage {

/// How an S3Client talks to its bucket.
struct S3ClientOptions {
  S3Settings settings;  ///< Credentials, region, endpoint, addressing (s3_config.h).
  std::string bucket;   ///< The bucket every key lives in.
  /// Attempts per request, the first included, before a retryable failure is reported.
  int max_attempts = 5;
  /// The wait before the second attempt; doubled for each further one (with full jitter),
  /// at most max_backoff.
  std::chrono::milliseconds first_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  /// PutFile sends a file of more than this many bytes as a multipart upload.
  uint64_t multipart_threshold = uint64_t{64} << 20;
  /// The size of each part but the last (S3's minimum is 5 MiB).
  uint64_t part_size = uint64_t{16} << 20;
  /// Timeouts and connection limits of the HTTP client.
  net::HttpClientOptions http;
};

/// An object as ListObjectsV2 reports it.
struct S3Object {
  std::string key;  ///< The full key, prefix included.
  uint64_t size = 0;
  std::string etag;  ///< Without the surrounding quotes.
};

/// What HEAD reports of an object.
struct S3ObjectHead {
  uint64_t size = 0;
  std::string etag;  ///< Without the surrounding quotes.
};

/// The answer to a conditional GET.
struct S3ConditionalGet {
  bool modified = true;  ///< False when the object still has the ETag asked about (304).
  std::string body;      ///< The object's bytes when modified.
  std::string etag;      ///< The object's current ETag, without quotes.
};

/// The S3 client. See the file comment.
class S3Client {
 public:
  /// Checks the options (no request is sent). kInvalidArgument for a malformed endpoint.
  static Result<std::unique_ptr<S3Client>> Create(S3ClientOptions options);

  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  /// The object's bytes; kNotFound when there is none.
  Result<std::string> Get(std::string_view key);

  /// Bytes [first, last] of the object (HTTP Range, both ends included); fewer when the
  /// object ends earlier.
  Result<std::string> GetRange(std::string_view key, uint64_t first, uint64_t last);

  /// The object unless its ETag is still `etag` (If-None-Match); kNotFound when there is none.
  Result<S3ConditionalGet> GetIfChanged(std::string_view key, std::string_view etag);

  /// Size and ETag; kNotFound when there is no object.
  Result<S3ObjectHead> Head(std::string_view key);

  /// Stores `bytes` under `key` in one request; returns the new ETag (without quotes).
  /// `headers` are sent and signed too (If-None-Match: * for a conditional write, whose
  /// refusal is kFailedPrecondition).
  Result<std::string> Put(std::string_view key, std::string_view bytes,
                          std::vector<std::pair<std::string, std::string>> headers = {});

  /// Stores the file's bytes under `key`: one PUT up to multipart_threshold, a multipart
  /// upload above it (aborted when a part fails, so no parts are left to pay for). Returns the
  /// new ETag.
  Result<std::string> PutFile(std::string_view key, const std::filesystem::path& path);

  /// Deletes the object; OK when there is none (S3's own answer).
  Status Delete(std::string_view key);

  /// Every object whose key starts with `prefix`, in key order, over as many ListObjectsV2
  /// pages as it takes (`page_size` keys each, at most 1,000); only the first `limit` when
  /// `limit` is not 0.
  Result<std::vector<S3Object>> List(std::string_view prefix, int page_size = 1000,
                                     size_t limit = 0);

  /// "s3://bucket/key", for messages.
  std::string Describe(std::string_view key) const;

  /// Requests sent since creation, retries included (tests and statistics).
  int64_t requests_sent() const;
  /// Requests that were retried.
  int64_t retries() const;

 private:
  class Impl;  // The HTTP client, the signer's inputs and the retry loop (s3_client.cc).

  explicit S3Client(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

/// One S3 error response, parsed: <Error><Code>..</Code><Message>..</Message></Error>.
struct S3ErrorBody {
  std::string code;     ///< "NoSuchKey"; empty when the body is not an S3 error.
  std::string message;  ///< S3's explanation.
  std::string region;   ///< <Region> of a PermanentRedirect/AuthorizationHeaderMalformed.
};

/// Parses an S3 error document; empty fields when `body` is not one.
S3ErrorBody ParseS3Error(std::string_view body);

/// What the client does with an answer: kRetry for SlowDown, InternalError,
/// ServiceUnavailable, RequestTimeout and 5xx; kStop for credential and permission errors;
/// kSkip for the rest (the caller reports them). Exposed for tests.
ErrorAction ClassifyS3Error(int http_status, std::string_view code);

/// The result code for an S3 error that is not retried.
ErrorCode S3ErrorCode(int http_status, std::string_view code);

/// One page of ListObjectsV2, parsed. Exposed for tests.
struct S3ListPage {
  std::vector<S3Object> objects;
  bool truncated = false;
  std::string next_continuation_token;
};
Result<S3ListPage> ParseListObjectsV2(std::string_view xml);

}  // namespace tickerflow::storage
