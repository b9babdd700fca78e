#include "storage/local_store.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"

namespace tickerflow::storage {

// For readable failures; found by argument-dependent lookup, so in ObjectInfo's namespace.
void PrintTo(const ObjectInfo& object, std::ostream* out) {
  *out << "{" << object.key << ", " << object.size << "}";
}

namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string ReadFile(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, std::string_view bytes) {
  std::ofstream file(path, std::ios::binary);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Every name under `dir` starting with '.', relative to `dir`, except the lock file: the
// store's temporaries.
std::vector<std::string> HiddenEntries(const fs::path& dir) {
  std::vector<std::string> hidden;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.front() == '.' && name != kLockFileName) {
      hidden.push_back(fs::relative(entry.path(), dir).string());
    }
  }
  return hidden;
}

std::vector<std::string> Keys(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> keys;
  keys.reserve(objects.size());
  for (const ObjectInfo& object : objects) keys.push_back(object.key);
  return keys;
}

// Runs `body` in a child process and returns its exit status (or 128 + the signal that ended
// it). The child leaves with _exit, so it runs none of the parent's destructors or tests.
template <typename Body>
int RunInChild(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("local_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    root_ = dir_ / "data";
    Result<std::unique_ptr<LocalStore>> store = LocalStore::Open(root_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    // A test that made a directory read-only must not stop the cleanup.
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir_)) {
      if (entry.is_directory()) fs::permissions(entry.path(), fs::perms::owner_all);
    }
    fs::remove_all(dir_);
  }

  // The object's bytes; fails the test when it cannot be read.
  std::string MustGet(std::string_view key) {
    Result<std::string> bytes = store_->Get(key);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    return bytes.ok() ? std::move(bytes).value() : "";
  }

  fs::path dir_;
  fs::path root_;
  std::unique_ptr<LocalStore> store_;
};

TEST_F(LocalStoreTest, OpenCreatesTheRootAndDescribesItAbsolutely) {
  const fs::path nested = dir_ / "a" / "b" / "data";
  Result<std::unique_ptr<LocalStore>> store = LocalStore::Open(nested.string() + "/");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(fs::is_directory(nested));
  EXPECT_EQ((*store)->Describe(), nested.string());
  EXPECT_EQ((*store)->root(), nested);
  EXPECT_EQ(store_->Describe(), root_.string());

  // An existing root is opened as it is.
  ASSERT_TRUE(store_->Put("x", "1").ok());
  Result<std::unique_ptr<LocalStore>> again = LocalStore::Open(root_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ReadFile(root_ / "x"), "1");
}

TEST_F(LocalStoreTest, OpenRejectsAFileAsRootAndAnEmptyPath) {
  WriteFile(dir_ / "file", "not a directory");
  Result<std::unique_ptr<LocalStore>> store = LocalStore::Open(dir_ / "file");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr((dir_ / "file").string()));

  store = LocalStore::Open(dir_ / "file" / "below");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInvalidArgument);

  store = LocalStore::Open("");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(LocalStoreTest, ASymbolicLinkAsRootWorks) {
  ASSERT_TRUE(store_->Put("daily/A.parquet", "a").ok());
  fs::create_directory_symlink(root_, dir_ / "link");
  Result<std::unique_ptr<LocalStore>> store = LocalStore::Open(dir_ / "link");
  ASSERT_TRUE(store.ok());
  Result<std::vector<ObjectInfo>> listed = (*store)->List("");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_THAT(*listed, ElementsAre(ObjectInfo{"daily/A.parquet", 1}));
}

