#include "storage/s3_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickerflow::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// --- ParseS3Url ------------------------------------------------------------------------------

TEST(S3ConfigUrlTest, ParsesBucketAndPrefix) {
  struct Case {
    std::string url;
    S3Location expected;
  };
  const std::string longest_bucket(63, 'b');
  for (const Case& c : std::vector<Case>{
           {"s3://bucket", {"bucket", ""}},
           {"s3://bucket/", {"bucket", ""}},
           {"s3://bucket/a", {"bucket", "a"}},
           {"s3://bucket/a/b/", {"bucket", "a/b"}},
           {"s3://my.bucket-1/tickerflow/prod", {"my.bucket-1", "tickerflow/prod"}},
           {"s3://abc/with space/\xC3\xBC", {"abc", "with space/\xC3\xBC"}},
           {"s3://0bucket9", {"0bucket9", ""}},
           {"s3://" + longest_bucket + "/x", {longest_bucket, "x"}},
       }) {
    const Result<S3Location> location = ParseS3Url(c.url);
    ASSERT_TRUE(location.ok()) << c.url << ": " << location.status().ToString();
    EXPECT_EQ(*location, c.expected) << c.url;
  }
}

TEST(S3ConfigUrlTest, RejectsWhatIsNotABucketAndAKeyPrefix) {
  const std::string long_bucket = "s3://" + std::string(64, 'b');
  for (const std::string_view url : {std::string_view(""),
                                     std::string_view("bucket/a"),
                                     std::string_view("S3://bucket"),
                                     std::string_view("s3:/bucket"),
                                     std::string_view("s3://"),
                                     std::string_view("s3:///a"),
                                     std::string_view("s3://ab"),
                                     std::string_view{long_bucket},
                                     std::string_view("s3://Bucket"),
                                     std::string_view("s3://buck_et"),
                                     std::string_view("s3://-bucket"),
                                     std::string_view("s3://bucket-"),
                                     std::string_view("s3://.bucket"),
                                     std::string_view("s3://a..b"),
                                     std::string_view("s3://192.168.1.10"),
                                     std::string_view("s3://bucket//"),
                                     std::string_view("s3://bucket//a"),
                                     std::string_view("s3://bucket/a//b"),
                                     std::string_view("s3://bucket/a/../b"),
                                     std::string_view("s3://bucket/.hidden"),
                                     std::string_view("s3://bucket/a\nb"),
                                     std::string_view("s3://bucket:9000/a")}) {
    const Result<S3Location> location = ParseS3Url(url);
    ASSERT_FALSE(location.ok()) << url;
    EXPECT_EQ(location.status().code(), ErrorCode::kInvalidArgument) << url;
    EXPECT_THAT(location.status().message(), HasSubstr("s3://BUCKET[/PREFIX]")) << url;
    EXPECT_THAT(location.status().message(), Not(HasSubstr("\n"))) << url;
  }
  EXPECT_THAT(ParseS3Url("s3://Bucket").status().message(), HasSubstr("lower-case"));
  EXPECT_THAT(ParseS3Url("s3://ab").status().message(), HasSubstr("3 to 63"));
}

TEST(S3ConfigUrlTest, IsS3Url) {
  EXPECT_TRUE(IsS3Url("s3://bucket"));
  EXPECT_TRUE(IsS3Url("s3://"));
  EXPECT_FALSE(IsS3Url("/srv/data"));
  EXPECT_FALSE(IsS3Url("data/s3://x"));
  EXPECT_FALSE(IsS3Url("S3://bucket"));
  EXPECT_FALSE(IsS3Url("s3:/bucket"));
  EXPECT_FALSE(IsS3Url(""));
}

// --- ResolveS3Settings -----------------------------------------------------------------------

// Distinctive values: no message may ever contain them.
constexpr std::string_view kEnvId = "AKIDFROMENVIRONMENT1";
constexpr std::string_view kEnvSecret = "env+Secret/Value0123456789abcdefghijklm";
constexpr std::string_view kEnvToken = "EnvSessionToken//////////ZZZ==";
constexpr std::string_view kFileId = "AKIDFROMFILE00000001";
constexpr std::string_view kFileSecret = "file+Secret/Value0123456789abcdefghijkl";
constexpr std::string_view kWorkId = "AKIDWORKPROFILE00002";
constexpr std::string_view kWorkSecret = "work+Secret/Value0123456789abcdefghijkl";
constexpr std::string_view kWorkToken = "WorkSessionToken//////////YYY==";

