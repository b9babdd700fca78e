#include "storage/open_store.h"

#include "storage/local_store.h"
#include "storage/s3_config.h"
#include "storage/s3_store.h"

namespace tickerflow::storage {

bool IsRemoteLocation(std::string_view location) { return IsS3Url(location); }

Result<std::unique_ptr<ObjectStore>> OpenStore(std::string_view location,
                                               const OpenStoreOptions& options) {
  if (!IsS3Url(location)) {
    TF_ASSIGN_OR_RETURN(std::unique_ptr<LocalStore> store,
                        LocalStore::Open(std::filesystem::path(location)));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  TF_ASSIGN_OR_RETURN(S3Location s3_location, ParseS3Url(location));
  S3SettingsInput input;
  input.endpoint_flag = options.s3_endpoint;
  TF_ASSIGN_OR_RETURN(S3Settings settings, ResolveS3Settings(input, s3_location));
  S3StoreOptions store_options;
  store_options.location = std::move(s3_location);
  store_options.settings = std::move(settings);
  store_options.cache_dir = options.cache_dir;
  TF_ASSIGN_OR_RETURN(std::unique_ptr<S3Store> store, S3Store::Open(std::move(store_options)));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace tickerflow::storage