TEST_F(LocalStoreTest, PutThenGetRoundTripsAnyBytes) {
  std::string binary;
  for (int i = 0; i < 5'000'000; ++i) binary += static_cast<char>(i * 7 % 256);
  const std::string with_nul("a\0b\n\r\xff", 6);
  ASSERT_TRUE(store_->Put("daily/AAPL.parquet", binary).ok());
  ASSERT_TRUE(store_->Put("universe.parquet", with_nul).ok());
  ASSERT_TRUE(store_->Put("_runs/1.json", "").ok());
  ASSERT_TRUE(store_->Put("a/b/c/d/e.txt", "deep").ok());

  EXPECT_EQ(MustGet("daily/AAPL.parquet"), binary);
  EXPECT_EQ(MustGet("universe.parquet"), with_nul);
  EXPECT_EQ(MustGet("_runs/1.json"), "");
  EXPECT_EQ(MustGet("a/b/c/d/e.txt"), "deep");
  // The objects are plain files where a local reader expects them.
  EXPECT_EQ(ReadFile(root_ / "daily" / "AAPL.parquet"), binary);
  EXPECT_EQ(store_->LocalPath("daily/AAPL.parquet"), root_ / "daily" / "AAPL.parquet");
  EXPECT_THAT(HiddenEntries(root_), IsEmpty());
}

TEST_F(LocalStoreTest, PutReplacesTheObject) {
  ASSERT_TRUE(store_->Put("screener/screener.csv", "old, longer content").ok());
  ASSERT_TRUE(store_->Put("screener/screener.csv", "new").ok());
  EXPECT_EQ(MustGet("screener/screener.csv"), "new");
  Result<std::vector<ObjectInfo>> listed = store_->List("");
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(*listed, ElementsAre(ObjectInfo{"screener/screener.csv", 3}));
}

TEST_F(LocalStoreTest, GetOfAMissingObjectIsNotFound) {
  ASSERT_TRUE(store_->Put("daily/A.parquet", "a").ok());
  for (const std::string_view key :
       {"daily/B.parquet", "nothing/here", "daily", "daily/A.parquet/x"}) {
    Result<std::string> bytes = store_->Get(key);
    ASSERT_FALSE(bytes.ok()) << key;
    EXPECT_EQ(bytes.status().code(), ErrorCode::kNotFound) << key;
    EXPECT_THAT(bytes.status().message(), HasSubstr(std::string(key)));
  }
}

TEST_F(LocalStoreTest, ReadablePathsAreTheObjectsOwnFilesAndTheMirrorIsTheRoot) {
  ASSERT_TRUE(store_->Put("daily/A.parquet", "a").ok());
  Result<fs::path> path = store_->ReadablePath("daily/A.parquet");
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, root_ / "daily" / "A.parquet");
  for (const std::string_view key : {"daily/B.parquet", "daily"}) {
    EXPECT_EQ(store_->ReadablePath(key).status().code(), ErrorCode::kNotFound) << key;
  }
  EXPECT_EQ(store_->ReadablePath("../x").status().code(), ErrorCode::kInvalidArgument);

  Result<std::vector<fs::path>> paths =
      store_->ReadablePaths({"daily/A.parquet", "daily/B.parquet"});
  ASSERT_TRUE(paths.ok()) << paths.status().ToString();
  EXPECT_THAT(*paths, ElementsAre(root_ / "daily" / "A.parquet", fs::path()));

  Result<fs::path> mirror = store_->LocalMirror("daily/");
  ASSERT_TRUE(mirror.ok());
  EXPECT_EQ(*mirror, root_);
  EXPECT_FALSE(store_->LocalMirror("/daily").ok());
}

TEST_F(LocalStoreTest, InvalidKeysAreRejectedAndNothingIsWrittenOutsideTheRoot) {
  const std::string nul("a\0b", 3);
  for (const std::string_view key :
       {std::string_view(""), std::string_view("/etc/passwd"), std::string_view("../escape"),
        std::string_view("a/../../escape"), std::string_view("a//b"), std::string_view("a/"),
        std::string_view(".tickerflow.lock"), std::string_view("daily/.x.tmp-1-1"),
        std::string_view("a\\b"), std::string_view{nul}}) {
    for (const Status& status : {store_->Put(key, "x"), store_->Get(key).status(),
                                 store_->Stage(key).status(), store_->Remove(key)}) {
      ASSERT_FALSE(status.ok()) << key;
      EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << key;
    }
    EXPECT_EQ(store_->LocalPath(key), std::nullopt) << key;
  }
  EXPECT_THAT(store_->Get("../escape").status().message(), HasSubstr("'../escape'"));
  std::vector<fs::path> everything;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir_)) {
    everything.push_back(entry.path());
  }
  EXPECT_THAT(everything, ElementsAre(root_));
}