const std::string kCredentialsFile =
    "# my keys\n"
    "[default]\n"
    "aws_access_key_id = " +
    std::string(kFileId) +
    "\n"
    "aws_secret_access_key=" +
    std::string(kFileSecret) +
    "\n"
    "\n"
    "; the other account\n"
    "[work]\n"
    "  aws_access_key_id   =   " +
    std::string(kWorkId) +
    "   \n"
    "aws_secret_access_key = " +
    std::string(kWorkSecret) +
    "\n"
    "aws_session_token = " +
    std::string(kWorkToken) + "\n";

using Env = std::map<std::string, std::string>;

// One scenario: the environment, the files under HOME/.aws (absent when nullopt), and what
// ResolveS3Settings must give.
struct Case {
  std::string name{};
  Env env{};
  std::optional<std::string> credentials_file{};
  std::optional<std::string> config_file{};
  std::string endpoint_flag{};
  std::string bucket = "bucket";
  // Expected on success.
  std::string access_key_id{};
  std::string secret_access_key{};
  std::string session_token{};
  std::string source{};  // A substring of credentials_source.
  std::string region = "us-east-1";
  std::string endpoint = "https://s3.us-east-1.amazonaws.com";
  bool path_style = false;
  // Expected on failure.
  std::optional<ErrorCode> error{};
  std::vector<std::string> message_has{};
};

class S3ConfigSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_s3_config_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    home_ = pattern;
  }
  void TearDown() override { fs::remove_all(home_); }

  static void Write(const fs::path& path, std::string_view text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }

  // "{home}" in `text` stands for the temporary home directory.
  std::string Expand(std::string text) const {
    for (size_t at = text.find("{home}"); at != std::string::npos; at = text.find("{home}")) {
      text.replace(at, 6, home_.string());
    }
    return text;
  }

  Result<S3Settings> Resolve(const Case& c) {
    fs::remove_all(home_ / ".aws");
    if (c.credentials_file) Write(home_ / ".aws" / "credentials", *c.credentials_file);
    if (c.config_file) Write(home_ / ".aws" / "config", *c.config_file);
    Env env;
    for (const auto& [name, value] : c.env) env[name] = Expand(value);
    S3SettingsInput input{.endpoint_flag = c.endpoint_flag,
                          .getenv = [env](std::string_view name) -> std::optional<std::string> {
                            const auto found = env.find(std::string(name));
                            if (found == env.end()) return std::nullopt;
                            return found->second;
                          },
                          .home = home_};
    return ResolveS3Settings(input, S3Location{.bucket = c.bucket, .prefix = "p"});
  }

  void Check(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name);
      const Result<S3Settings> settings = Resolve(c);
      if (c.error) {
        ASSERT_FALSE(settings.ok());
        EXPECT_EQ(settings.status().code(), *c.error) << settings.status().ToString();
        for (const std::string& part : c.message_has) {
          EXPECT_THAT(settings.status().message(), HasSubstr(Expand(part)));
        }
        continue;
      }
      ASSERT_TRUE(settings.ok()) << settings.status().ToString();
      EXPECT_EQ(settings->credentials.access_key_id, c.access_key_id);
      EXPECT_EQ(settings->credentials.secret_access_key, c.secret_access_key);
      EXPECT_EQ(settings->credentials.session_token, c.session_token);
      EXPECT_THAT(settings->credentials_source, HasSubstr(Expand(c.source)));
      EXPECT_EQ(settings->region, c.region);
      EXPECT_EQ(settings->endpoint, c.endpoint);
      EXPECT_EQ(settings->path_style, c.path_style);
    }
  }

  fs::path home_;
};

const Env kEnvKeys = {{"AWS_ACCESS_KEY_ID", std::string(kEnvId)},
                      {"AWS_SECRET_ACCESS_KEY", std::string(kEnvSecret)}};

