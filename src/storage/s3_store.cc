#include "storage/s3_store.h"

#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <system_error>
#include <thread>

#include "common/log.h"
#include "common/unique_fd.h"

namespace tickerflow::storage {
namespace fs = std::filesystem;
namespace {

// The lock object's name under the prefix; hidden from List like every name starting with '.'.
constexpr std::string_view kLockName = ".tickerflow-lock";
// The cache's own directories, hidden from globs and from LocalMirror's cleanup.
constexpr std::string_view kEtagDirectory = ".etags";
constexpr std::string_view kStagingDirectory = ".staging";

Status CacheError(std::string_view what, const fs::path& path, const std::error_code& error) {
  return Status::Error(ErrorCode::kIoError, fmt::format("S3 cache: cannot {} {}: {}", what,
                                                        path.string(), error.message()));
}

// Writes `bytes` to a new file at `path` (which must not exist).
Status WriteNewFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    return Status::Error(ErrorCode::kIoError,
                         fmt::format("S3 cache: cannot write {}", path.string()));
  }
  return Status::Ok();
}

// The whole of a small file (an ETag); empty when it cannot be read.
std::string ReadSmallFile(const fs::path& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return {};
  std::string text;
  char buffer[512];
  ssize_t n = 0;
  while ((n = ::read(fd.get(), buffer, sizeof(buffer))) > 0) {
    text.append(buffer, static_cast<size_t>(n));
  }
  return n < 0 ? std::string() : text;
}

// Runs `task(i)` for i in [0, count) on up to `threads` threads; returns the statuses in order.
std::vector<Status> RunConcurrently(size_t count, int threads,
                                    const std::function<Status(size_t)>& task) {
  std::vector<Status> statuses(count, Status::Ok());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) statuses[i] = task(i);
  };
  const size_t pool = std::min<size_t>(count, static_cast<size_t>(std::max(threads, 1)));
  std::vector<std::thread> workers;
  for (size_t t = 1; t < pool; ++t) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
  return statuses;
}

std::string Hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

bool ProcessAlive(int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatUnix(int64_t seconds) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(static_cast<std::time_t>(seconds)));
}

std::string RandomToken() {
  std::random_device device;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", device(), device(), device(), device());
}

}  // namespace

fs::path DefaultCacheDirectory() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return fs::path(xdg) / "tickerflow";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return fs::path(home) / ".cache" / "tickerflow";
  }
  return fs::path(fmt::format("/tmp/tickerflow-cache-{}", ::getuid()));
}

// The lock while held: the heartbeat thread, and the release on destruction.
class S3Store::LockHolder final : public StoreLock::Holder {
 public:
  LockHolder(S3Client& client, std::string key, std::string token, nlohmann::json record,
             std::chrono::seconds lease)
      : client_(client),
        key_(std::move(key)),
        token_(std::move(token)),
        record_(std::move(record)),
        lease_(lease) {
    heartbeat_ = std::thread([this] { Beat(); });
  }

  ~LockHolder() override {
    try {
      {
        std::lock_guard lock(mutex_);
        stopping_ = true;
      }
      wake_.notify_all();
      heartbeat_.join();
      // Release only our own lock: after a long stall another run may have taken it over.
      if (OwnsLock()) {
        if (Status status = client_.Delete(key_); !status.ok()) {
          TF_LOG_WARN("could not release the lock {}: {}", client_.Describe(key_),
                      status.message());
        }
      }
    } catch (const std::exception& error) {
      // A lock left behind is taken over once its heartbeat is old; never throw from here.
      TF_LOG_WARN("could not release the lock {}: {}", client_.Describe(key_), error.what());
    }
  }

  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;

 private:
  bool OwnsLock() {
    Result<std::string> current = client_.Get(key_);
    if (!current.ok()) return false;
    const nlohmann::json record = nlohmann::json::parse(*current, nullptr, false);
    return record.is_object() && record.value("token", "") == token_;
  }