TEST_F(LocalStoreTest, ListIsSortedByKeyAndMatchesPrefixesAsStrings) {
  for (const std::string_view key :
       {"daily/MSFT.parquet", "daily/AAPL.parquet", "daily/BRK-B.parquet", "daily/AA.parquet",
        "dailyx.json", "fundamentals/profiles.parquet", "universe.parquet", "_runs/1.json",
        "screener/screener.csv", "a/b/c", "a/b.txt", "a/b-x"}) {
    ASSERT_TRUE(store_->Put(key, key).ok()) << key;
  }
  const auto list = [&](std::string_view prefix) {
    Result<std::vector<ObjectInfo>> objects = store_->List(prefix);
    EXPECT_TRUE(objects.ok()) << prefix << ": " << objects.status().ToString();
    return objects.ok() ? Keys(*objects) : std::vector<std::string>{"error"};
  };
  // Byte order, as S3 lists: '-' < '.' < '/' < 'A' < '_' < 'a', whatever the directory order.
  EXPECT_THAT(
      list(""),
      ElementsAre("_runs/1.json", "a/b-x", "a/b.txt", "a/b/c", "daily/AA.parquet",
                  "daily/AAPL.parquet", "daily/BRK-B.parquet", "daily/MSFT.parquet", "dailyx.json",
                  "fundamentals/profiles.parquet", "screener/screener.csv", "universe.parquet"));
  EXPECT_THAT(list("daily/"), ElementsAre("daily/AA.parquet", "daily/AAPL.parquet",
                                          "daily/BRK-B.parquet", "daily/MSFT.parquet"));
  EXPECT_THAT(list("daily"),
              ElementsAre("daily/AA.parquet", "daily/AAPL.parquet", "daily/BRK-B.parquet",
                          "daily/MSFT.parquet", "dailyx.json"));
  EXPECT_THAT(list("daily/AA"), ElementsAre("daily/AA.parquet", "daily/AAPL.parquet"));
  EXPECT_THAT(list("daily/AAPL.parquet"), ElementsAre("daily/AAPL.parquet"));
  EXPECT_THAT(list("a/b"), ElementsAre("a/b-x", "a/b.txt", "a/b/c"));
  EXPECT_THAT(list("a/b/"), ElementsAre("a/b/c"));
  EXPECT_THAT(list("_"), ElementsAre("_runs/1.json"));
  EXPECT_THAT(list("nothing/"), IsEmpty());
  EXPECT_THAT(list("nothing/deeper/"), IsEmpty());
  EXPECT_THAT(list("universe.parquet/"), IsEmpty());
  EXPECT_THAT(list("daily/Z"), IsEmpty());

  Result<std::vector<ObjectInfo>> sized = store_->List("daily/A");
  ASSERT_TRUE(sized.ok());
  EXPECT_THAT(*sized, ElementsAre(ObjectInfo{"daily/AA.parquet", 16},
                                  ObjectInfo{"daily/AAPL.parquet", 18}));

  for (const std::string_view prefix : {"/daily", "../", "daily//", "daily/."}) {
    Result<std::vector<ObjectInfo>> objects = store_->List(prefix);
    ASSERT_FALSE(objects.ok()) << prefix;
    EXPECT_EQ(objects.status().code(), ErrorCode::kInvalidArgument) << prefix;
  }
}