Env With(Env env, const Env& more) {
  for (const auto& [name, value] : more) env[name] = value;
  return env;
}

TEST_F(S3ConfigSettingsTest, CredentialsFollowTheAwsPrecedence) {
  const std::string file_source = "shared credentials file {home}/.aws/credentials, profile ";
  Check({
      {.name = "environment",
       .env = kEnvKeys,
       .access_key_id = std::string(kEnvId),
       .secret_access_key = std::string(kEnvSecret),
       .source = "environment"},
      {.name = "environment with a session token",
       .env = With(kEnvKeys, {{"AWS_SESSION_TOKEN", std::string(kEnvToken)}}),
       .access_key_id = std::string(kEnvId),
       .secret_access_key = std::string(kEnvSecret),
       .session_token = std::string(kEnvToken),
       .source = "environment"},
      {.name = "the environment wins over the file",
       .env = kEnvKeys,
       .credentials_file = kCredentialsFile,
       .access_key_id = std::string(kEnvId),
       .secret_access_key = std::string(kEnvSecret),
       .source = "environment"},
      {.name = "a session token alone does not make credentials",
       .env = {{"AWS_SESSION_TOKEN", std::string(kEnvToken)}},
       .credentials_file = kCredentialsFile,
       .access_key_id = std::string(kFileId),
       .secret_access_key = std::string(kFileSecret),
       .source = file_source + "default"},
      {.name = "empty variables count as unset",
       .env = {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}, {"AWS_PROFILE", ""}},
       .credentials_file = kCredentialsFile,
       .access_key_id = std::string(kFileId),
       .secret_access_key = std::string(kFileSecret),
       .source = file_source + "default"},
      {.name = "the file's default profile",
       .credentials_file = kCredentialsFile,
       .access_key_id = std::string(kFileId),
       .secret_access_key = std::string(kFileSecret),
       .source = file_source + "default"},
      {.name = "AWS_PROFILE picks a profile, token included",
       .env = {{"AWS_PROFILE", "work"}},
       .credentials_file = kCredentialsFile,
       .access_key_id = std::string(kWorkId),
       .secret_access_key = std::string(kWorkSecret),
       .session_token = std::string(kWorkToken),
       .source = file_source + "work"},
      {.name = "AWS_SHARED_CREDENTIALS_FILE names the file",
       .env = {{"AWS_SHARED_CREDENTIALS_FILE", "{home}/.aws/config"}},
       .credentials_file = "[default]\naws_access_key_id=wrong\naws_secret_access_key=wrong\n",
       .config_file = kCredentialsFile,
       .access_key_id = std::string(kFileId),
       .secret_access_key = std::string(kFileSecret),
       .source = "shared credentials file {home}/.aws/config, profile default"},
      {.name = "~/ in AWS_SHARED_CREDENTIALS_FILE is the home directory",
       .env = {{"AWS_SHARED_CREDENTIALS_FILE", "~/.aws/config"}},
       .config_file = kCredentialsFile,
       .access_key_id = std::string(kFileId),
       .secret_access_key = std::string(kFileSecret),
       .source = "{home}/.aws/config"},
      {.name = "the INI dialect: CRLF, BOM, ':' , upper-case keys, comments, nested values",
       .credentials_file = "\xEF\xBB\xBF[default]\r\n"
                           "  # a comment\r\n"
                           "AWS_ACCESS_KEY_ID: " +
                           std::string(kFileId) +
                           "\r\n"
                           "s3 =\r\n"
                           "    max_concurrent_requests = 20\r\n"
                           "aws_secret_access_key = " +
                           std::string(kFileSecret) + "\r\n",
       .access_key_id = std::string(kFileId),
       .secret_access_key = std::string(kFileSecret),
       .source = file_source + "default"},
      {.name = "a repeated section adds to the first",
       .credentials_file =
           "[default]\naws_access_key_id = " + std::string(kFileId) +
           "\n[work]\nx = y\n[default]\naws_secret_access_key = " + std::string(kFileSecret) + "\n",
       .access_key_id = std::string(kFileId),
       .secret_access_key = std::string(kFileSecret),
       .source = file_source + "default"},
  });
}

