#include "storage/s3_client.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <pugixml.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <thread>

#include "common/log.h"
#include "common/unique_fd.h"
#include "storage/s3_signer.h"

namespace tickerflow::storage {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;
using Headers = std::vector<std::pair<std::string, std::string>>;

// Reads `length` bytes at `offset` of the open file `fd` (named `path` in messages).
Result<std::string> ReadAt(int fd, const std::filesystem::path& path, uint64_t offset,
                           uint64_t length) {
  std::string bytes(length, '\0');
  uint64_t done = 0;
  while (done < length) {
    const ssize_t n =
        ::pread(fd, bytes.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status::Error(ErrorCode::kIoError,
                           fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
    }
    if (n == 0) {
      return Status::Error(
          ErrorCode::kIoError,
          fmt::format("cannot read {}: it shrank while being uploaded", path.string()));
    }
    done += static_cast<uint64_t>(n);
  }
  return bytes;
}

std::string Unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

std::string_view Text(const pugi::xml_node& node, const char* child) {
  return node.child(child).text().as_string();
}

// Equal jitter: half the capped exponential wait, plus a random part of the other half, so
// that many clients backing off at once spread out but none retries at once.
std::chrono::milliseconds Backoff(const S3ClientOptions& options, int attempt) {
  const int64_t base = options.first_backoff.count();
  const int64_t capped =
      std::min<int64_t>(options.max_backoff.count(), base << std::min(attempt - 1, 20));
  thread_local std::mt19937_64 random(std::random_device{}());
  std::uniform_int_distribution<int64_t> extra(0, std::max<int64_t>(capped / 2, 0));
  return std::chrono::milliseconds(capped / 2 + extra(random));
}

}  // namespace

S3ErrorBody ParseS3Error(std::string_view body) {
  S3ErrorBody error;
  pugi::xml_document document;
  if (body.empty() || !document.load_buffer(body.data(), body.size())) return error;
  const pugi::xml_node root = document.child("Error");
  if (!root) return error;
  error.code = Text(root, "Code");
  error.message = Text(root, "Message");
  error.region = Text(root, "Region");
  return error;
}

ErrorAction ClassifyS3Error(int http_status, std::string_view code) {
  static constexpr std::array<std::string_view, 6> kTransient = {
      "SlowDown",       "InternalError",    "ServiceUnavailable",
      "RequestTimeout", "OperationAborted", "RequestTimeTooSkewedRetry"};
  static constexpr std::array<std::string_view, 9> kCredentials = {
      "AccessDenied",          "InvalidAccessKeyId",
      "SignatureDoesNotMatch", "ExpiredToken",
      "InvalidToken",          "TokenRefreshRequired",
      "AllAccessDisabled",     "AuthorizationHeaderMalformed",
      "InvalidSecurity"};
  if (std::find(kTransient.begin(), kTransient.end(), code) != kTransient.end()) {
    return ErrorAction::kRetry;
  }
  if (std::find(kCredentials.begin(), kCredentials.end(), code) != kCredentials.end()) {
    return ErrorAction::kStop;
  }
  if (http_status >= 500 || http_status == 429) return ErrorAction::kRetry;
  if (http_status == 401 || http_status == 403) return ErrorAction::kStop;
  return ErrorAction::kSkip;
}

ErrorCode S3ErrorCode(int http_status, std::string_view code) {
  if (code == "NoSuchKey" || code == "NoSuchBucket" || code == "NoSuchUpload") {
    return ErrorCode::kNotFound;
  }
  switch (ClassifyS3Error(http_status, code)) {
    case ErrorAction::kRetry:
      return ErrorCode::kUnavailable;
    case ErrorAction::kStop:
      return ErrorCode::kPermissionDenied;
    case ErrorAction::kSkip:
      break;
  }
  if (http_status == 404) return ErrorCode::kNotFound;
  if (code == "PreconditionFailed" || code == "ConditionalRequestConflict" || http_status == 412) {
    return ErrorCode::kFailedPrecondition;
  }
  if (code == "PermanentRedirect" || code == "TemporaryRedirect" || http_status == 301) {
    return ErrorCode::kFailedPrecondition;
  }
  return ErrorCode::kInvalidArgument;
}

Result<S3ListPage> ParseListObjectsV2(std::string_view xml) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) {
    return Status::Error(ErrorCode::kCorruptData,
                         "ListObjectsV2 answered with a body that is not XML");
  }
  const pugi::xml_node root = document.child("ListBucketResult");
  if (!root) {
    return Status::Error(ErrorCode::kCorruptData,
                         "ListObjectsV2 answered without a ListBucketResult element");
  }
  S3ListPage page;
  for (const pugi::xml_node contents : root.children("Contents")) {
    S3Object object;
    object.key = Text(contents, "Key");
    object.size = contents.child("Size").text().as_ullong();
    object.etag = Unquote(Text(contents, "ETag"));
    if (object.key.empty()) {
      return Status::Error(ErrorCode::kCorruptData, "ListObjectsV2 listed an object without a key");
    }
    page.objects.push_back(std::move(object));
  }
  page.truncated = Text(root, "IsTruncated") == "true";
  page.next_continuation_token = Text(root, "NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty()) {
    return Status::Error(ErrorCode::kCorruptData,
                         "ListObjectsV2 said the listing goes on but gave no continuation token");
  }
  return page;
}