TEST_F(LocalStoreTest, ListShowsNeitherTemporariesNorLinksNorUnaddressableNames) {
  ASSERT_TRUE(store_->Put("daily/A.parquet", "a").ok());
  Result<StoreLock> lock = store_->Lock("test");
  ASSERT_TRUE(lock.ok());
  Result<StagedObject> staged = store_->Stage("daily/B.parquet");
  ASSERT_TRUE(staged.ok());
  WriteFile(staged->local_path(), "being written");
  WriteFile(staged->scratch_dir() / "tmp_B.parquet", "a writer's own temporary");
  WriteFile(root_ / "daily" / ".C.parquet.tmp-1-1", "a stale temporary file");
  WriteFile(root_ / "daily" / ".hidden", "a user's hidden file");
  WriteFile(root_ / "daily" / "back\\slash", "no key can name this");
  fs::create_directories(dir_ / "outside");
  WriteFile(dir_ / "outside" / "secret", "outside the root");
  fs::create_directory_symlink(dir_ / "outside", root_ / "linked");
  fs::create_symlink(dir_ / "outside" / "secret", root_ / "daily" / "link.parquet");

  for (const std::string_view prefix : {"", "daily/", "linked/", "l"}) {
    Result<std::vector<ObjectInfo>> listed = store_->List(prefix);
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    EXPECT_THAT(Keys(*listed), prefix.starts_with("l")
                                   ? std::vector<std::string>{}
                                   : std::vector<std::string>{"daily/A.parquet"})
        << prefix;
  }
}

TEST_F(LocalStoreTest, CommitPublishesAStagedFileAndLeavesNoScratchBehind) {
  ASSERT_TRUE(store_->Put("daily/AAPL.parquet", "old").ok());
  Result<StagedObject> staged = store_->Stage("daily/AAPL.parquet");
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  EXPECT_EQ(staged->key(), "daily/AAPL.parquet");
  // Beside the destination (so that rename is atomic), with the same file name (so that tools
  // that look at extensions see .parquet), inside a hidden directory.
  EXPECT_EQ(staged->local_path().filename(), "AAPL.parquet");
  EXPECT_EQ(staged->scratch_dir().parent_path(), root_ / "daily");
  EXPECT_EQ(staged->scratch_dir().filename().string().front(), '.');
  EXPECT_FALSE(fs::exists(staged->local_path()));  // The writer creates it.

  WriteFile(staged->local_path(), "new content");
  WriteFile(staged->scratch_dir() / "tmp_AAPL.parquet", "left by the writer");
  EXPECT_EQ(MustGet("daily/AAPL.parquet"), "old");  // Nothing visible before Commit.
  ASSERT_TRUE(store_->Commit(std::move(staged).value()).ok());
  EXPECT_EQ(MustGet("daily/AAPL.parquet"), "new content");
  EXPECT_THAT(HiddenEntries(root_), IsEmpty());
}

TEST_F(LocalStoreTest, AnAbandonedStagedObjectLeavesNothing) {
  {
    Result<StagedObject> staged = store_->Stage("fundamentals/dcf.parquet");
    ASSERT_TRUE(staged.ok());
    WriteFile(staged->local_path(), "never committed");
  }
  EXPECT_FALSE(store_->Get("fundamentals/dcf.parquet").ok());
  EXPECT_THAT(HiddenEntries(root_), IsEmpty());
}

