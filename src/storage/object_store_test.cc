#include "storage/object_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

namespace tickerflow::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ValidateKeyTest, AcceptsTheKeysOfTheDataLayout) {
  for (const std::string_view key :
       {"daily/AAPL.parquet", "daily/BRK-B.parquet", "daily/BRK.A.parquet",
        "fundamentals/ratios_ttm.parquet", "screener/screener.json", "universe.parquet",
        "_runs/20261125-010203.json", "a", "a/b/c/d", "with space/x y", "ünïcode/ключ"}) {
    EXPECT_TRUE(ValidateKey(key).ok()) << key;
  }
  EXPECT_TRUE(ValidateKey(std::string(kMaxKeySegmentLength, 'x')).ok());
  std::string longest(kMaxKeyLength, 'x');  // "x/x/.../xx"
  for (size_t i = 1; i + 2 < kMaxKeyLength; i += 2) longest[i] = '/';
  EXPECT_TRUE(ValidateKey(longest).ok());
}

TEST(ValidateKeyTest, RejectsKeysThatAreNotSafeRelativePaths) {
  const std::string nul("a\0b", 3);
  const std::string long_segment(kMaxKeySegmentLength + 1, 'x');
  const std::string long_key(kMaxKeyLength + 1, 'x');
  for (const std::string_view key : {std::string_view(""),
                                     std::string_view("/abs"),
                                     std::string_view("a//b"),
                                     std::string_view("a/"),
                                     std::string_view("/"),
                                     std::string_view("."),
                                     std::string_view(".."),
                                     std::string_view("../x"),
                                     std::string_view("a/../b"),
                                     std::string_view("a/./b"),
                                     std::string_view("./a"),
                                     std::string_view(".hidden"),
                                     std::string_view("daily/.AAPL.parquet.tmp-1-2"),
                                     std::string_view(".tickerflow.lock"),
                                     std::string_view("a\\b"),
                                     std::string_view("a\nb"),
                                     std::string_view("a\tb"),
                                     std::string_view("a\x7f"),
                                     std::string_view{nul},
                                     std::string_view{long_segment},
                                     std::string_view{long_key}}) {
    const Status status = ValidateKey(key);
    ASSERT_FALSE(status.ok()) << key;
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << key;
  }
}

TEST(ValidateKeyTest, MessageNamesTheKeyWithControlCharactersEscaped) {
  EXPECT_THAT(ValidateKey("daily/../x").message(), HasSubstr("'daily/../x'"));
  EXPECT_THAT(ValidateKey("a\nb").message(), HasSubstr("'a\\x0ab'"));
  EXPECT_THAT(ValidateKey("a\nb").message(), Not(HasSubstr("\n")));
}

TEST(ValidateKeyPrefixTest, AcceptsKeysAndTheirBeginnings) {
  for (const std::string_view prefix :
       {"", "d", "daily", "daily/", "daily/A", "daily/AAPL.parquet", "a/b/", "_runs/"}) {
    EXPECT_TRUE(ValidateKeyPrefix(prefix).ok()) << prefix;
  }
}

TEST(ValidateKeyPrefixTest, RejectsWhatNoKeyStartsWith) {
  for (const std::string_view prefix :
       {"/", "/daily", "daily//", "../", "a/../", "daily/.", ".", "a\\", "a/./b"}) {
    const Status status = ValidateKeyPrefix(prefix);
    ASSERT_FALSE(status.ok()) << prefix;
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << prefix;
  }
}

class StagedObjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("object_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A scratch directory holding a written file, as a store's Stage leaves it.
  StagedObject MakeStaged(const std::string& name) {
    const fs::path scratch = dir_ / ("." + name + ".tmp-1-1");
    fs::create_directories(scratch);
    std::ofstream(scratch / name) << "content";
    return StagedObject(/*store=*/nullptr, "daily/" + name, scratch / name, scratch);
  }

  fs::path dir_;
};

TEST_F(StagedObjectTest, DestructionRemovesTheScratchDirectoryAndItsFiles) {
  fs::path scratch;
  {
    StagedObject staged = MakeStaged("A.parquet");
    scratch = staged.scratch_dir();
    EXPECT_EQ(staged.key(), "daily/A.parquet");
    EXPECT_EQ(staged.local_path(), scratch / "A.parquet");
    std::ofstream(scratch / "tmp_A.parquet") << "a writer's own temporary";
    ASSERT_TRUE(fs::exists(staged.local_path()));
  }
  EXPECT_FALSE(fs::exists(scratch));
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(StagedObjectTest, MovingTransfersOwnershipOfTheScratchDirectory) {
  StagedObject first = MakeStaged("A.parquet");
  const fs::path first_scratch = first.scratch_dir();
  StagedObject moved(std::move(first));
  EXPECT_TRUE(first.scratch_dir().empty());           // NOLINT(bugprone-use-after-move): the point.
  EXPECT_EQ(first.store(), nullptr);                  // NOLINT(bugprone-use-after-move)
  { const StagedObject dropped = std::move(first); }  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(fs::exists(first_scratch));             // The moved-from object owned nothing.

  StagedObject second = MakeStaged("B.parquet");
  const fs::path second_scratch = second.scratch_dir();
  moved = std::move(second);  // Drops what `moved` held, takes what `second` held.
  EXPECT_FALSE(fs::exists(first_scratch));
  EXPECT_TRUE(fs::exists(second_scratch));
  EXPECT_EQ(moved.key(), "daily/B.parquet");
}

TEST(StoreLockTest, DefaultIsNotHeldAndReleaseDropsTheHolder) {
  struct CountingHolder : StoreLock::Holder {
    explicit CountingHolder(int* release_count) : counter(release_count) {}
    ~CountingHolder() override { ++*counter; }
    int* counter;
  };
  EXPECT_FALSE(StoreLock().held());
  int released = 0;
  StoreLock lock(std::make_unique<CountingHolder>(&released));
  EXPECT_TRUE(lock.held());
  StoreLock moved = std::move(lock);
  EXPECT_FALSE(lock.held());  // NOLINT(bugprone-use-after-move): the point.
  EXPECT_TRUE(moved.held());
  EXPECT_EQ(released, 0);
  moved.Release();
  EXPECT_FALSE(moved.held());
  EXPECT_EQ(released, 1);
  moved.Release();
  EXPECT_EQ(released, 1);
}

}  // namespace
}  // namespace tickerflow::storage