  void Beat() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, lease_ / 4, [this] { return stopping_; })) {
      lock.unlock();
      if (!OwnsLock()) {
        TF_LOG_ERROR(
            "the lock {} was taken over by another run; this run's writes may now "
            "race with it",
            client_.Describe(key_));
      } else {
        record_["heartbeat"] = UnixNow();
        const Result<std::string> put = client_.Put(key_, record_.dump());
        if (!put.ok()) {
          TF_LOG_WARN("could not refresh the lock {}: {}", client_.Describe(key_),
                      put.status().message());
        }
      }
      lock.lock();
    }
  }

  S3Client& client_;
  const std::string key_;
  const std::string token_;
  nlohmann::json record_;
  const std::chrono::seconds lease_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

Result<std::unique_ptr<S3Store>> S3Store::Open(S3StoreOptions options) {
  options.client.settings = options.settings;
  options.client.bucket = options.location.bucket;
  // Enough connections for every upload and download in flight.
  options.client.http.max_in_flight =
      std::max(options.client.http.max_in_flight, options.concurrency);
  TF_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, S3Client::Create(options.client));

  // The cache of each store apart: endpoint, bucket and prefix make the path.
  std::string host = options.settings.endpoint.substr(options.settings.endpoint.find("://") + 3);
  std::replace(host.begin(), host.end(), ':', '_');
  fs::path cache_dir = options.cache_dir.empty() ? DefaultCacheDirectory() : options.cache_dir;
  fs::path cache_root = fs::absolute(cache_dir) / "s3" / host / options.location.bucket;
  if (!options.location.prefix.empty()) cache_root /= options.location.prefix;
  std::error_code error;
  fs::create_directories(cache_root / kStagingDirectory, error);
  if (error) return CacheError("create", cache_root, error);

  // One listing call now turns a wrong bucket, key or endpoint into an error at once, not in
  // the middle of a run.
  std::string probe = options.location.prefix.empty() ? "" : options.location.prefix + "/";
  Result<std::vector<S3Object>> listed = client->List(probe, 1, 1);
  if (!listed.ok()) {
    return Status::Error(listed.status().code(),
                         fmt::format("cannot open s3://{}/{}: {}", options.location.bucket,
                                     options.location.prefix, listed.status().message()));
  }
  return std::make_unique<S3Store>(OpenTag{}, std::move(options), std::move(client),
                                   std::move(cache_root));
}

S3Store::S3Store(OpenTag /*tag*/, S3StoreOptions options, std::unique_ptr<S3Client> client,
                 fs::path cache_root)
    : options_(std::move(options)),
      client_(std::move(client)),
      cache_root_(std::move(cache_root)) {}

S3Store::~S3Store() = default;

std::string S3Store::Describe() const {
  return options_.location.prefix.empty()
             ? fmt::format("s3://{}", options_.location.bucket)
             : fmt::format("s3://{}/{}", options_.location.bucket, options_.location.prefix);
}

int64_t S3Store::downloads() const { return downloads_.load(std::memory_order_relaxed); }

std::string S3Store::FullKey(std::string_view key) const {
  if (options_.location.prefix.empty()) return std::string(key);
  return fmt::format("{}/{}", options_.location.prefix, key);
}

fs::path S3Store::CachePath(std::string_view key) const { return cache_root_ / fs::path(key); }

fs::path S3Store::EtagPath(std::string_view key) const {
  return cache_root_ / kEtagDirectory / fs::path(key);
}

std::string S3Store::CachedEtag(std::string_view key) const {
  std::error_code error;
  if (!fs::is_regular_file(CachePath(key), error)) return {};
  return ReadSmallFile(EtagPath(key));
}

std::optional<std::string> S3Store::KnownEtag(std::string_view key) const {
  std::lock_guard lock(mutex_);
  const auto found = known_etags_.find(key);
  if (found == known_etags_.end()) return std::nullopt;
  return found->second;
}