TEST_F(LocalStoreTest, CommitWithoutAFileOrFromAnotherStoreFails) {
  Result<StagedObject> empty = store_->Stage("a.json");
  ASSERT_TRUE(empty.ok());
  const Status nothing_written = store_->Commit(std::move(empty).value());
  ASSERT_FALSE(nothing_written.ok());
  EXPECT_EQ(nothing_written.code(), ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(store_->Get("a.json").ok());

  Result<std::unique_ptr<LocalStore>> other = LocalStore::Open(dir_ / "other");
  ASSERT_TRUE(other.ok());
  Result<StagedObject> foreign = (*other)->Stage("a.json");
  ASSERT_TRUE(foreign.ok());
  WriteFile(foreign->local_path(), "x");
  const Status wrong_store = store_->Commit(std::move(foreign).value());
  ASSERT_FALSE(wrong_store.ok());
  EXPECT_EQ(wrong_store.code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(store_->Get("a.json").ok());
  EXPECT_FALSE((*other)->Get("a.json").ok());
  EXPECT_THAT(HiddenEntries(root_), IsEmpty());
  EXPECT_THAT(HiddenEntries(dir_ / "other"), IsEmpty());
}

TEST_F(LocalStoreTest, RemoveDeletesAndAMissingObjectIsFine) {
  ASSERT_TRUE(store_->Put("daily/A.parquet", "a").ok());
  ASSERT_TRUE(store_->Remove("daily/A.parquet").ok());
  EXPECT_EQ(store_->Get("daily/A.parquet").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->Remove("daily/A.parquet").ok());
  EXPECT_TRUE(store_->Remove("never/was").ok());
  EXPECT_TRUE(store_->Remove("daily").ok());  // A directory is not an object.
  EXPECT_TRUE(fs::is_directory(root_ / "daily"));
  Result<std::vector<ObjectInfo>> listed = store_->List("");
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(*listed, IsEmpty());
}

TEST_F(LocalStoreTest, AKeyCannotBeBothAnObjectAndADirectory) {
  ASSERT_TRUE(store_->Put("a", "object").ok());
  Status below_object = store_->Put("a/b", "x");
  ASSERT_FALSE(below_object.ok());
  EXPECT_EQ(below_object.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(below_object.message(), HasSubstr("'a' is an object"));

  ASSERT_TRUE(store_->Put("d/e", "object").ok());
  Status over_directory = store_->Put("d", "x");
  ASSERT_FALSE(over_directory.ok());
  EXPECT_EQ(over_directory.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(MustGet("a"), "object");
  EXPECT_EQ(MustGet("d/e"), "object");
  EXPECT_THAT(HiddenEntries(root_), IsEmpty());
}

TEST_F(LocalStoreTest, ConcurrentWritersEachGetTheirObject) {
  constexpr int kThreads = 8;
  constexpr int kObjectsPerThread = 25;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kObjectsPerThread; ++i) {
        // New directories created by several threads at once, and one key they all replace.
        const std::string key = "dir" + std::to_string(i % 5) + "/t" + std::to_string(t) + "-" +
                                std::to_string(i) + ".bin";
        if (!store_->Put(key, key).ok()) ++failures[t];
        if (!store_->Put("shared.bin", std::string(1000, static_cast<char>('a' + t))).ok()) {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
  Result<std::vector<ObjectInfo>> listed = store_->List("dir");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), static_cast<size_t>(kThreads) * kObjectsPerThread);
  for (const ObjectInfo& object : *listed) EXPECT_EQ(MustGet(object.key), object.key);
  const std::string shared = MustGet("shared.bin");
  ASSERT_EQ(shared.size(), 1000U);
  EXPECT_EQ(shared, std::string(1000, shared[0]));  // One writer's content, whole.
  EXPECT_THAT(HiddenEntries(root_), IsEmpty());
}

TEST_F(LocalStoreTest, ListsTenThousandObjects) {
  // Written directly, as files a previous run left: 10,000 fsyncs would only test the disk.
  fs::create_directories(root_ / "daily");
  for (int i = 0; i < 10'000; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "S%05d.parquet", 9'999 - i);
    WriteFile(root_ / "daily" / name, std::string(static_cast<size_t>(i % 100), 'x'));
  }
  Result<std::vector<ObjectInfo>> listed = store_->List("daily/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 10'000U);
  EXPECT_EQ(listed->front(), (ObjectInfo{"daily/S00000.parquet", 99}));
  EXPECT_EQ(listed->back(), (ObjectInfo{"daily/S09999.parquet", 0}));
  EXPECT_TRUE(
      std::is_sorted(listed->begin(), listed->end(),
                     [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; }));
}

TEST_F(LocalStoreTest, RemoveStaleTemporariesDeletesOnlyOurTemporaries) {
  fs::create_directories(root_ / "daily" / ".MSFT.parquet.tmp-4242-7");
  WriteFile(root_ / "daily" / ".MSFT.parquet.tmp-4242-7" / "MSFT.parquet", "partial");
  WriteFile(root_ / "daily" / ".MSFT.parquet.tmp-4242-7" / "tmp_MSFT.parquet", "partial");
  WriteFile(root_ / "daily" / ".AAPL.parquet.tmp-99999-3", "an old-style temporary file");
  fs::create_directories(root_ / "a" / "b");
  WriteFile(root_ / "a" / "b" / ".c.json.tmp-1-0", "deep");
  WriteFile(root_ / ".universe.parquet.tmp-12-34", "at the root");
  // Not ours: kept.
  WriteFile(root_ / "daily" / ".keep", "");
  WriteFile(root_ / "daily" / ".x.tmp-1-a", "");
  WriteFile(root_ / "daily" / ".tmp-1-2", "");
  WriteFile(root_ / "daily" / "y.tmp-1-2", "a visible object");
  fs::create_directories(root_ / ".git");
  WriteFile(root_ / ".git" / ".z.tmp-1-2", "inside a hidden directory: not ours to walk");

  Result<int64_t> removed = store_->RemoveStaleTemporaries();
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 4);
  std::vector<std::string> hidden = HiddenEntries(root_);
  std::sort(hidden.begin(), hidden.end());
  EXPECT_THAT(hidden, ElementsAre(".git", ".git/.z.tmp-1-2", "daily/.keep", "daily/.tmp-1-2",
                                  "daily/.x.tmp-1-a"));
  EXPECT_EQ(MustGet("daily/y.tmp-1-2"), "a visible object");

  // Lock does the same.
  WriteFile(root_ / "daily" / ".B.parquet.tmp-5-5", "");
  Result<StoreLock> lock = store_->Lock("cleanup");
  ASSERT_TRUE(lock.ok());
  EXPECT_FALSE(fs::exists(root_ / "daily" / ".B.parquet.tmp-5-5"));
}

TEST_F(LocalStoreTest, LockIsExclusiveWithinAProcessAndNamesItsHolder) {
  Result<StoreLock> first = store_->Lock("tickerflow run --as-of 2026-11-25");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->held());
  EXPECT_THAT(ReadFile(root_ / kLockFileName), HasSubstr("tickerflow run --as-of 2026-11-25"));

  // The same store, and another store on the same root (another open file description).
  Result<std::unique_ptr<LocalStore>> other = LocalStore::Open(root_);
  ASSERT_TRUE(other.ok());
  for (ObjectStore* store :
       {static_cast<ObjectStore*>(store_.get()), static_cast<ObjectStore*>(other->get())}) {
    Result<StoreLock> second = store->Lock("second");
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), ErrorCode::kFailedPrecondition);
    const std::string message = second.status().message();
    EXPECT_THAT(message, HasSubstr("another tickerflow run (pid " + std::to_string(::getpid()) +
                                   ", started 20"));
    EXPECT_THAT(message, HasSubstr("Z: tickerflow run --as-of 2026-11-25) is using " +
                                   root_.string() + "; wait for it to finish or stop it"));
  }

  StoreLock moved = std::move(first).value();
  EXPECT_FALSE((*other)->Lock("still held after a move").ok());
  moved.Release();
  EXPECT_EQ(ReadFile(root_ / kLockFileName), "");  // Names no finished run.
  Result<StoreLock> after_release = (*other)->Lock("after release");
  ASSERT_TRUE(after_release.ok()) << after_release.status().ToString();
}

