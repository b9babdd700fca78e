#include "common/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace tickerflow {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_config_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& text,
                 fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
    fs::path path = dir_ / "config.toml";
    std::ofstream(path, std::ios::trunc) << text;
    fs::permissions(path, perms);
    return path;
  }

  fs::path dir_;
};

TEST_F(ConfigTest, ReadsTheFmpKey) {
  const Result<Config> config = LoadConfig(Write("# mine\n[fmp]\napi_key = \"s3cr3t-Key\"\n"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->fmp_api_key, "s3cr3t-Key");
  EXPECT_FALSE(config->readable_by_others);
}

TEST_F(ConfigTest, ReadsTheClosuresFileRelativeToTheConfigFile) {
  const Result<Config> config = LoadConfig(Write("[calendar]\nclosures_file = \"closures.txt\"\n"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->calendar_closures_file, dir_ / "closures.txt");
  EXPECT_FALSE(config->fmp_api_key.has_value());

  const Result<Config> absolute =
      LoadConfig(Write("[calendar]\nclosures_file = \"/etc/tf/closures.txt\"\n"));
  ASSERT_TRUE(absolute.ok()) << absolute.status().ToString();
  EXPECT_EQ(absolute->calendar_closures_file, fs::path("/etc/tf/closures.txt"));
}

TEST_F(ConfigTest, AnEmptyFileHasNoKey) {
  const Result<Config> config = LoadConfig(Write(""));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_FALSE(config->fmp_api_key.has_value());
}

TEST_F(ConfigTest, AFileOthersCanReadIsFlagged) {
  const Result<Config> config = LoadConfig(
      Write("[fmp]\napi_key = \"k\"\n", fs::perms::owner_read | fs::perms::owner_write |
                                            fs::perms::group_read | fs::perms::others_read));
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->readable_by_others);
}

TEST_F(ConfigTest, AMissingFileIsNotFound) {
  const Result<Config> config = LoadConfig(dir_ / "nope.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(config.status().message().find("nope.toml"), std::string::npos);
}

// Errors say where, and never show a value: the broken line may be the key itself.
TEST_F(ConfigTest, BadFilesNameTheLineAndNeverTheValue) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {"[fmp]\napi_key = \"unterminated-s3cr3t\n", "line 2"},
      {"[fmp]\napikey = \"s3cr3t\"\n", "unknown key 'fmp.apikey'"},
      {"[fmp]\napi_key = 12345\n", "must be a non-empty string"},
      {"[fmp]\napi_key = \"\"\n", "must be a non-empty string"},
      {"api_key = \"s3cr3t\"\n", "unknown key 'api_key'"},
      {"[calendar]\nclosures = \"x\"\n", "unknown key 'calendar.closures'"},
      {"[calendar]\nclosures_file = 1\n", "must be a non-empty string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const Result<Config> config = LoadConfig(Write(c.text));
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find(c.expected), std::string::npos)
        << config.status().message();
    EXPECT_EQ(config.status().message().find("s3cr3t"), std::string::npos)
        << config.status().message();
    EXPECT_EQ(config.status().message().find("12345"), std::string::npos);
  }
}

TEST(DefaultConfigPathTest, FollowsTheEnvironment) {
  ::setenv("TICKERFLOW_CONFIG", "/etc/tf.toml", 1);
  EXPECT_EQ(DefaultConfigPath(), fs::path("/etc/tf.toml"));
  ::unsetenv("TICKERFLOW_CONFIG");
  ::setenv("XDG_CONFIG_HOME", "/x", 1);
  EXPECT_EQ(DefaultConfigPath(), fs::path("/x/tickerflow/config.toml"));
  ::unsetenv("XDG_CONFIG_HOME");
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(DefaultConfigPath(), fs::path("/home/u/.config/tickerflow/config.toml"));
}

}  // namespace
}  // namespace tickerflow