void S3Store::Remember(std::string_view key, std::string etag) {
  std::lock_guard lock(mutex_);
  known_etags_.insert_or_assign(std::string(key), std::move(etag));
}

void S3Store::Forget(std::string_view key) {
  std::lock_guard lock(mutex_);
  if (const auto found = known_etags_.find(key); found != known_etags_.end()) {
    known_etags_.erase(found);
  }
}

Status S3Store::InstallCopy(std::string_view key, const fs::path& file, std::string_view etag) {
  // Two threads installing copies of one key must not pair one's bytes with the other's ETag.
  static std::array<std::mutex, 64> stripes;
  std::lock_guard lock(stripes[std::hash<std::string_view>{}(key) % stripes.size()]);
  const fs::path destination = CachePath(key);
  const fs::path etag_path = EtagPath(key);
  std::error_code error;
  fs::create_directories(destination.parent_path(), error);
  if (error) return CacheError("create", destination.parent_path(), error);
  fs::create_directories(etag_path.parent_path(), error);
  if (error) return CacheError("create", etag_path.parent_path(), error);
  // The ETag goes first and comes back last: a crash in between leaves a copy without an ETag,
  // which is downloaded again, never a copy with the wrong one.
  fs::remove(etag_path, error);
  fs::rename(file, destination, error);
  if (error) return CacheError("move a copy into", destination, error);
  TF_ASSIGN_OR_RETURN(const fs::path scratch, NewScratchDirectory());
  const fs::path temporary = scratch / "etag";
  Status written = WriteNewFile(temporary, etag);
  if (written.ok()) {
    fs::rename(temporary, etag_path, error);
    if (error) written = CacheError("write", etag_path, error);
  }
  fs::remove_all(scratch, error);
  return written;
}

void S3Store::DropCopy(std::string_view key) {
  std::error_code error;
  fs::remove(EtagPath(key), error);
  fs::remove(CachePath(key), error);
}

Result<fs::path> S3Store::NewScratchDirectory() {
  while (true) {
    const fs::path scratch = cache_root_ / kStagingDirectory /
                             fmt::format("{}-{}", ::getpid(), next_scratch_.fetch_add(1));
    std::error_code error;
    if (fs::create_directory(scratch, error)) return scratch;
    // A directory of a dead process that had our pid: take the next number.
    if (error) return CacheError("create", scratch, error);
  }
}

Result<std::vector<ObjectInfo>> S3Store::List(std::string_view prefix) {
  TF_RETURN_IF_ERROR(ValidateKeyPrefix(prefix));
  TF_ASSIGN_OR_RETURN(std::vector<S3Object> objects, client_->List(FullKey(prefix)));
  const size_t strip = options_.location.prefix.empty() ? 0 : options_.location.prefix.size() + 1;
  std::vector<ObjectInfo> listed;
  listed.reserve(objects.size());
  std::lock_guard lock(mutex_);
  for (S3Object& object : objects) {
    std::string key = object.key.substr(std::min(strip, object.key.size()));
    // The lock, and anything else that is not a key of ours (written by other tools), stays
    // out of sight, as in the local store.
    if (!ValidateKey(key).ok()) continue;
    known_etags_.insert_or_assign(key, std::move(object.etag));
    listed.push_back({std::move(key), object.size});
  }
  return listed;
}

Result<std::string> S3Store::Get(std::string_view key) {
  TF_RETURN_IF_ERROR(ValidateKey(key));
  return client_->Get(FullKey(key));
}

Status S3Store::Put(std::string_view key, std::string_view bytes) {
  TF_RETURN_IF_ERROR(ValidateKey(key));
  DropCopy(key);
  TF_ASSIGN_OR_RETURN(std::string etag, client_->Put(FullKey(key), bytes));
  Remember(key, std::move(etag));
  return Status::Ok();
}

