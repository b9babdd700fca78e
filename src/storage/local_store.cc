#include "storage/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <system_error>
#include <thread>
#include <utility>
#include <variant>

#include "common/log.h"
#include "common/unique_fd.h"

namespace tickerflow::storage {
namespace {

namespace fs = std::filesystem;

// The system's reason for `error` (an errno value).
std::string Reason(int error) { return std::generic_category().message(error); }

// A failed system call on `path`, as kIoError: what we tried, where, and the system's reason.
Status IoError(std::string_view action, const fs::path& path, int error) {
  return Status::Error(ErrorCode::kIoError,
                       fmt::format("cannot {} {}: {}", action, path.string(), Reason(error)));
}

// An open directory being read, closed on destruction.
class Directory {
 public:
  // Opens the directory `name` under the directory `parent_fd` (or an absolute/cwd-relative
  // `name` when parent_fd is AT_FDCWD); a symbolic link at `name` is followed only if
  // `follow_link`. The errno value on failure.
  static std::variant<Directory, int> Open(int parent_fd, const char* name,
                                           bool follow_link = false) {
    UniqueFd fd(::openat(parent_fd, name,
                         O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow_link ? 0 : O_NOFOLLOW)));
    if (!fd.valid()) return errno;
    DIR* dir = ::fdopendir(fd.get());
    if (dir == nullptr) return errno;
    fd.Release();
    return Directory(dir);
  }

  Directory(Directory&& other) noexcept : dir_(std::exchange(other.dir_, nullptr)) {}
  Directory& operator=(Directory&& other) noexcept {
    if (this != &other) {
      if (dir_ != nullptr) ::closedir(dir_);
      dir_ = std::exchange(other.dir_, nullptr);
    }
    return *this;
  }
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;
  ~Directory() {
    if (dir_ != nullptr) ::closedir(dir_);
  }

  int fd() const { return ::dirfd(dir_); }

  // The next entry other than "." and "..", nullptr at the end; `error` gets the errno value
  // of a failed read (0 otherwise).
  const dirent* Next(int& error) {
    while (true) {
      errno = 0;
      const dirent* entry = ::readdir(dir_);
      error = entry == nullptr ? errno : 0;
      if (entry == nullptr) return nullptr;
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") return entry;
    }
  }

 private:
  explicit Directory(DIR* dir) : dir_(dir) {}

  DIR* dir_ = nullptr;
};

// fsync of a directory, so that the names created, renamed or removed in it survive a crash.
Status SyncDirectory(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return IoError("open directory", path, errno);
  if (::fsync(fd.get()) != 0) return IoError("flush directory", path, errno);
  return Status::Ok();
}

// Whether `name` is one of our temporaries, `.<name>.tmp-<pid>-<n>`, and nothing else: the
// cleanup must never delete a file a person put there.
bool IsTemporaryName(std::string_view name) {
  const auto all_digits = [](std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (name.size() < 2 || name.front() != '.') return false;
  const size_t last_dash = name.rfind('-');
  if (last_dash == std::string_view::npos || !all_digits(name.substr(last_dash + 1))) {
    return false;
  }
  constexpr std::string_view kMarker = ".tmp-";
  const size_t marker = name.rfind(kMarker, last_dash);
  if (marker == std::string_view::npos || marker < 2) return false;  // ".x" at least before it
  return all_digits(name.substr(marker + kMarker.size(), last_dash - marker - kMarker.size()));
}

// "2026-11-26T01:02:03Z".
std::string UtcTimestamp(std::time_t time) {
  std::tm utc{};
  ::gmtime_r(&time, &utc);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", utc);
}

// What the lock file says about the run that holds the lock, for the message of the run that
// cannot take it: "pid 12, started 2026-11-26T01:02:03Z: tickerflow run".
std::string DescribeHolder(std::string_view lock_file_text) {
  const nlohmann::json holder =
      nlohmann::json::parse(lock_file_text, nullptr, /*allow_exceptions=*/false);
  if (!holder.is_object() || !holder.contains("pid") || !holder["pid"].is_number_integer()) {
    return "";
  }
  std::string description = fmt::format("pid {}", holder["pid"].get<int64_t>());
  if (holder.contains("started") && holder["started"].is_string()) {
    description += fmt::format(", started {}", holder["started"].get<std::string>());
  }
  if (holder.contains("holder") && holder["holder"].is_string()) {
    description += fmt::format(": {}", holder["holder"].get<std::string>());
  }
  return description;
}

// Reads the whole file behind `fd` from offset 0, expecting about `size_hint` bytes; the errno
// value on failure.
std::variant<std::string, int> ReadAll(int fd, size_t size_hint = 0) {
  std::string text;
  text.reserve(size_hint);
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(text.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return text;
    text.append(buffer, static_cast<size_t>(n));
  }
}

// Writes all of `bytes` to `fd`; the errno value on failure, 0 on success.
int WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// Keeps the lock file open, and so the flock() on it, until destroyed.
class LocalLockHolder final : public StoreLock::Holder {
 public:
  LocalLockHolder(UniqueFd fd, fs::path path) : fd_(std::move(fd)), path_(std::move(path)) {}
  LocalLockHolder(const LocalLockHolder&) = delete;
  LocalLockHolder& operator=(const LocalLockHolder&) = delete;
  ~LocalLockHolder() override {
    // Emptied while still locked, so that the file never names a run that has finished.
    // The lock itself goes with the descriptor; the file stays, because deleting it would let
    // a newcomer lock a new file while an old-timer still holds the deleted one.
    if (::ftruncate(fd_.get(), 0) != 0) {
      TF_LOG_WARN("cannot empty lock file {}: {}", path_.string(), Reason(errno));
    }
    TF_LOG_DEBUG("released lock {}", path_.string());
  }

 private:
  UniqueFd fd_;
  fs::path path_;
};

}  // namespace

Result<std::unique_ptr<LocalStore>> LocalStore::Open(const fs::path& root) {
  if (root.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument, "the storage root directory is empty");
  }
  std::error_code error;
  fs::path absolute = fs::absolute(root, error).lexically_normal();
  if (error) {
    return Status::Error(ErrorCode::kIoError, fmt::format("cannot resolve storage root {}: {}",
                                                          root.string(), error.message()));
  }
  // "/data/" and "/data" are the same root; the first would print with a trailing slash.
  if (!absolute.has_filename() && absolute.has_relative_path()) absolute = absolute.parent_path();

