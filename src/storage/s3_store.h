// The ObjectStore on S3 (or any S3-compatible server): objects under s3://BUCKET/PREFIX/, with
// the layout and guarantees of the local directory (object_store.h).
//
//   TF_ASSIGN_OR_RETURN(S3Location location, ParseS3Url("s3://my-bucket/tickerflow"));
//   TF_ASSIGN_OR_RETURN(S3Settings settings, ResolveS3Settings({}, location));
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<S3Store> store,
//                       S3Store::Open({.location = location, .settings = settings}));
//
// DuckDB reads and writes local files, so the store keeps a local cache that mirrors the
// objects it has seen, one file per object at CACHE/<key>, with each file's ETag beside it
// (CACHE/.etags/<key>):
//   - Stage gives a scratch file inside the cache; Commit uploads it (one PUT replaces an
//     object atomically; a multipart upload above 64 MiB) and then moves it into the cache under
//     the ETag S3 returned, so what a run writes is never downloaded again.
//   - ReadablePath downloads an object only when the cache lacks it or holds another ETag:
//     the ETags a List just reported (or a Commit returned) are trusted without a request;
//     otherwise a conditional GET (If-None-Match) asks S3 whether the copy is still current.
//   - LocalMirror brings a whole prefix up to date and deletes the copies of objects that are
//     gone, so that DuckDB can glob the cache directory (`tickerflow query`).
// The cache is only ever a copy: deleting it costs downloads, never data.
//
// The lock is an object, PREFIX/.tickerflow-lock, holding the holder's host, pid, start time,
// description and a heartbeat refreshed every lease/4. A lock whose process is gone (same host)
// or whose heartbeat is older than the lease (any host) is stale and taken over. The lock is
// written with If-None-Match: * (S3's conditional write) and read back, so two runs starting
// at the same moment cannot both believe they hold it on S3; servers that ignore conditional
// writes leave a window of one round trip.
//
// Threads: every method may be called from many threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"
#include "storage/s3_client.h"
#include "storage/s3_config.h"

namespace tickerflow::storage {

/// How to open an S3Store.
struct S3StoreOptions {
  S3Location location;  ///< Bucket and prefix.
  S3Settings settings;  ///< Credentials, region, endpoint.
  /// The root of the local caches; each store gets CACHE/s3/HOST/BUCKET/PREFIX under it.
  /// Empty: DefaultCacheDirectory().
  std::filesystem::path cache_dir;
  /// Uploads (CommitAll) and downloads (ReadablePaths, LocalMirror) in flight at once.
  int concurrency = 16;
  /// A lock whose heartbeat is older than this is stale.
  std::chrono::seconds lock_lease{120};
  /// Passed to the client (retries, multipart threshold, timeouts); settings and bucket are
  /// filled in by Open.
  S3ClientOptions client;
};

/// $XDG_CACHE_HOME/tickerflow, else $HOME/.cache/tickerflow, else /tmp/tickerflow-cache-UID.
std::filesystem::path DefaultCacheDirectory();

/// The S3 store. See the file comment.
class S3Store final : public ObjectStore {
 public:
  struct OpenTag {
    explicit OpenTag() = default;
  };

  /// Creates the client and the cache directory, and lists the prefix once so that a missing
  /// bucket, unknown credentials or an unreachable endpoint are reported here, clearly.
  static Result<std::unique_ptr<S3Store>> Open(S3StoreOptions options);

  /// For Open only.
  S3Store(OpenTag tag, S3StoreOptions options, std::unique_ptr<S3Client> client,
          std::filesystem::path cache_root);
  ~S3Store() override;

  std::string Describe() const override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Result<std::string> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view bytes) override;
  Result<StagedObject> Stage(std::string_view key) override;
  Status Commit(StagedObject staged) override;
  /// Uploads concurrently; each object is published atomically, but after a failure some
  /// objects staged after the failed one may be published too.
  Status CommitAll(std::vector<StagedObject> staged) override;
  Status Remove(std::string_view key) override;
  std::optional<std::filesystem::path> LocalPath(std::string_view key) const override;
  Result<std::filesystem::path> ReadablePath(std::string_view key) override;
  Result<std::vector<std::filesystem::path>> ReadablePaths(
      const std::vector<std::string>& keys) override;
  Result<std::filesystem::path> LocalMirror(std::string_view prefix) override;
  Result<StoreLock> Lock(std::string_view holder_description) override;

  /// The directory mirroring this store's objects.
  const std::filesystem::path& cache_root() const { return cache_root_; }
  /// The client, for statistics (requests sent, retries).
  const S3Client& client() const { return *client_; }
  /// Objects downloaded into the cache since Open (a cache hit downloads nothing).
  int64_t downloads() const;

 private:
  class LockHolder;

  std::string FullKey(std::string_view key) const;
  std::filesystem::path CachePath(std::string_view key) const;
  std::filesystem::path EtagPath(std::string_view key) const;
  std::string CachedEtag(std::string_view key) const;
  std::optional<std::string> KnownEtag(std::string_view key) const;
  void Remember(std::string_view key, std::string etag);
  void Forget(std::string_view key);
  // Moves `file` into the cache as the copy of `key` with `etag`.
  Status InstallCopy(std::string_view key, const std::filesystem::path& file,
                     std::string_view etag);
  void DropCopy(std::string_view key);
  Result<std::filesystem::path> NewScratchDirectory();
  Status Upload(const StagedObject& staged);

  const S3StoreOptions options_;
  std::unique_ptr<S3Client> client_;
  const std::filesystem::path cache_root_;
  mutable std::mutex mutex_;  // Guards known_etags_.
  std::map<std::string, std::string, std::less<>> known_etags_;
  std::atomic<int64_t> next_scratch_{0};
  std::atomic<int64_t> downloads_{0};
};

}  // namespace tickerflow::storage