class S3Client::Impl {
 public:
  Impl(S3ClientOptions options, std::unique_ptr<net::HttpClient> http)
      : options_(std::move(options)), http_(std::move(http)) {}

  const S3ClientOptions& options() const { return options_; }

  std::string Describe(std::string_view key) const {
    return fmt::format("s3://{}/{}", options_.bucket, key);
  }

  // One S3 request with its retries: the response when S3 answered 2xx (or 304), otherwise
  // the mapped error.
  Result<net::HttpResponse> Send(std::string_view method, std::string_view key, Query query,
                                 Headers headers, std::string_view body = {}) {
    TF_ASSIGN_OR_RETURN(S3Address address, S3AddressFor(options_.settings, options_.bucket, key));
    SigV4Request request;
    request.method = std::string(method);
    request.scheme = std::move(address.scheme);
    request.host = std::move(address.host);
    request.path = std::move(address.path);
    request.query = std::move(query);
    request.headers = std::move(headers);
    request.payload_sha256 = Sha256Hex(body);
    const std::string what = fmt::format("S3 {} {}", method, Describe(key));

    Status last_error = Status::Ok();
    for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
      if (attempt > 1) {
        retries_.fetch_add(1, std::memory_order_relaxed);
        std::this_thread::sleep_for(Backoff(options_, attempt - 1));
      }
      const SignedRequest signed_request =
          SignV4(request, options_.settings.credentials, options_.settings.region, "s3",
                 std::chrono::system_clock::now());
      net::HttpRequest http_request;
      http_request.method = request.method;
      http_request.url = signed_request.url;
      http_request.headers = signed_request.headers;
      http_request.body = std::string(body);
      requests_sent_.fetch_add(1, std::memory_order_relaxed);
      Result<net::HttpResponse> response = http_->Send(http_request);
      if (!response.ok()) {
        // The exchange itself failed (timeout, refused, reset): worth another attempt unless
        // the request cannot be sent at all.
        last_error = response.status();
        if (last_error.code() != ErrorCode::kUnavailable) break;
        TF_LOG_DEBUG("{}: attempt {} failed: {}", what, attempt, last_error.message());
        continue;
      }
      const int status = response->status;
      if ((status >= 200 && status < 300) || status == 304) {
        // CompleteMultipartUpload may answer 200 with an error document.
        if (status == 200 && method == "POST" &&
            response->body.find("<Error>") != std::string::npos) {
          const S3ErrorBody error = ParseS3Error(response->body);
          if (!error.code.empty()) {
            last_error = ErrorFor(what, 500, error);
            if (ClassifyS3Error(500, error.code) == ErrorAction::kRetry) continue;
            return last_error;
          }
        }
        return std::move(*response);
      }
      S3ErrorBody error = ParseS3Error(response->body);
      if (error.code.empty()) error.code = CodeOfStatus(status, key);
      last_error = ErrorFor(what, status, error);
      if (ClassifyS3Error(status, error.code) != ErrorAction::kRetry) return last_error;
      TF_LOG_DEBUG("{}: attempt {}: {}", what, attempt, last_error.message());
    }
    if (last_error.code() == ErrorCode::kUnavailable) {
      return Status::Error(ErrorCode::kUnavailable,
                           fmt::format("{}: {} attempts failed, the last with: {}", what,
                                       options_.max_attempts, last_error.message()));
    }
    return last_error;
  }

  int64_t requests_sent() const { return requests_sent_.load(std::memory_order_relaxed); }
  int64_t retries() const { return retries_.load(std::memory_order_relaxed); }

 private:
  // A HEAD answer has no body: the status alone says what went wrong.
  static std::string CodeOfStatus(int status, std::string_view key) {
    switch (status) {
      case 301:
        return "PermanentRedirect";
      case 403:
        return "AccessDenied";
      case 404:
        return key.empty() ? "NoSuchBucket" : "NoSuchKey";
      case 412:
        return "PreconditionFailed";
      case 503:
        return "ServiceUnavailable";
      default:
        return fmt::format("HTTP{}", status);
    }
  }

  // The message for an S3 error: what failed, S3's words, and what to do about it.
  Status ErrorFor(std::string_view what, int status, const S3ErrorBody& error) const {
    const S3Settings& settings = options_.settings;
    std::string advice;
    const std::string& code = error.code;
    if (code == "NoSuchBucket") {
      advice = fmt::format(
          "the bucket '{}' does not exist at {}; create it, or check --data and "
          "the endpoint",
          options_.bucket, settings.endpoint);
    } else if (code == "InvalidAccessKeyId") {
      advice = fmt::format(
          "the access key id from {} is not known to {}; check AWS_ACCESS_KEY_ID "
          "or the profile in the shared credentials file",
          settings.credentials_source, settings.endpoint);
    } else if (code == "SignatureDoesNotMatch") {
      advice = fmt::format(
          "the secret access key from {} does not belong to its access key id; "
          "check AWS_SECRET_ACCESS_KEY or the profile",
          settings.credentials_source);
    } else if (code == "AccessDenied" || code == "AllAccessDisabled") {
      advice = fmt::format(
          "the credentials from {} may not do this; check the bucket policy and "
          "the IAM permissions (s3:GetObject, s3:PutObject, s3:DeleteObject, "
          "s3:ListBucket)",
          settings.credentials_source);
    } else if (code == "ExpiredToken" || code == "InvalidToken" || code == "TokenRefreshRequired") {
      advice =
          "the session token (AWS_SESSION_TOKEN or aws_session_token) has expired or is "
          "wrong; get fresh credentials";
    } else if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed") {
      advice = error.region.empty()
                   ? fmt::format("the bucket is not in region {}; set AWS_REGION to its region",
                                 settings.region)
                   : fmt::format("the bucket is in region {}, not {}; set AWS_REGION={}",
                                 error.region, settings.region, error.region);
    } else if (code == "RequestTimeTooSkewed") {
      advice = "this machine's clock is more than 15 minutes off; correct it (NTP)";
    }
    std::string message = fmt::format("{}: {} (HTTP {})", what, code, status);
    if (!error.message.empty()) message += fmt::format(": {}", error.message);
    if (!advice.empty()) message += fmt::format(" — {}", advice);
    return Status::Error(S3ErrorCode(status, code), std::move(message));
  }

  const S3ClientOptions options_;
  std::unique_ptr<net::HttpClient> http_;
  std::atomic<int64_t> requests_sent_{0};
  std::atomic<int64_t> retries_{0};
};