TEST_F(S3ConfigSettingsTest, MissingCredentialsSayHowToProvideThem) {
  Check({
      {.name = "only the key id",
       .env = {{"AWS_ACCESS_KEY_ID", std::string(kEnvId)}},
       .credentials_file = kCredentialsFile,
       .error = ErrorCode::kPermissionDenied,
       .message_has = {"AWS_SECRET_ACCESS_KEY is not", "AWS_ACCESS_KEY_ID is set"}},
      {.name = "only the secret",
       .env = {{"AWS_SECRET_ACCESS_KEY", std::string(kEnvSecret)}},
       .error = ErrorCode::kPermissionDenied,
       .message_has = {"AWS_ACCESS_KEY_ID is not", "AWS_SECRET_ACCESS_KEY is set"}},
      {.name = "nothing anywhere",
       .error = ErrorCode::kPermissionDenied,
       .message_has = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "[default]",
                       "{home}/.aws/credentials (not found", "AWS_PROFILE", "s3://bucket"}},
      {.name = "nothing anywhere, another profile and file",
       .env = {{"AWS_PROFILE", "prod"}, {"AWS_SHARED_CREDENTIALS_FILE", "{home}/none"}},
       .error = ErrorCode::kPermissionDenied,
       .message_has = {"[prod]", "{home}/none (not found"}},
      {.name = "AWS_PROFILE names a profile the file does not have",
       .env = {{"AWS_PROFILE", "wrok"}},
       .credentials_file = kCredentialsFile,
       .error = ErrorCode::kPermissionDenied,
       .message_has = {"profile 'wrok' (AWS_PROFILE) is not in", "{home}/.aws/credentials",
                       "'default', 'work'"}},
      {.name = "the file has no default profile",
       .credentials_file = "[work]\naws_access_key_id=a\naws_secret_access_key=b\n",
       .error = ErrorCode::kPermissionDenied,
       .message_has = {"profile 'default' is not in", "'work'"}},
      {.name = "a profile without a secret",
       .credentials_file = "[default]\naws_access_key_id = " + std::string(kFileId) + "\n",
       .error = ErrorCode::kPermissionDenied,
       .message_has = {"has no aws_secret_access_key", "credential_process"}},
      {.name = "a role profile",
       .credentials_file = "[default]\nrole_arn = arn:aws:iam::1:role/x\n",
       .error = ErrorCode::kPermissionDenied,
       .message_has = {"has no aws_access_key_id"}},
      {.name = "an unreadable credentials file",
       .env = {{"AWS_SHARED_CREDENTIALS_FILE", "{home}"}},
       .error = ErrorCode::kIoError,
       .message_has = {"shared credentials file '{home}' cannot be read"}},
  });
}

TEST_F(S3ConfigSettingsTest, MalformedFilesNameTheLineButNeverQuoteIt) {
  const std::string secret_line = "aws_secret_access_key " + std::string(kFileSecret);
  Check({
      {.name = "a line that is not key = value",
       .credentials_file = "[default]\naws_access_key_id = x\n" + secret_line + "\n",
       .error = ErrorCode::kInvalidArgument,
       .message_has = {"shared credentials file '{home}/.aws/credentials', line 3"}},
      {.name = "a key before any section",
       .credentials_file = "aws_access_key_id = " + std::string(kFileId) + "\n",
       .error = ErrorCode::kInvalidArgument,
       .message_has = {"line 1", "[section]"}},
      {.name = "an unclosed section",
       .credentials_file = "\n\n[default\n",
       .error = ErrorCode::kInvalidArgument,
       .message_has = {"line 3", "']'"}},
      {.name = "an empty section name",
       .credentials_file = "[ ]\n",
       .error = ErrorCode::kInvalidArgument,
       .message_has = {"line 1"}},
      {.name = "a key without a name",
       .credentials_file = "[default]\n = " + std::string(kFileSecret) + "\n",
       .error = ErrorCode::kInvalidArgument,
       .message_has = {"line 2"}},
      {.name = "a broken config file when the region is needed from it",
       .env = kEnvKeys,
       .config_file = "[default]\nregion\n",
       .error = ErrorCode::kInvalidArgument,
       .message_has = {"shared config file '{home}/.aws/config', line 2"}},
  });
  // The messages hold no secret, whatever the case.
  const Case broken{.name = "secret line", .credentials_file = "[default]\n" + secret_line + "\n"};
  const Result<S3Settings> settings = Resolve(broken);
  ASSERT_FALSE(settings.ok());
  EXPECT_THAT(settings.status().message(), Not(HasSubstr(std::string(kFileSecret))));
  EXPECT_THAT(settings.status().message(), Not(HasSubstr("aws_secret_access_key")));
}

