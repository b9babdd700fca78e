// Where tickerflow keeps its data (design.md §3: daily/<SYMBOL>.parquet, fundamentals/,
// screener/, universe.parquet, _runs/<id>.json): an ObjectStore, a flat map from keys such as
// "daily/AAPL.parquet" to bytes. LocalStore (local_store.h) keeps the objects as files under a
// directory; S3Store (s3_store.h) keeps them in an S3 bucket, with a local cache for DuckDB.
//
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<LocalStore> store, LocalStore::Open("/srv/data"));
//   TF_ASSIGN_OR_RETURN(StoreLock lock, store->Lock("tickerflow run --as-of 2026-11-25"));
//
//   TF_RETURN_IF_ERROR(store->Put("_runs/42.json", summary_json));      // small objects
//
//   TF_ASSIGN_OR_RETURN(StagedObject staged, store->Stage("daily/AAPL.parquet"));
//   TF_RETURN_IF_ERROR(table::WriteParquet(connection, bars, staged.local_path()));
//   TF_RETURN_IF_ERROR(store->Commit(std::move(staged)));               // atomic publish
//
//   TF_ASSIGN_OR_RETURN(std::vector<ObjectInfo> files, store->List("daily/"));
//   TF_ASSIGN_OR_RETURN(std::filesystem::path path, store->ReadablePath(files[0].key));
//   TF_ASSIGN_OR_RETURN(table::Table rows, table::ReadParquet(connection, path));  // DuckDB
//
// Every write is atomic: readers, and a run started after a crash, see either the old object or
// the complete new one, never a part. A StagedObject that is never committed leaves nothing
// behind.
//
// Keys are S3-like but stricter, so that each one is also a safe relative path on every store
// (ValidateKey). Names starting with '.' are reserved for the store's own files (temporaries,
// the lock file), which therefore never appear in List.
//
// Threads: every method of an ObjectStore may be called from many threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tickerflow::storage {

/// The longest key, in bytes (S3's limit).
inline constexpr size_t kMaxKeyLength = 1024;
/// The longest segment of a key, in bytes: leaves room under the file systems' 255-byte name
/// limit for the local store's temporary names built from it.
inline constexpr size_t kMaxKeySegmentLength = 200;

/// OK when `key` may name an object; otherwise kInvalidArgument naming the key and the rule it
/// breaks. A key is 1 to kMaxKeyLength bytes of '/'-separated segments; each segment is 1 to
/// kMaxKeySegmentLength bytes, does not start with '.' (so neither "." nor ".." nor the
/// store's hidden files), and holds no NUL, backslash or other control character. No leading,
/// trailing or doubled '/'. "_runs/1.json" and "daily/BRK-B.parquet" are keys; "/a", "a//b",
/// "a/../b", "a/.tmp", "a\\b" are not.
Status ValidateKey(std::string_view key);

/// OK when `prefix` may be passed to ObjectStore::List: empty, or a key, or a key followed by
/// '/', or a key followed by '/' and the beginning of a segment ("daily/AA"). kInvalidArgument
/// otherwise.
Status ValidateKeyPrefix(std::string_view prefix);

/// `text` in single quotes with control characters escaped ("\x0a"), for messages: a key or
/// other text from outside cannot forge a message line. Never for a credential.
std::string QuoteForMessage(std::string_view text);

/// One stored object, as List reports it.
struct ObjectInfo {
  std::string key;    ///< The object's key.
  uint64_t size = 0;  ///< Its length in bytes.

  friend bool operator==(const ObjectInfo&, const ObjectInfo&) = default;
};

class ObjectStore;

/// A local file being written, to be published under `key()` by ObjectStore::Commit in one
/// atomic step. Writers (our own code, DuckDB's COPY) create and fill `local_path()`. It lives
/// in a scratch directory of its own, so that a writer's own temporary files (DuckDB writes
/// `tmp_<name>` beside its target and renames it) stay out of sight too. Move-only; when
/// destroyed, the scratch directory and everything in it is removed: a staged object that is
/// never committed leaves nothing behind.
class StagedObject {
 public:
  /// For ObjectStore implementations: `scratch_dir` is a directory created for this object
  /// alone and `local_path` a file inside it; `store` is the store that will commit it.
  StagedObject(const ObjectStore* store, std::string key, std::filesystem::path local_path,
               std::filesystem::path scratch_dir);
  StagedObject(StagedObject&& other) noexcept;
  StagedObject& operator=(StagedObject&& other) noexcept;
  StagedObject(const StagedObject&) = delete;
  StagedObject& operator=(const StagedObject&) = delete;
  /// Removes the scratch directory with whatever is still in it (logged if that fails).
  ~StagedObject();

  /// The key the object will have once committed.
  const std::string& key() const { return key_; }
  /// The file to write. It does not exist until a writer creates it.
  const std::filesystem::path& local_path() const { return local_path_; }
  /// The directory holding local_path(), removed on destruction; empty once moved from.
  const std::filesystem::path& scratch_dir() const { return scratch_dir_; }
  /// The store that staged it; nullptr once moved from.
  const ObjectStore* store() const { return store_; }

 private:
  void RemoveScratch() noexcept;

  const ObjectStore* store_ = nullptr;
  std::string key_;
  std::filesystem::path local_path_;
  std::filesystem::path scratch_dir_;
};

