// Where an S3 store is (an s3:// URL) and how to reach it (credentials, region, endpoint),
// found the way the AWS CLI and SDKs find them, so that a machine set up for `aws s3` works
// unchanged.
//
//   TF_ASSIGN_OR_RETURN(S3Location location, ParseS3Url("s3://my-bucket/tickerflow"));
//   TF_ASSIGN_OR_RETURN(S3Settings settings,
//                       ResolveS3Settings({.endpoint_flag = flags.s3_endpoint}, location));
//   // settings.credentials, .region, .endpoint, .path_style: everything S3Client needs.
//
// Precedence, first found wins:
//   credentials  AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); else the
//                shared credentials file (AWS_SHARED_CREDENTIALS_FILE, or ~/.aws/credentials),
//                profile AWS_PROFILE or "default": aws_access_key_id, aws_secret_access_key,
//                aws_session_token. Only static keys: role_arn, sso_* and credential_process
//                profiles are not supported.
//   region       AWS_REGION, AWS_DEFAULT_REGION, `region` of the profile in the shared config
//                file (AWS_CONFIG_FILE, or ~/.aws/config; section [default] or
//                [profile NAME]), "us-east-1".
//   endpoint     --s3-endpoint, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL: path-style requests to
//                it (MinIO, Ceph, local servers); else https://s3.REGION.amazonaws.com with
//                virtual-hosted requests (path-style for a bucket name with a '.', which the
//                wildcard TLS certificate of *.s3.REGION.amazonaws.com does not cover).
// An empty environment variable counts as unset.
//
// Errors: anything that leaves us without usable credentials is kPermissionDenied (stop, fix
// the setup); a malformed URL, endpoint, region or file is kInvalidArgument; a file that
// exists but cannot be read is kIoError. Messages say what to fix and where (variable name,
// file and line) and never contain a key id, a secret or a token, nor a line of a credentials
// file.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/s3_signer.h"

namespace tickerflow::storage {

/// A bucket and a key prefix inside it.
struct S3Location {
  std::string bucket{};  ///< A valid S3 bucket name.
  std::string prefix{};  ///< "a/b", without leading or trailing '/'; empty for the whole bucket.

  friend bool operator==(const S3Location&, const S3Location&) = default;
};

/// Whether `location` is an S3 URL ("s3://..."), as opposed to a local directory.
bool IsS3Url(std::string_view location);

/// Parses "s3://BUCKET[/PREFIX]": "s3://bucket/a/b/" is {"bucket", "a/b"}, "s3://bucket" is
/// {"bucket", ""}. The bucket name follows S3's rules (3 to 63 characters: lower-case letters,
/// digits, '.' and '-', starting and ending with a letter or digit, no "..", not an IP
/// address); the prefix must be a valid key (ValidateKey). kInvalidArgument otherwise, saying
/// what is wrong and the expected form.
Result<S3Location> ParseS3Url(std::string_view url);

/// Everything needed to send signed requests to a bucket.
struct S3Settings {
  AwsCredentials credentials{};  ///< Secret: never log.
  /// Where the credentials came from, for messages, never a value: "environment
  /// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)", "shared credentials file
  /// /root/.aws/credentials, profile default".
  std::string credentials_source{};
  /// "us-east-1" when nothing sets it.
  std::string region{};
  /// "http://127.0.0.1:9000", "https://s3.us-east-1.amazonaws.com": a lower-case scheme, a
  /// host, an optional port; no path, no trailing '/'.
  std::string endpoint{};
  /// Path-style requests (ENDPOINT/BUCKET/KEY) rather than virtual-hosted ones
  /// (BUCKET.HOST/KEY): with an explicit endpoint, or for a bucket name with a '.'.
  bool path_style = false;
};

/// Reads an environment variable; nullopt when it is not set.
using GetEnvFunction = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment (std::getenv).
std::optional<std::string> ProcessGetEnv(std::string_view name);

/// Where ResolveS3Settings looks, injectable for tests.
struct S3SettingsInput {
  /// --s3-endpoint; empty when not given.
  std::string endpoint_flag{};
  /// The environment.
  GetEnvFunction getenv = ProcessGetEnv;
  /// The home directory holding .aws/; empty for $HOME (read through `getenv`).
  std::filesystem::path home{};
};

/// The credentials, region and endpoint for `location`, by the precedence in the file comment.
Result<S3Settings> ResolveS3Settings(const S3SettingsInput& input, const S3Location& location);

/// Where one request goes: the pieces of a SigV4Request.
struct S3Address {
  std::string scheme{};  ///< "https" or "http".
  std::string host{};    ///< The Host header: "bucket.s3.us-east-1.amazonaws.com", "[::1]:9000".
  std::string path{};    ///< Not encoded: "/KEY" (virtual-hosted) or "/BUCKET/KEY" (path-style).
};

/// The address of `key` in `bucket` ("" for the bucket itself: "/" or "/BUCKET"):
/// https://BUCKET.s3.REGION.amazonaws.com/KEY virtual-hosted, ENDPOINT/BUCKET/KEY path-style.
/// kInvalidArgument when settings.endpoint is not of the form described at S3Settings.
Result<S3Address> S3AddressFor(const S3Settings& settings, std::string_view bucket,
                               std::string_view key);

}  // namespace tickerflow::storage