Result<std::unique_ptr<S3Client>> S3Client::Create(S3ClientOptions options) {
  if (options.bucket.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument, "S3 client without a bucket");
  }
  TF_RETURN_IF_ERROR(S3AddressFor(options.settings, options.bucket, "").status());
  if (options.max_attempts < 1) options.max_attempts = 1;
  // S3 takes parts of 5 MiB to 5 GiB; a file of more than 10,000 parts is refused below.
  options.part_size = std::clamp<uint64_t>(options.part_size, uint64_t{5} << 20, uint64_t{5} << 30);
  TF_ASSIGN_OR_RETURN(std::unique_ptr<net::HttpClient> http, net::HttpClient::Create(options.http));
  return std::unique_ptr<S3Client>(
      new S3Client(std::make_unique<Impl>(std::move(options), std::move(http))));
}

S3Client::S3Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3Client::~S3Client() = default;

std::string S3Client::Describe(std::string_view key) const { return impl_->Describe(key); }
int64_t S3Client::requests_sent() const { return impl_->requests_sent(); }
int64_t S3Client::retries() const { return impl_->retries(); }

Result<std::string> S3Client::Get(std::string_view key) {
  TF_ASSIGN_OR_RETURN(net::HttpResponse response, impl_->Send("GET", key, {}, {}));
  return std::move(response.body);
}

