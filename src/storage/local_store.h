// An ObjectStore kept as files under a local directory: the key "daily/AAPL.parquet" is the
// file <root>/daily/AAPL.parquet, so DuckDB and any other tool read the objects in place.
//
//   TF_ASSIGN_OR_RETURN(std::unique_ptr<LocalStore> store, LocalStore::Open("data"));
//   TF_ASSIGN_OR_RETURN(StoreLock lock, store->Lock("tickerflow run"));  // also tidies up
//   TF_RETURN_IF_ERROR(store->Put("universe.json", text));
//   std::optional<std::filesystem::path> path = store->LocalPath("daily/AAPL.parquet");
//
// Atomic writes: the new content is written to a file inside a hidden scratch directory
// `.<name>.tmp-<pid>-<n>/` beside the destination, flushed to disk (fsync), renamed over the
// destination, and the directory entry flushed too. A crash at any moment leaves the old file
// or the complete new one; the scratch directory it may leave behind is hidden from List and
// deleted by the next Lock (RemoveStaleTemporaries).
//
// The lock is flock() on <root>/.tickerflow.lock, which the kernel releases when the process
// ends however it ends (kill -9 included); the file records who holds it, for the message the
// next locker gets. It works between processes on one machine; over NFS, flock is only as good
// as the server's lock support.
//
// Directories are created as keys need them and left in place when their objects are
// removed; List never reports them. Symbolic links under the root are not followed by List.
//
// Error codes: invalid keys kInvalidArgument; a key that names a directory, or whose parent is
// an object, kInvalidArgument; a missing object kNotFound; every failing system call (disk
// full, I/O error, permissions) kIoError with the path and the system's reason.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"

namespace tickerflow::storage {

/// The store's lock file, directly under the root (hidden from List by its leading '.').
inline constexpr std::string_view kLockFileName = ".tickerflow.lock";

/// An ObjectStore in a local directory. Thread-safe.
class LocalStore final : public ObjectStore {
  // Lets only Open construct, while std::make_unique can still call the constructor.
  struct OpenTag {
    explicit OpenTag() = default;
  };

 public:
  /// Opens the store rooted at `root` (made absolute), creating the directory and its parents
  /// when missing. kInvalidArgument when `root` is empty or exists but is not a directory;
  /// kIoError when it cannot be created.
  static Result<std::unique_ptr<LocalStore>> Open(const std::filesystem::path& root);

  /// For Open only (it cannot be called without its private tag).
  LocalStore(OpenTag tag, std::filesystem::path root);
  LocalStore(const LocalStore&) = delete;
  LocalStore& operator=(const LocalStore&) = delete;
  ~LocalStore() override = default;

  /// The absolute root directory.
  const std::filesystem::path& root() const { return root_; }

  /// The root directory, e.g. "/srv/data".
  std::string Describe() const override;
  /// See ObjectStore::List. One readdir per directory that can hold matching keys.
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  /// See ObjectStore::Get.
  Result<std::string> Get(std::string_view key) override;
  /// See ObjectStore::Put; creates the parent directories.
  Status Put(std::string_view key, std::string_view bytes) override;
  /// See ObjectStore::Stage; creates the parent directories and the scratch directory.
  Result<StagedObject> Stage(std::string_view key) override;
  /// See ObjectStore::Commit: fsync of the file, rename over <root>/<key>, fsync of the
  /// directory.
  Status Commit(StagedObject staged) override;
  /// See ObjectStore::CommitAll: one syncfs(2) of the file system flushes every staged file
  /// (fsync of each costs ~9 ms on a virtual disk, which would dominate a 9,000-file run), then
  /// each is renamed into place and each directory written to is fsynced once.
  Status CommitAll(std::vector<StagedObject> staged) override;
  /// See ObjectStore::Remove; the removal is flushed to disk.
  Status Remove(std::string_view key) override;
  /// <root>/<key>; nullopt for an invalid key.
  std::optional<std::filesystem::path> LocalPath(std::string_view key) const override;
  /// The object's own file; kNotFound when there is none.
  Result<std::filesystem::path> ReadablePath(std::string_view key) override;
  /// The store's root: its files are the objects.
  Result<std::filesystem::path> LocalMirror(std::string_view prefix) override;
  /// See ObjectStore::Lock. On success, also removes the temporaries that killed processes
  /// left behind (RemoveStaleTemporaries) before returning.
  Result<StoreLock> Lock(std::string_view holder_description) override;

  /// Deletes every temporary file or scratch directory (named `.<name>.tmp-<pid>-<n>`) under
  /// the root, and returns how many it deleted. Only safe while holding the lock and with no
  /// StagedObject of this process outstanding, since it cannot tell a dead writer's files from
  /// a live one's; Lock calls it at the right moment.
  Result<int64_t> RemoveStaleTemporaries();

 private:
  // <root>/<key> for a key that passed ValidateKey.
  std::filesystem::path PathOf(std::string_view key) const;
  // Creates the directories above <root>/<key> that are missing.
  Status CreateParents(std::string_view key);
  // Renames the file of `staged` over its destination and flushes the directory; the file's
  // data must already be on disk.
  Status Publish(const StagedObject& staged);
  // Renames `staged` into place without syncing its directory.
  Status Rename(const StagedObject& staged);

  std::filesystem::path root_;
  // Numbers the temporaries this process creates; with the pid, makes their names unique.
  std::atomic<uint64_t> next_temporary_{0};
};

}  // namespace tickerflow::storage