  struct stat info {};
  if (::stat(absolute.c_str(), &info) == 0) {
    if (!S_ISDIR(info.st_mode)) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("storage root {} exists but is not a directory; choose "
                                       "a directory",
                                       absolute.string()));
    }
  } else if (errno == ENOTDIR) {
    return Status::Error(
        ErrorCode::kInvalidArgument,
        fmt::format("storage root {} is below a file, not a directory", absolute.string()));
  } else if (errno != ENOENT) {
    return IoError("open storage root", absolute, errno);
  } else {
    fs::create_directories(absolute, error);
    if (error) {
      return Status::Error(ErrorCode::kIoError, fmt::format("cannot create storage root {}: {}",
                                                            absolute.string(), error.message()));
    }
    TF_LOG_INFO("created storage directory {}", absolute.string());
  }
  return std::make_unique<LocalStore>(OpenTag{}, std::move(absolute));
}

LocalStore::LocalStore(OpenTag /*tag*/, fs::path root) : root_(std::move(root)) {}

std::string LocalStore::Describe() const { return root_.string(); }

fs::path LocalStore::PathOf(std::string_view key) const { return root_ / fs::path(key); }

std::optional<fs::path> LocalStore::LocalPath(std::string_view key) const {
  if (!ValidateKey(key).ok()) return std::nullopt;
  return PathOf(key);
}

Result<fs::path> LocalStore::ReadablePath(std::string_view key) {
  TF_RETURN_IF_ERROR(ValidateKey(key));
  fs::path path = PathOf(key);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return Status::Error(ErrorCode::kNotFound,
                           fmt::format("no object '{}' in {}", key, Describe()));
    }
    return IoError("inspect", path, errno);
  }
  if (!S_ISREG(info.st_mode)) {
    return Status::Error(
        ErrorCode::kNotFound,
        fmt::format("no object '{}' in {} ({} is not a file)", key, Describe(), path.string()));
  }
  return path;
}

Result<fs::path> LocalStore::LocalMirror(std::string_view prefix) {
  TF_RETURN_IF_ERROR(ValidateKeyPrefix(prefix));
  return root_;
}