/// An exclusive lock on a store, held by one run at a time (ObjectStore::Lock). Move-only;
/// released by its destructor or Release(), and by the operating system if the process dies.
class StoreLock {
 public:
  /// What a store keeps while its lock is held (an open file, a lease); its destructor
  /// releases the lock.
  class Holder {
   public:
    virtual ~Holder() = default;
  };

  /// A lock that is not held.
  StoreLock() = default;
  /// For ObjectStore implementations: holds `holder` until released.
  explicit StoreLock(std::unique_ptr<Holder> holder) : holder_(std::move(holder)) {}
  StoreLock(StoreLock&&) noexcept = default;
  StoreLock& operator=(StoreLock&&) noexcept = default;
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  ~StoreLock() = default;

  /// True until released or moved from.
  bool held() const { return holder_ != nullptr; }
  /// Releases the lock now; nothing happens if it is not held.
  void Release() { holder_.reset(); }

 private:
  std::unique_ptr<Holder> holder_;
};

/// For ObjectStore implementations' Commit: OK when `staged` was staged by `store` and its
/// local_path() is a regular file; kInvalidArgument for another store's object,
/// kFailedPrecondition when nothing was written, kIoError when it cannot be inspected.
Status CheckStagedObject(const ObjectStore& store, const StagedObject& staged);

/// A store of objects under keys (see the top of this file).
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  /// Where the store is, for messages: "/abs/data" or "s3://bucket/prefix".
  virtual std::string Describe() const = 0;

  /// The objects whose keys start with `prefix` (ValidateKeyPrefix), sorted by key in byte
  /// order (as S3 lists). Prefix matching is by string, as on S3: "daily/" lists the objects
  /// in daily/ and below it, "daily/A" those of them whose key continues with 'A', "" every
  /// object. Temporaries, the lock file and anything else not addressable by a key are never
  /// listed.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;

  /// The object's bytes; kNotFound when there is no object under `key`, kInvalidArgument for
  /// an invalid key, kIoError when it cannot be read.
  virtual Result<std::string> Get(std::string_view key) = 0;

  /// Stores `bytes` under `key`, atomically replacing any object there.
  virtual Status Put(std::string_view key, std::string_view bytes) = 0;

  /// A local file to write the object for `key` into; Commit publishes it.
  virtual Result<StagedObject> Stage(std::string_view key) = 0;

  /// Publishes a staged object under its key in one atomic step, replacing any object there.
  /// kFailedPrecondition when nothing was written to its local_path(); kInvalidArgument when it
  /// was staged by another store. The scratch files go whatever the outcome.
  virtual Status Commit(StagedObject staged) = 0;

  /// Publishes many staged objects, each atomically, at the cost of about one Commit: a store
  /// can make all their data durable with one flush before it renames them. Stops at the first
  /// failure; objects before it are published, those after it are not (their scratch files
  /// go). The default commits them one by one.
  virtual Status CommitAll(std::vector<StagedObject> staged) {
    for (StagedObject& object : staged) {
      if (Status status = Commit(std::move(object)); !status.ok()) return status;
    }
    return Status::Ok();
  }

  /// Deletes the object under `key`; OK when there is none.
  virtual Status Remove(std::string_view key) = 0;

  /// Where a local reader (DuckDB's read_parquet) can open the object for `key` directly;
  /// nullopt for remote stores and for invalid keys, whose callers read through Get (which
  /// reports an invalid key). The file need not exist.
  virtual std::optional<std::filesystem::path> LocalPath(std::string_view key) const = 0;

  /// A local file holding the object's current bytes, for readers that need a path (DuckDB):
  /// the object's own file in a local store, an up-to-date cached copy in a remote one
  /// (downloaded only when the cache lacks it or holds an older version). kNotFound when there
  /// is no object under `key`. The file must not be modified; it stays valid until this
  /// process changes the object.
  virtual Result<std::filesystem::path> ReadablePath(std::string_view key) = 0;

  /// ReadablePath for many keys, in their order; a remote store fetches them concurrently.
  /// Fails with the first key's error that is not kNotFound; a missing object's path is
  /// empty.
  virtual Result<std::vector<std::filesystem::path>> ReadablePaths(
      const std::vector<std::string>& keys) {
    std::vector<std::filesystem::path> paths;
    paths.reserve(keys.size());
    for (const std::string& key : keys) {
      Result<std::filesystem::path> path = ReadablePath(key);
      if (!path.ok() && path.status().code() != ErrorCode::kNotFound) return path.status();
      paths.push_back(path.ok() ? std::move(*path) : std::filesystem::path());
    }
    return paths;
  }

  /// A local directory DIR in which DIR/<key> holds the current bytes of every object whose
  /// key starts with `prefix` and no file under `prefix` names an object that is gone: a local
  /// store's own root; a remote store's cache, brought up to date. For readers that glob
  /// (`tickerflow query`'s views over daily/*.parquet).
  virtual Result<std::filesystem::path> LocalMirror(std::string_view prefix) = 0;

  /// Takes the store's exclusive lock for one run, described by `holder_description` (e.g.
  /// the command line) to anyone who finds it taken. kFailedPrecondition, with the holder's
  /// pid, start time and description, when another run (in this process or any other) holds
  /// it.
  virtual Result<StoreLock> Lock(std::string_view holder_description) = 0;
};

}  // namespace tickerflow::storage