TEST_F(LocalStoreTest, LockIsExclusiveAcrossProcessesAndDiesWithItsHolder) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(ready[0]);
    Result<std::unique_ptr<LocalStore>> store = LocalStore::Open(root_);
    if (!store.ok()) ::_exit(1);
    Result<StoreLock> lock = (*store)->Lock("child run");
    if (!lock.ok()) ::_exit(2);
    const char byte = 'L';
    if (::write(ready[1], &byte, 1) != 1) ::_exit(3);
    while (true) ::pause();  // Until killed: the kernel must release the lock then.
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1) << "the child could not take the lock";
  ::close(ready[0]);

  Result<StoreLock> blocked = store_->Lock("parent run");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(blocked.status().message(),
              HasSubstr("(pid " + std::to_string(child) + ", started "));
  EXPECT_THAT(blocked.status().message(), HasSubstr(": child run) is using"));

  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  Result<StoreLock> after_kill = store_->Lock("parent run");
  ASSERT_TRUE(after_kill.ok()) << after_kill.status().ToString();

  // And the other way round: the parent holds it, a child cannot take it.
  const int child_result = RunInChild([&] {
    Result<std::unique_ptr<LocalStore>> store = LocalStore::Open(root_);
    if (!store.ok()) return 1;
    Result<StoreLock> lock = (*store)->Lock("child run");
    if (lock.ok()) return 2;
    if (lock.status().code() != ErrorCode::kFailedPrecondition) return 3;
    if (lock.status().message().find(": parent run)") == std::string::npos) return 4;
    return 0;
  });
  EXPECT_EQ(child_result, 0);
}