Status LocalStore::CreateParents(std::string_view key) {
  const size_t last_slash = key.rfind('/');
  if (last_slash == std::string_view::npos) return Status::Ok();
  struct stat info {};
  // The common case (daily/ exists) costs one stat.
  if (::stat(PathOf(key.substr(0, last_slash)).c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return Status::Ok();
  }
  size_t slash = key.find('/');
  while (slash != std::string_view::npos) {
    const fs::path directory = PathOf(key.substr(0, slash));
    if (::mkdir(directory.c_str(), 0777) == 0) {
      // The new name must reach the disk before objects inside it are reported written.
      TF_RETURN_IF_ERROR(SyncDirectory(directory.parent_path()));
    } else if (errno == EEXIST) {
      if (::stat(directory.c_str(), &info) != 0) return IoError("inspect", directory, errno);
      if (!S_ISDIR(info.st_mode)) {
        return Status::Error(
            ErrorCode::kInvalidArgument,
            fmt::format("cannot store object '{}' in {}: '{}' is an object, not a directory", key,
                        Describe(), key.substr(0, slash)));
      }
    } else {
      return IoError("create directory", directory, errno);
    }
    slash = key.find('/', slash + 1);
  }
  return Status::Ok();
}

Result<StagedObject> LocalStore::Stage(std::string_view key) {
  TF_RETURN_IF_ERROR(ValidateKey(key));
  TF_RETURN_IF_ERROR(CreateParents(key));
  const fs::path destination = PathOf(key);
  const std::string name = destination.filename().string();
  while (true) {
    const fs::path scratch =
        destination.parent_path() /
        fmt::format(".{}.tmp-{}-{}", name, ::getpid(), next_temporary_.fetch_add(1));
    if (::mkdir(scratch.c_str(), 0700) == 0) {
      return StagedObject(this, std::string(key), scratch / name, scratch);
    }
    // A directory of a dead process that had our pid: take the next number.
    if (errno != EEXIST) return IoError("create temporary directory", scratch, errno);
  }
}

Status LocalStore::Publish(const StagedObject& staged) {
  TF_RETURN_IF_ERROR(Rename(staged));
  return SyncDirectory(PathOf(staged.key()).parent_path());
}

Status LocalStore::Put(std::string_view key, std::string_view bytes) {
  TF_ASSIGN_OR_RETURN(const StagedObject staged, Stage(key));
  const fs::path& path = staged.local_path();
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (!fd.valid()) return IoError("create", path, errno);
  if (const int error = WriteAll(fd.get(), bytes); error != 0) {
    return IoError("write", path, error);
  }
  // Data on disk before the rename: otherwise a crash soon after could leave the key naming a
  // file whose blocks were never written.
  if (::fsync(fd.get()) != 0) return IoError("flush", path, errno);
  if (const int error = fd.Close(); error != 0) return IoError("write", path, error);
  return Publish(staged);
}

Status LocalStore::Commit(StagedObject staged) {
  TF_RETURN_IF_ERROR(CheckStagedObject(*this, staged));
  const fs::path& path = staged.local_path();
  // The writer (DuckDB, say) closed the file but did not necessarily flush it to disk; fsync on
  // any descriptor of the file does.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return IoError("open", path, errno);
  if (::fsync(fd.get()) != 0) return IoError("flush", path, errno);
  fd = UniqueFd();
  // On return `staged` goes out of scope and removes its scratch directory, by then empty
  // unless the writer left files of its own there.
  return Publish(staged);
}

Status LocalStore::Rename(const StagedObject& staged) {
  const fs::path destination = PathOf(staged.key());
  if (::rename(staged.local_path().c_str(), destination.c_str()) != 0) {
    const int error = errno;
    if (error == EISDIR || error == ENOTEMPTY || error == EEXIST) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("cannot store object '{}' in {}: {} is a directory",
                                       staged.key(), Describe(), destination.string()));
    }
    return Status::Error(ErrorCode::kIoError,
                         fmt::format("cannot rename {} to {}: {}", staged.local_path().string(),
                                     destination.string(), Reason(error)));
  }
  return Status::Ok();
}