TEST_F(S3ConfigSettingsTest, RegionFollowsTheAwsPrecedence) {
  const std::string config =
      "[default]\nregion = eu-west-1\n"
      "[profile work]\nregion = ap-south-1\n"
      "[other]\nregion = sa-east-1\n";
  Check({
      {.name = "nothing sets it",
       .env = kEnvKeys,
       .access_key_id = std::string(kEnvId),
       .secret_access_key = std::string(kEnvSecret),
       .source = "environment"},
      {.name = "AWS_REGION first",
       .env = With(kEnvKeys, {{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "eu-north-1"}}),
       .config_file = config,
       .access_key_id = std::string(kEnvId),
       .secret_access_key = std::string(kEnvSecret),
       .source = "environment",
       .region = "us-west-2",
       .endpoint = "https://s3.us-west-2.amazonaws.com"},
      {.name = "then AWS_DEFAULT_REGION",
       .env = With(kEnvKeys, {{"AWS_DEFAULT_REGION", "eu-north-1"}}),
       .config_file = config,
       .access_key_id = std::string(kEnvId),
       .secret_access_key = std::string(kEnvSecret),
       .source = "environment",
       .region = "eu-north-1",
       .endpoint = "https://s3.eu-north-1.amazonaws.com"},
      {.name = "then [default] of the config file",
       .env = kEnvKeys,
       .config_file = config,
       .access_key_id = std::string(kEnvId),
       .secret_access_key = std::string(kEnvSecret),
       .source = "environment",
       .region = "eu-west-1",
       .endpoint = "https://s3.eu-west-1.amazonaws.com"},
      {.name = "[profile NAME] for AWS_PROFILE",
       .env = {{"AWS_PROFILE", "work"}},
       .credentials_file = kCredentialsFile,
       .config_file = config,
       .access_key_id = std::string(kWorkId),
       .secret_access_key = std::string(kWorkSecret),
       .session_token = std::string(kWorkToken),
       .source = "profile work",
       .region = "ap-south-1",
       .endpoint = "https://s3.ap-south-1.amazonaws.com"},
      {.name = "[NAME] without 'profile' is not a config-file profile",
       .env = With(kEnvKeys, {{"AWS_PROFILE", "other"}}),
       .config_file = config,
       .access_key_id = std::string(kEnvId),
       .secret_access_key = std::string(kEnvSecret),
       .source = "environment"},
      {.name = "[profile default] also names the default profile",
       .env = kEnvKeys,
       .config_file = "[profile default]\nregion = ca-central-1\n",
       .access_key_id = std::string(kEnvId),
       .secret_access_key = std::string(kEnvSecret),
       .source = "environment",
       .region = "ca-central-1",
       .endpoint = "https://s3.ca-central-1.amazonaws.com"},
      {.name = "AWS_CONFIG_FILE names the config file",
       .env = With(kEnvKeys, {{"AWS_CONFIG_FILE", "{home}/other-config"}}),
       .config_file = config,
       .access_key_id = std::string(kEnvId),
       .secret_access_key = std::string(kEnvSecret),
       .source = "environment"},
      {.name = "a broken config file is not read when AWS_REGION is set",
       .env = With(kEnvKeys, {{"AWS_REGION", "us-east-2"}}),
       .config_file = "region\n",
       .access_key_id = std::string(kEnvId),
       .secret_access_key = std::string(kEnvSecret),
       .source = "environment",
       .region = "us-east-2",
       .endpoint = "https://s3.us-east-2.amazonaws.com"},
      {.name = "a malformed region",
       .env = With(kEnvKeys, {{"AWS_REGION", "us-east-1.evil.com/"}}),
       .error = ErrorCode::kInvalidArgument,
       .message_has = {"invalid AWS region", "AWS_REGION"}},
      {.name = "a malformed region in the config file",
       .env = kEnvKeys,
       .config_file = "[default]\nregion = eu west\n",
       .error = ErrorCode::kInvalidArgument,
       .message_has = {"invalid AWS region 'eu west'", "{home}/.aws/config, [default]"}},
  });
}