// Writes and reads under a user that the file system refuses. Root ignores permissions, so as
// root the store is used from a child process that gave up its privileges.
TEST_F(LocalStoreTest, PermissionErrorsAreIoErrorsNamingThePath) {
  ASSERT_TRUE(store_->Put("daily/A.parquet", "a").ok());
  ASSERT_TRUE(store_->Put("secret/S.parquet", "s").ok());
  // r-x for everyone: the unprivileged user below may read but not write, as the owner.
  fs::permissions(root_ / "daily", fs::perms::owner_read | fs::perms::owner_exec |
                                       fs::perms::group_read | fs::perms::group_exec |
                                       fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(root_ / "secret", fs::perms::none);
  fs::permissions(root_ / "secret" / "S.parquet", fs::perms::none);

  const auto check = [&]() -> int {
    const Status put = store_->Put("daily/B.parquet", "b");
    if (put.ok() || put.code() != ErrorCode::kIoError) return 10;
    if (put.message().find((root_ / "daily").string()) == std::string::npos) return 11;
    if (put.message().find("Permission denied") == std::string::npos) return 12;
    const Status removed = store_->Remove("daily/A.parquet");
    if (removed.ok() || removed.code() != ErrorCode::kIoError) return 13;
    const Result<std::string> got = store_->Get("secret/S.parquet");
    if (got.ok() || got.status().code() != ErrorCode::kIoError) return 14;
    const Result<std::vector<ObjectInfo>> listed = store_->List("secret/");
    if (listed.ok() || listed.status().code() != ErrorCode::kIoError) return 15;
    const Result<std::string> still = store_->Get("daily/A.parquet");  // Reading is allowed.
    if (!still.ok() || *still != "a") return 16;
    return 0;
  };
  if (::geteuid() != 0) {
    EXPECT_EQ(check(), 0);
  } else {
    const int result = RunInChild([&] {
      constexpr uid_t kNobody = 65534;
      if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
        return 99;
      }
      return check();
    });
    if (result == 99) GTEST_SKIP() << "running as root and cannot switch to an unprivileged user";
    EXPECT_EQ(result, 0) << "see the numbered checks in the test";
  }
  EXPECT_EQ(MustGet("daily/A.parquet"), "a");
}

// The object a crash-test writer stores in generation `generation`: its length and filling
// depend on the generation, so that a reader can tell a whole object from any part of one.
std::string Generation(int generation) {
  const size_t length = 500'000 + static_cast<size_t>(generation) * 4099;
  std::string header =
      "generation " + std::to_string(generation) + " length " + std::to_string(length) + "\n";
  std::string bytes = header;
  bytes.resize(length, static_cast<char>('a' + generation % 26));
  return bytes;
}

// Whether `bytes` is a whole Generation(n) for some n.
bool IsWholeGeneration(const std::string& bytes) {
  int generation = 0;
  size_t length = 0;
  if (std::sscanf(bytes.c_str(), "generation %d length %zu", &generation, &length) != 2) {
    return false;
  }
  return bytes == Generation(generation);
}