Status LocalStore::CommitAll(std::vector<StagedObject> staged) {
  if (staged.empty()) return Status::Ok();
  for (const StagedObject& object : staged) TF_RETURN_IF_ERROR(CheckStagedObject(*this, object));
  // Every staged file's data on disk before any rename, as Commit does per file.
  UniqueFd root(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return IoError("open", root_, errno);
  if (::syncfs(root.get()) != 0) return IoError("flush the file system of", root_, errno);
  std::vector<fs::path> directories;
  for (const StagedObject& object : staged) {
    TF_RETURN_IF_ERROR(Rename(object));
    fs::path directory = PathOf(object.key()).parent_path();
    if (std::find(directories.begin(), directories.end(), directory) == directories.end()) {
      directories.push_back(std::move(directory));
    }
  }
  for (const fs::path& directory : directories) TF_RETURN_IF_ERROR(SyncDirectory(directory));
  return Status::Ok();
}

Result<std::string> LocalStore::Get(std::string_view key) {
  TF_RETURN_IF_ERROR(ValidateKey(key));
  const fs::path path = PathOf(key);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return Status::Error(ErrorCode::kNotFound,
                           fmt::format("no object '{}' in {}", key, Describe()));
    }
    return IoError("open", path, errno);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return IoError("inspect", path, errno);
  if (!S_ISREG(info.st_mode)) {
    return Status::Error(
        ErrorCode::kNotFound,
        fmt::format("no object '{}' in {} ({} is not a file)", key, Describe(), path.string()));
  }
  std::variant<std::string, int> bytes = ReadAll(fd.get(), static_cast<size_t>(info.st_size));
  if (const int* error = std::get_if<int>(&bytes)) return IoError("read", path, *error);
  return std::get<std::string>(std::move(bytes));
}

Status LocalStore::Remove(std::string_view key) {
  TF_RETURN_IF_ERROR(ValidateKey(key));
  const fs::path path = PathOf(key);
  if (::unlink(path.c_str()) != 0) {
    // No object under the key: a missing file, a missing parent, or a directory.
    if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return Status::Ok();
    return IoError("remove", path, errno);
  }
  return SyncDirectory(path.parent_path());
}