TEST_F(S3ConfigSettingsTest, EndpointFollowsTheAwsPrecedence) {
  const Case base{.env = kEnvKeys,
                  .access_key_id = std::string(kEnvId),
                  .secret_access_key = std::string(kEnvSecret),
                  .source = "environment"};
  std::vector<Case> cases;
  const auto add = [&](std::string name, const Env& more, std::string flag, std::string bucket,
                       std::string endpoint, bool path_style) {
    Case c = base;
    c.name = std::move(name);
    c.env = With(c.env, more);
    c.endpoint_flag = std::move(flag);
    c.bucket = std::move(bucket);
    c.endpoint = std::move(endpoint);
    c.path_style = path_style;
    cases.push_back(std::move(c));
  };
  const Env both = {{"AWS_ENDPOINT_URL_S3", "http://s3-specific:9000"},
                    {"AWS_ENDPOINT_URL", "http://generic:9000"}};
  add("AWS, virtual-hosted", {}, "", "bucket", "https://s3.us-east-1.amazonaws.com", false);
  add("AWS, a bucket with a dot goes path-style", {}, "", "my.bucket",
      "https://s3.us-east-1.amazonaws.com", true);
  add("the flag first", both, "http://127.0.0.1:9000", "bucket", "http://127.0.0.1:9000", true);
  add("then AWS_ENDPOINT_URL_S3", both, "", "bucket", "http://s3-specific:9000", true);
  add("then AWS_ENDPOINT_URL", {{"AWS_ENDPOINT_URL", "https://minio.example.com"}}, "", "bucket",
      "https://minio.example.com", true);
  add("normalised: scheme case, trailing slash", {}, "HTTP://Localhost:9000/", "bucket",
      "http://Localhost:9000", true);
  add("an IPv6 literal", {}, "http://[::1]:9000", "bucket", "http://[::1]:9000", true);
  Check(cases);
}