TEST_F(LocalStoreTest, AWriterKilledMidWriteLeavesTheOldObjectAndNoVisibleTemporary) {
  const std::string old_content = Generation(0);
  ASSERT_TRUE(store_->Put("daily/BIG.parquet", old_content).ok());
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(ready[0]);
    Result<StagedObject> staged = store_->Stage("daily/BIG.parquet");
    if (!staged.ok()) ::_exit(1);
    const std::string content = Generation(1);
    const int fd = ::open(staged->local_path().c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) ::_exit(2);
    const size_t half = content.size() / 2;
    if (::write(fd, content.data(), half) != static_cast<ssize_t>(half)) ::_exit(3);
    const char byte = 'H';
    if (::write(ready[1], &byte, 1) != 1) ::_exit(4);
    while (true) ::pause();  // Killed here, half-way through the object.
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);

  EXPECT_EQ(MustGet("daily/BIG.parquet"), old_content);
  Result<std::vector<ObjectInfo>> listed = store_->List("");
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(*listed, ElementsAre(ObjectInfo{"daily/BIG.parquet", old_content.size()}));
  // The scratch directory is there, with the half-written file.
  const std::vector<std::string> hidden = HiddenEntries(root_);
  ASSERT_EQ(hidden.size(), 1U);
  EXPECT_EQ(fs::file_size(root_ / hidden[0] / "BIG.parquet"), Generation(1).size() / 2);
  Result<int64_t> removed = store_->RemoveStaleTemporaries();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1);
  EXPECT_THAT(HiddenEntries(root_), IsEmpty());
}

TEST_F(LocalStoreTest, AWriterKilledAtAnyMomentLeavesAWholeObject) {
  std::mt19937 random(12345);
  // A commit takes a few milliseconds here (most of it fsync), so the kills land at every
  // stage: writing, flushing, renaming, removing the scratch directory.
  std::uniform_int_distribution<int> delay_us(0, 50'000);
  int generation = 0;
  for (int round = 0; round < 25; ++round) {
    const pid_t child = ::fork();
    if (child == 0) {
      // Keep replacing the object, through Stage as a Parquet writer would, until killed.
      for (int next = generation + 1;; ++next) {
        Result<StagedObject> staged = store_->Stage("daily/BIG.parquet");
        if (!staged.ok()) ::_exit(1);
        WriteFile(staged->local_path(), Generation(next));
        if (!store_->Commit(std::move(staged).value()).ok()) ::_exit(2);
      }
    }
    if (round == 0) {
      // At least one kill after a commit, however slow the disk: wait for the first object.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!fs::exists(root_ / "daily" / "BIG.parquet") &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status))
        << "the writer failed with exit status " << WEXITSTATUS(status);

    Result<std::string> bytes = store_->Get("daily/BIG.parquet");
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    ASSERT_TRUE(IsWholeGeneration(*bytes)) << "round " << round << ": a partial object";
    ASSERT_EQ(std::sscanf(bytes->c_str(), "generation %d", &generation), 1);
  }
  // The writer loops without pause, so most kills interrupt a commit and leave its scratch
  // directory: the proof that the rounds above tested something.
  const size_t interrupted = HiddenEntries(root_).size();
  RecordProperty("interrupted_commits", static_cast<int>(interrupted));
  EXPECT_GT(interrupted, 0U);
  Result<StoreLock> lock = store_->Lock("after the crashes");  // Removes the temporaries.
  ASSERT_TRUE(lock.ok());
  EXPECT_THAT(HiddenEntries(root_), IsEmpty());
  Result<std::vector<ObjectInfo>> listed = store_->List("");
  ASSERT_TRUE(listed.ok());
  EXPECT_THAT(Keys(*listed), ElementsAre("daily/BIG.parquet"));
  EXPECT_GT(generation, 1);
}

}  // namespace
}  // namespace tickerflow::storage