namespace {

// Appends to `out` the objects under the open directory `dir`, whose keys start with
// `key_prefix` (the directory's own key followed by '/', or empty for the root), keeping only
// entries of `dir` whose names start with `name_prefix`.
Status ListDirectory(Directory dir, const fs::path& path, const std::string& key_prefix,
                     std::string_view name_prefix, std::vector<ObjectInfo>& out) {
  while (true) {
    int error = 0;
    const dirent* entry = dir.Next(error);
    if (entry == nullptr) {
      if (error != 0) return IoError("read directory", path, error);
      return Status::Ok();
    }
    const std::string_view name = entry->d_name;
    // Hidden names are the store's own (temporaries, lock file); names no key can address
    // (backslashes, control characters) are not objects either.
    if (name.front() == '.' || !name.starts_with(name_prefix)) continue;
    std::string key = key_prefix;
    key += name;
    if (!ValidateKey(key).ok()) continue;

    bool is_directory = entry->d_type == DT_DIR;
    if (!is_directory) {
      struct stat info {};
      if (::fstatat(dir.fd(), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;  // Removed since readdir saw it.
        return IoError("inspect", path / name, errno);
      }
      if (S_ISREG(info.st_mode)) {
        out.push_back({std::move(key), static_cast<uint64_t>(info.st_size)});
        continue;
      }
      is_directory = S_ISDIR(info.st_mode);
    }
    if (!is_directory) continue;  // Symbolic links, sockets and the like are not objects.
    std::variant<Directory, int> child = Directory::Open(dir.fd(), entry->d_name);
    if (const int* open_error = std::get_if<int>(&child)) {
      if (*open_error == ENOENT || *open_error == ENOTDIR || *open_error == ELOOP) continue;
      return IoError("open directory", path / name, *open_error);
    }
    key += '/';
    TF_RETURN_IF_ERROR(
        ListDirectory(std::get<Directory>(std::move(child)), path / name, key, "", out));
  }
}

// Deletes the temporaries in the open directory `dir` and below it; counts them in `removed`.
Status RemoveTemporaries(Directory dir, const fs::path& path, int64_t& removed) {
  while (true) {
    int error = 0;
    const dirent* entry = dir.Next(error);
    if (entry == nullptr) {
      if (error != 0) return IoError("read directory", path, error);
      return Status::Ok();
    }
    const std::string_view name = entry->d_name;
    if (IsTemporaryName(name)) {
      std::error_code remove_error;
      fs::remove_all(path / name, remove_error);
      if (remove_error) {
        return Status::Error(ErrorCode::kIoError,
                             fmt::format("cannot remove temporary {}: {}", (path / name).string(),
                                         remove_error.message()));
      }
      ++removed;
      continue;
    }
    // Temporaries sit beside objects, so only the directories keys can reach need a look;
    // d_type spares an open() per file on the file systems that report it.
    if (name.front() == '.' || (entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN)) {
      continue;
    }
    std::variant<Directory, int> child = Directory::Open(dir.fd(), entry->d_name);
    if (const int* open_error = std::get_if<int>(&child)) {
      // Files, symbolic links and directories removed meanwhile.
      if (*open_error == ENOTDIR || *open_error == ELOOP || *open_error == ENOENT) continue;
      return IoError("open directory", path / name, *open_error);
    }
    TF_RETURN_IF_ERROR(
        RemoveTemporaries(std::get<Directory>(std::move(child)), path / name, removed));
  }
}

}  // namespace

Result<std::vector<ObjectInfo>> LocalStore::List(std::string_view prefix) {
  TF_RETURN_IF_ERROR(ValidateKeyPrefix(prefix));
  // Only the directory named by the prefix's complete segments can hold matching keys.
  const size_t last_slash = prefix.rfind('/');
  const std::string key_prefix(
      prefix.substr(0, last_slash == std::string_view::npos ? 0 : last_slash + 1));
  const std::string_view name_prefix = prefix.substr(key_prefix.size());
  fs::path directory = root_;
  std::vector<ObjectInfo> objects;
  // The root may be a symbolic link (the user chose it); links below it are not followed, here
  // as in ListDirectory, so that the same objects are listed whatever the prefix.
  std::variant<Directory, int> opened =
      Directory::Open(AT_FDCWD, root_.c_str(), /*follow_link=*/true);
  size_t start = 0;
  while (true) {
    if (const int* error = std::get_if<int>(&opened)) {
      // No such directory (or an object where it would be): no keys with this prefix.
      if (start > 0 && (*error == ENOENT || *error == ENOTDIR || *error == ELOOP)) {
        return objects;
      }
      return IoError("open directory", directory, *error);
    }
    const size_t slash = key_prefix.find('/', start);
    if (slash == std::string::npos) break;
    const std::string segment = key_prefix.substr(start, slash - start);
    directory /= segment;
    opened = Directory::Open(std::get<Directory>(opened).fd(), segment.c_str());
    start = slash + 1;
  }
  TF_RETURN_IF_ERROR(ListDirectory(std::get<Directory>(std::move(opened)), directory, key_prefix,
                                   name_prefix, objects));
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

Result<int64_t> LocalStore::RemoveStaleTemporaries() {
  std::variant<Directory, int> opened =
      Directory::Open(AT_FDCWD, root_.c_str(), /*follow_link=*/true);
  if (const int* error = std::get_if<int>(&opened)) {
    return IoError("open directory", root_, *error);
  }
  int64_t removed = 0;
  TF_RETURN_IF_ERROR(RemoveTemporaries(std::get<Directory>(std::move(opened)), root_, removed));
  if (removed > 0) {
    TF_LOG_INFO("removed {} temporary file(s) left in {} by an interrupted run", removed,
                Describe());
  }
  return removed;
}

Result<StoreLock> LocalStore::Lock(std::string_view holder_description) {
  const fs::path path = root_ / kLockFileName;
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return IoError("open lock file", path, errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) return IoError("lock", path, errno);
    // The holder writes its details just after locking; give it a moment if they are not
    // there yet.
    std::string holder;
    for (int attempt = 0; attempt < 20 && holder.empty(); ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::variant<std::string, int> text = ReadAll(fd.get());
      if (const std::string* content = std::get_if<std::string>(&text)) {
        holder = DescribeHolder(*content);
      }
    }
    if (holder.empty()) holder = fmt::format("details unavailable in {}", path.string());
    return Status::Error(ErrorCode::kFailedPrecondition,
                         fmt::format("another tickerflow run ({}) is using {}; wait for it to "
                                     "finish or stop it",
                                     holder, Describe()));
  }
  nlohmann::json holder = {
      {"pid", static_cast<int64_t>(::getpid())},
      {"started", UtcTimestamp(std::time(nullptr))},
      {"holder", std::string(holder_description)},
  };
  // Replacement characters rather than an exception for a description that is not UTF-8.
  const std::string text = holder.dump(/*indent=*/-1, /*indent_char=*/' ', /*ensure_ascii=*/false,
                                       nlohmann::json::error_handler_t::replace) +
                           "\n";
  if (::ftruncate(fd.get(), 0) != 0) return IoError("write lock file", path, errno);
  const ssize_t written = ::pwrite(fd.get(), text.data(), text.size(), 0);
  if (written != static_cast<ssize_t>(text.size())) {
    return IoError("write lock file", path, written < 0 ? errno : ENOSPC);
  }
  TF_RETURN_IF_ERROR(RemoveStaleTemporaries().status());
  TF_LOG_DEBUG("locked {}", path.string());
  return StoreLock(std::make_unique<LocalLockHolder>(std::move(fd), path));
}

}  // namespace tickerflow::storage