Result<StagedObject> S3Store::Stage(std::string_view key) {
  TF_RETURN_IF_ERROR(ValidateKey(key));
  TF_ASSIGN_OR_RETURN(fs::path scratch, NewScratchDirectory());
  fs::path local_path = scratch / fs::path(key).filename();
  return StagedObject(this, std::string(key), std::move(local_path), std::move(scratch));
}

Status S3Store::Upload(const StagedObject& staged) {
  // The cached copy goes first: were the upload to fail after S3 stored the object, a copy
  // of the old bytes must not pass for the new ones.
  DropCopy(staged.key());
  TF_ASSIGN_OR_RETURN(std::string etag,
                      client_->PutFile(FullKey(staged.key()), staged.local_path()));
  if (Status cached = InstallCopy(staged.key(), staged.local_path(), etag); !cached.ok()) {
    TF_LOG_WARN("{} (it will be downloaded when read)", cached.message());
  }
  Remember(staged.key(), std::move(etag));
  return Status::Ok();
}

Status S3Store::Commit(StagedObject staged) {
  TF_RETURN_IF_ERROR(CheckStagedObject(*this, staged));
  return Upload(staged);
}

Status S3Store::CommitAll(std::vector<StagedObject> staged) {
  for (const StagedObject& object : staged) TF_RETURN_IF_ERROR(CheckStagedObject(*this, object));
  const std::vector<Status> statuses = RunConcurrently(staged.size(), options_.concurrency,
                                                       [&](size_t i) { return Upload(staged[i]); });
  for (const Status& status : statuses) {
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

Status S3Store::Remove(std::string_view key) {
  TF_RETURN_IF_ERROR(ValidateKey(key));
  TF_RETURN_IF_ERROR(client_->Delete(FullKey(key)));
  Forget(key);
  DropCopy(key);
  return Status::Ok();
}

std::optional<fs::path> S3Store::LocalPath(std::string_view /*key*/) const { return std::nullopt; }

Result<fs::path> S3Store::ReadablePath(std::string_view key) {
  TF_RETURN_IF_ERROR(ValidateKey(key));
  const std::string cached = CachedEtag(key);
  if (!cached.empty()) {
    if (const std::optional<std::string> known = KnownEtag(key); known && *known == cached) {
      return CachePath(key);
    }
  }
  Result<S3ConditionalGet> answer = client_->GetIfChanged(FullKey(key), cached);
  if (!answer.ok()) {
    if (answer.status().code() == ErrorCode::kNotFound) {
      Forget(key);
      DropCopy(key);
    }
    return answer.status();
  }
  if (!answer->modified) {
    Remember(key, cached);
    return CachePath(key);
  }
  downloads_.fetch_add(1, std::memory_order_relaxed);
  TF_ASSIGN_OR_RETURN(const fs::path scratch, NewScratchDirectory());
  const fs::path file = scratch / "object";
  Status installed = WriteNewFile(file, answer->body);
  if (installed.ok()) installed = InstallCopy(key, file, answer->etag);
  std::error_code error;
  fs::remove_all(scratch, error);
  TF_RETURN_IF_ERROR(installed);
  Remember(key, answer->etag);
  return CachePath(key);
}

Result<std::vector<fs::path>> S3Store::ReadablePaths(const std::vector<std::string>& keys) {
  std::vector<fs::path> paths(keys.size());
  const std::vector<Status> statuses =
      RunConcurrently(keys.size(), options_.concurrency, [&](size_t i) {
        Result<fs::path> path = ReadablePath(keys[i]);
        if (!path.ok())
          return path.status().code() == ErrorCode::kNotFound ? Status::Ok() : path.status();
        paths[i] = std::move(*path);
        return Status::Ok();
      });
  for (const Status& status : statuses) {
    if (!status.ok()) return status;
  }
  return paths;
}

Result<fs::path> S3Store::LocalMirror(std::string_view prefix) {
  TF_ASSIGN_OR_RETURN(const std::vector<ObjectInfo> objects, List(prefix));
  std::vector<std::string> keys;
  keys.reserve(objects.size());
  for (const ObjectInfo& object : objects) keys.push_back(object.key);
  TF_RETURN_IF_ERROR(ReadablePaths(keys).status());
  // Copies of objects deleted since they were cached would otherwise show up in globs.
  const std::set<std::string, std::less<>> present(keys.begin(), keys.end());
  std::error_code error;
  std::vector<std::string> gone;
  for (fs::recursive_directory_iterator it(cache_root_, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with('.')) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    const std::string key = it->path().lexically_relative(cache_root_).generic_string();
    if (key.starts_with(prefix) && !present.contains(key)) gone.push_back(key);
  }
  if (error) return CacheError("list", cache_root_, error);
  for (const std::string& key : gone) {
    Forget(key);
    DropCopy(key);
  }
  return cache_root_;
}

Result<StoreLock> S3Store::Lock(std::string_view holder_description) {
  const std::string key = FullKey(kLockName);
  const std::string host = Hostname();
  Result<std::string> existing = client_->Get(key);
  bool taking_over = false;
  if (existing.ok()) {
    const nlohmann::json holder = nlohmann::json::parse(*existing, nullptr, false);
    const bool readable = holder.is_object();
    const std::string holder_host = readable ? holder.value("host", "") : "";
    const int64_t pid = readable ? holder.value("pid", int64_t{0}) : 0;
    const int64_t heartbeat = readable ? holder.value("heartbeat", int64_t{0}) : 0;
    const int64_t age = UnixNow() - heartbeat;
    std::string stale_reason;
    if (!readable) {
      stale_reason = "it cannot be read";
    } else if (holder_host == host && !ProcessAlive(pid)) {
      stale_reason = fmt::format("its process {} on this host is gone", pid);
    } else if (age > options_.lock_lease.count()) {
      stale_reason = fmt::format("its holder has not refreshed it for {} s", age);
    }
    if (stale_reason.empty()) {
      return Status::Error(
          ErrorCode::kFailedPrecondition,
          fmt::format("{} is locked by another run: pid {} on {}, started {} ({}); wait for it "
                      "to finish (a lock its holder stops refreshing expires after {} s)",
                      Describe(), pid, holder_host, FormatUnix(holder.value("started", int64_t{0})),
                      holder.value("description", ""), options_.lock_lease.count()));
    }
    TF_LOG_WARN("taking over the stale lock of {}: {}", Describe(), stale_reason);
    taking_over = true;
  } else if (existing.status().code() != ErrorCode::kNotFound) {
    return existing.status();
  }

  const std::string token = RandomToken();
  nlohmann::json record = {{"host", host},
                           {"pid", static_cast<int64_t>(::getpid())},
                           {"started", UnixNow()},
                           {"heartbeat", UnixNow()},
                           {"description", std::string(holder_description)},
                           {"token", token}};
  std::vector<std::pair<std::string, std::string>> condition;
  if (!taking_over) condition.emplace_back("if-none-match", "*");
  Result<std::string> put = client_->Put(key, record.dump(), std::move(condition));
  if (!put.ok()) {
    if (put.status().code() == ErrorCode::kFailedPrecondition) {
      return Status::Error(ErrorCode::kFailedPrecondition,
                           fmt::format("{} was locked by another run a moment ago; wait for it "
                                       "to finish",
                                       Describe()));
    }
    return put.status();
  }
  // Read back: on a server without conditional writes, of two runs writing at once the last
  // one wins, and the other finds out here.
  TF_ASSIGN_OR_RETURN(std::string written, client_->Get(key));
  const nlohmann::json check = nlohmann::json::parse(written, nullptr, false);
  if (!check.is_object() || check.value("token", "") != token) {
    return Status::Error(ErrorCode::kFailedPrecondition,
                         fmt::format("{} was locked by another run at the same moment; wait for "
                                     "it to finish",
                                     Describe()));
  }
  return StoreLock(
      std::make_unique<LockHolder>(*client_, key, token, std::move(record), options_.lock_lease));
}

}  // namespace tickerflow::storage
