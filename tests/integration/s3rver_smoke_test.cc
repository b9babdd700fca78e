// Smoke test of the s3rver test helper (s3rver_server.h): the server starts with its bucket, an
// object goes in and comes back byte for byte, the bucket lists (one key a page, so through the
// continuation token s3rver needs OpenSSL's legacy provider for), and the server is gone once
// the helper is. Plain libcurl; the S3 client's own tests come with the client.

#include <curl/curl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "s3rver_server.h"

namespace tickerflow {
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using tickerflow::testing::LoopbackPortAccepts;
using tickerflow::testing::S3rverServer;

struct Response {
  long status = 0;  // NOLINT(google-runtime-int): libcurl's type.
  std::string headers;
  std::string body;
};

size_t AppendTo(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// One request with libcurl. `sign`: SigV4 by curl's CURLOPT_AWS_SIGV4 with s3rver's
// credentials, only for URLs without a query string (curl 7.88 does not canonicalize one);
// s3rver serves unsigned requests too.
Response Send(const std::string& method, const std::string& url, const std::string& body,
              bool sign) {
  Response response;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return response;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
  headers = curl_slist_append(headers, "Expect:");
  const std::string credentials =
      fmt::format("{}:{}", S3rverServer::kAccessKeyId, S3rverServer::kSecretAccessKey);
  const std::string provider = fmt::format("aws:amz:{}:s3", S3rverServer::kRegion);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  if (sign) {
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, provider.c_str());
    curl_easy_setopt(curl, CURLOPT_USERPWD, credentials.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, AppendTo);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendTo);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return response;
}

class S3rverSmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_s3rver_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST_F(S3rverSmokeTest, PutGetListAndStop) {
  std::string payload;
  for (int i = 0; i < 4096; ++i) payload.push_back(static_cast<char>(i * 7 % 256));  // Has '\0'.
  int port = 0;
  {
    S3rverServer server(dir_ / "s3rver", {"smoke-bucket"});
    ASSERT_TRUE(server.ok()) << server.error();
    port = server.port();
    EXPECT_EQ(server.endpoint(), fmt::format("http://127.0.0.1:{}", port));
    const std::string bucket = server.endpoint() + "/smoke-bucket";

    const Response put = Send("PUT", bucket + "/prices/2024/a.bin", payload, true);
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_THAT(put.headers, ContainsRegex("ETag: \"[0-9a-f]{32}\""));
    ASSERT_EQ(Send("PUT", bucket + "/prices/2024/b.bin", "b", true).status, 200);
    EXPECT_TRUE(fs::exists(server.data_dir() / "smoke-bucket/prices/2024/a.bin._S3rver_object"));

    const Response get = Send("GET", bucket + "/prices/2024/a.bin", "", true);
    ASSERT_EQ(get.status, 200) << get.body;
    EXPECT_EQ(get.body, payload);

    const Response list =
        Send("GET", bucket + "?list-type=2&prefix=prices%2F&max-keys=1", "", false);
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_THAT(list.body, HasSubstr("<Key>prices/2024/a.bin</Key>"));
    EXPECT_THAT(list.body, HasSubstr("<Size>4096</Size>"));
    EXPECT_THAT(list.body, HasSubstr("<IsTruncated>true</IsTruncated>"));
    EXPECT_THAT(list.body, HasSubstr("<NextContinuationToken>"));

    const Response missing = Send("GET", bucket + "/prices/none", "", true);
    EXPECT_EQ(missing.status, 404);
    EXPECT_THAT(missing.body, HasSubstr("<Code>NoSuchKey</Code>"));
  }
  EXPECT_FALSE(LoopbackPortAccepts(port)) << "s3rver still listens on port " << port;
}

TEST_F(S3rverSmokeTest, ReportsAFailedStartWithTheServersStderr) {
  S3rverServer server(dir_ / "s3rver", {"smoke-bucket"}, {"--no-such-flag"});
  EXPECT_FALSE(server.ok());
  EXPECT_THAT(server.error(), HasSubstr("before listening"));
  EXPECT_THAT(server.error(), HasSubstr("--no-such-flag"));
}

}  // namespace
}  // namespace tickerflow