TEST_F(S3ConfigSettingsTest, MalformedEndpointsAreRefused) {
  for (const std::string_view endpoint :
       {"127.0.0.1:9000", "ftp://host", "http://", "http://:9000", "http://host:", "http://host:0",
        "http://host:65536", "http://host:9x", "http://host/base", "http://host?x=1",
        "http://host#f", "http://ho st", "http://[::1", "http://[]:9000", "http://[::1]x",
        "http://[zz::1]"}) {
    Case c{.name = std::string(endpoint),
           .env = kEnvKeys,
           .endpoint_flag = std::string(endpoint),
           .error = ErrorCode::kInvalidArgument,
           .message_has = {"invalid S3 endpoint", "--s3-endpoint",
                           "http://HOST[:PORT] or https://HOST[:PORT]"}};
    Check({c});
  }
  Check({{.name = "from AWS_ENDPOINT_URL",
          .env = With(kEnvKeys, {{"AWS_ENDPOINT_URL", "s3.local"}}),
          .error = ErrorCode::kInvalidArgument,
          .message_has = {"'s3.local' from AWS_ENDPOINT_URL"}}});
  // A password in the endpoint is never quoted, whatever else is wrong with it.
  for (const std::string_view endpoint :
       {"http://admin:Pa55word@minio:9000", "http://admin:Pa55word@minio:9000/path",
        "admin:Pa55word@minio:9000"}) {
    const Result<S3Settings> settings =
        Resolve({.env = kEnvKeys, .endpoint_flag = std::string(endpoint)});
    ASSERT_FALSE(settings.ok()) << endpoint;
    EXPECT_EQ(settings.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(settings.status().message(), HasSubstr("user name or password"));
    EXPECT_THAT(settings.status().message(), Not(HasSubstr("Pa55word")));
  }
}

TEST_F(S3ConfigSettingsTest, HomeComesFromTheEnvironmentWhenNotGiven) {
  Write(home_ / ".aws" / "credentials", kCredentialsFile);
  const std::string home = home_.string();
  S3SettingsInput input{.getenv = [home](std::string_view name) -> std::optional<std::string> {
    if (name == "HOME") return home;
    return std::nullopt;
  }};
  Result<S3Settings> settings = ResolveS3Settings(input, {.bucket = "bucket"});
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  EXPECT_EQ(settings->credentials.access_key_id, kFileId);
  EXPECT_EQ(settings->credentials_source,
            "shared credentials file " + home + "/.aws/credentials, profile default");

  input.getenv = [](std::string_view) { return std::nullopt; };
  settings = ResolveS3Settings(input, {.bucket = "bucket"});
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(settings.status().message(), HasSubstr("$HOME is not set"));
}

TEST_F(S3ConfigSettingsTest, NoMessageOrSourceEverHoldsACredential) {
  const std::vector<std::string_view> secrets = {kEnvId,      kEnvSecret, kEnvToken,   kFileId,
                                                 kFileSecret, kWorkId,    kWorkSecret, kWorkToken};
  const std::vector<Case> cases = {
      {.env = {{"AWS_ACCESS_KEY_ID", std::string(kEnvId)}}},
      {.env = {{"AWS_SECRET_ACCESS_KEY", std::string(kEnvSecret)},
               {"AWS_SESSION_TOKEN", std::string(kEnvToken)}}},
      {.env = {{"AWS_PROFILE", "nope"}}, .credentials_file = kCredentialsFile},
      {.credentials_file = "[default]\naws_access_key_id = " + std::string(kFileId) + "\n"},
      {.credentials_file = "[default]\naws_secret_access_key = " + std::string(kFileSecret) + "\n"},
      {.credentials_file = "[default]\n" + std::string(kFileSecret) + "\n"},
      {.credentials_file = "[" + std::string(kFileSecret) + "]\nx = y\n"},
      {.credentials_file = "[work\naws_session_token = " + std::string(kWorkToken) + "\n"},
      {.env = With(kEnvKeys, {{"AWS_SESSION_TOKEN", std::string(kEnvToken)}}),
       .endpoint_flag = "gopher://x"},
      {.env = {{"AWS_PROFILE", "work"}, {"AWS_REGION", "bad region"}},
       .credentials_file = kCredentialsFile},
      // Successes: the source names where, never what.
      {.env = With(kEnvKeys, {{"AWS_SESSION_TOKEN", std::string(kEnvToken)}})},
      {.env = {{"AWS_PROFILE", "work"}}, .credentials_file = kCredentialsFile},
  };
  for (const Case& c : cases) {
    const Result<S3Settings> settings = Resolve(c);
    const std::string text =
        settings.ok() ? settings->credentials_source : settings.status().ToString();
    ASSERT_FALSE(text.empty());
    for (const std::string_view secret : secrets) {
      EXPECT_THAT(text, Not(HasSubstr(std::string(secret))));
    }
  }
}

// --- S3AddressFor ----------------------------------------------------------------------------

TEST(S3ConfigAddressTest, VirtualHostedAndPathStyle) {
  S3Settings aws{.region = "eu-west-1", .endpoint = "https://s3.eu-west-1.amazonaws.com"};
  Result<S3Address> address = S3AddressFor(aws, "bucket", "daily/BRK-B.parquet");
  ASSERT_TRUE(address.ok()) << address.status().ToString();
  EXPECT_EQ(address->scheme, "https");
  EXPECT_EQ(address->host, "bucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(address->path, "/daily/BRK-B.parquet");
  address = S3AddressFor(aws, "bucket", "");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->path, "/");

  const S3Settings local{.endpoint = "http://127.0.0.1:9000", .path_style = true};
  address = S3AddressFor(local, "bucket", "a b/c");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->scheme, "http");
  EXPECT_EQ(address->host, "127.0.0.1:9000");
  EXPECT_EQ(address->path, "/bucket/a b/c");
  address = S3AddressFor(local, "bucket", "");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->path, "/bucket");

  aws.endpoint = "s3.amazonaws.com";
  EXPECT_EQ(S3AddressFor(aws, "bucket", "k").status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tickerflow::storage