Result<std::string> S3Client::GetRange(std::string_view key, uint64_t first, uint64_t last) {
  if (last < first) {
    return Status::Error(ErrorCode::kInvalidArgument, fmt::format("byte range {}-{} of {} is empty",
                                                                  first, last, Describe(key)));
  }
  TF_ASSIGN_OR_RETURN(
      net::HttpResponse response,
      impl_->Send("GET", key, {}, {{"range", fmt::format("bytes={}-{}", first, last)}}));
  if (response.status == 200) {
    // A server that ignores Range sends everything: cut the range out ourselves.
    if (first >= response.body.size()) return std::string();
    return response.body.substr(first, last - first + 1);
  }
  return std::move(response.body);
}

Result<S3ConditionalGet> S3Client::GetIfChanged(std::string_view key, std::string_view etag) {
  Headers headers;
  if (!etag.empty()) headers.emplace_back("if-none-match", fmt::format("\"{}\"", etag));
  TF_ASSIGN_OR_RETURN(net::HttpResponse response, impl_->Send("GET", key, {}, std::move(headers)));
  S3ConditionalGet result;
  const std::string* header = response.Header("etag");
  result.etag = header != nullptr ? Unquote(*header) : std::string();
  if (response.status == 304) {
    result.modified = false;
    if (result.etag.empty()) result.etag = std::string(etag);
    return result;
  }
  result.body = std::move(response.body);
  return result;
}

Result<S3ObjectHead> S3Client::Head(std::string_view key) {
  TF_ASSIGN_OR_RETURN(net::HttpResponse response, impl_->Send("HEAD", key, {}, {}));
  S3ObjectHead head;
  if (const std::string* etag = response.Header("etag")) head.etag = Unquote(*etag);
  if (const std::string* length = response.Header("content-length")) {
    head.size = std::strtoull(length->c_str(), nullptr, 10);
  }
  return head;
}

Result<std::string> S3Client::Put(std::string_view key, std::string_view bytes, Headers headers) {
  TF_ASSIGN_OR_RETURN(net::HttpResponse response,
                      impl_->Send("PUT", key, {}, std::move(headers), bytes));
  const std::string* etag = response.Header("etag");
  return etag != nullptr ? Unquote(*etag) : std::string();
}

