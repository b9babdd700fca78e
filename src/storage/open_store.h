// The store a `--data` argument names: a local directory, or "s3://BUCKET[/PREFIX]".
//
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store,
//                       OpenStore("s3://my-bucket/tickerflow", {.s3_endpoint = endpoint}));
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/object_store.h"

namespace tickerflow::storage {

/// How to reach a store beyond its location (the command line's S3 flags).
struct OpenStoreOptions {
  /// --s3-endpoint: an S3-compatible server; empty for AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL
  /// or AWS itself.
  std::string s3_endpoint;
  /// --cache-dir: the root of the local cache of S3 objects; empty for the default
  /// (DefaultCacheDirectory in s3_store.h).
  std::filesystem::path cache_dir;
};

/// True when `location` names an S3 store.
bool IsRemoteLocation(std::string_view location);

/// Opens the S3 store for "s3://..." (credentials, region and endpoint the AWS way:
/// s3_config.h) and the local store otherwise (created when missing).
Result<std::unique_ptr<ObjectStore>> OpenStore(std::string_view location,
                                               const OpenStoreOptions& options);

}  // namespace tickerflow::storage