Result<std::string> S3Client::PutFile(std::string_view key, const std::filesystem::path& path) {
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid()) {
    return Status::Error(ErrorCode::kIoError, fmt::format("cannot open {} to upload it: {}",
                                                          path.string(), std::strerror(errno)));
  }
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) {
    return Status::Error(ErrorCode::kIoError,
                         fmt::format("cannot inspect {}: {}", path.string(), std::strerror(errno)));
  }
  const auto size = static_cast<uint64_t>(info.st_size);
  const S3ClientOptions& options = impl_->options();
  if (size <= options.multipart_threshold) {
    TF_ASSIGN_OR_RETURN(std::string bytes, ReadAt(file.get(), path, 0, size));
    return Put(key, bytes);
  }
  const uint64_t parts = (size + options.part_size - 1) / options.part_size;
  if (parts > 10000) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("{} is too large for {} parts of {} bytes", path.string(),
                                     10000, options.part_size));
  }

  TF_ASSIGN_OR_RETURN(net::HttpResponse created, impl_->Send("POST", key, {{"uploads", ""}}, {}));
  pugi::xml_document document;
  document.load_buffer(created.body.data(), created.body.size());
  const std::string upload_id(Text(document.child("InitiateMultipartUploadResult"), "UploadId"));
  if (upload_id.empty()) {
    return Status::Error(
        ErrorCode::kCorruptData,
        fmt::format("S3 POST {}?uploads: no UploadId in the answer", Describe(key)));
  }
  auto upload = [&]() -> Result<std::string> {
    std::string complete = "<CompleteMultipartUpload>";
    for (uint64_t part = 0; part < parts; ++part) {
      const uint64_t offset = part * options.part_size;
      TF_ASSIGN_OR_RETURN(std::string bytes, ReadAt(file.get(), path, offset,
                                                    std::min(options.part_size, size - offset)));
      const std::string number = std::to_string(part + 1);
      TF_ASSIGN_OR_RETURN(
          net::HttpResponse response,
          impl_->Send("PUT", key, {{"partNumber", number}, {"uploadId", upload_id}}, {}, bytes));
      const std::string* etag = response.Header("etag");
      if (etag == nullptr) {
        return Status::Error(
            ErrorCode::kCorruptData,
            fmt::format("S3 PUT {} part {}: no ETag in the answer", Describe(key), number));
      }
      complete += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag></Part>", number,
                              Unquote(*etag));
    }
    complete += "</CompleteMultipartUpload>";
    TF_ASSIGN_OR_RETURN(net::HttpResponse done,
                        impl_->Send("POST", key, {{"uploadId", upload_id}},
                                    {{"content-type", "application/xml"}}, complete));
    pugi::xml_document result;
    result.load_buffer(done.body.data(), done.body.size());
    return Unquote(Text(result.child("CompleteMultipartUploadResult"), "ETag"));
  };
  Result<std::string> etag = upload();
  if (!etag.ok()) {
    // Parts of an upload never completed are kept, and billed, until aborted.
    const Result<net::HttpResponse> aborted =
        impl_->Send("DELETE", key, {{"uploadId", upload_id}}, {});
    if (!aborted.ok() && aborted.status().code() != ErrorCode::kNotFound) {
      TF_LOG_WARN("{}: the failed multipart upload could not be aborted: {}", Describe(key),
                  aborted.status().message());
    }
  }
  return etag;
}

Status S3Client::Delete(std::string_view key) {
  // S3 answers 204 for a key that is not there; a missing bucket is an error.
  return impl_->Send("DELETE", key, {}, {}).status();
}

Result<std::vector<S3Object>> S3Client::List(std::string_view prefix, int page_size, size_t limit) {
  page_size = std::clamp(page_size, 1, 1000);
  std::vector<S3Object> objects;
  std::string token;
  while (true) {
    Query query = {{"list-type", "2"}, {"prefix", std::string(prefix)}};
    if (page_size != 1000) query.emplace_back("max-keys", std::to_string(page_size));
    if (!token.empty()) query.emplace_back("continuation-token", token);
    TF_ASSIGN_OR_RETURN(net::HttpResponse response, impl_->Send("GET", "", std::move(query), {}));
    Result<S3ListPage> page = ParseListObjectsV2(response.body);
    if (!page.ok()) {
      return Status::Error(page.status().code(),
                           fmt::format("S3 GET {}?list-type=2&prefix={}: {}", Describe(""), prefix,
                                       page.status().message()));
    }
    for (S3Object& object : page->objects) objects.push_back(std::move(object));
    if (!page->truncated || (limit != 0 && objects.size() >= limit)) break;
    if (page->next_continuation_token == token) {
      return Status::Error(ErrorCode::kCorruptData,
                           fmt::format("S3 listing of {}: the server repeated its continuation "
                                       "token",
                                       Describe(prefix)));
    }
    token = std::move(page->next_continuation_token);
  }
  if (limit != 0 && objects.size() > limit) objects.resize(limit);
  // S3 lists in UTF-8 byte order already; servers that do not are put right here.
  std::sort(objects.begin(), objects.end(),
            [](const S3Object& a, const S3Object& b) { return a.key < b.key; });
  return objects;
}

}  // namespace tickerflow::storage
