// The S3 client's retry loop and request shape, against a loopback HTTP server that answers
// like S3 does when it fails (SlowDown, InternalError, stalls, AccessDenied). The real S3
// server (s3rver, tests/integration/s3_test.cc) cannot be made to fail on demand.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/loopback_server_test_util.h"
#include "storage/s3_client.h"
#include "storage/s3_signer.h"

namespace tickerflow::storage {
namespace {

using net::LoopbackServer;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

std::string ErrorXml(const std::string& code) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code +
         "</Code><Message>test says " + code + "</Message></Error>";
}

std::unique_ptr<S3Client> MakeClient(const LoopbackServer& server, int attempts = 4) {
  S3ClientOptions options;
  options.settings.credentials = {"AKIAIOSFODNN7EXAMPLE", kSecret, "session-token-value"};
  options.settings.credentials_source = "the test";
  options.settings.region = "us-east-1";
  options.settings.endpoint = "http://127.0.0.1:" + std::to_string(server.port());
  options.settings.path_style = true;
  options.bucket = "bucket";
  options.max_attempts = attempts;
  options.first_backoff = std::chrono::milliseconds(5);
  options.max_backoff = std::chrono::milliseconds(20);
  options.http.total_timeout = std::chrono::milliseconds(500);
  Result<std::unique_ptr<S3Client>> client = S3Client::Create(options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return std::move(client).value();
}

TEST(S3ClientRetryTest, TransientErrorsAndStallsAreRetriedUntilTheyPass) {
  std::atomic<int> calls{0};
  LoopbackServer server([&](httplib::Server& s) {
    s.Get("/bucket/daily/A.parquet", [&](const httplib::Request&, httplib::Response& response) {
      const int call = calls.fetch_add(1);
      if (call == 0) {
        response.status = 503;
        response.set_content(ErrorXml("SlowDown"), "application/xml");
      } else if (call == 1) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // Past the timeout.
        response.set_content("late", "application/octet-stream");
      } else if (call == 2) {
        response.status = 500;
        response.set_content(ErrorXml("InternalError"), "application/xml");
      } else {
        response.set_content("bytes", "application/octet-stream");
      }
    });
  });
  std::unique_ptr<S3Client> client = MakeClient(server);
  Result<std::string> bytes = client->Get("daily/A.parquet");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(*bytes, "bytes");
  EXPECT_EQ(client->requests_sent(), 4);
  EXPECT_EQ(client->retries(), 3);
}

TEST(S3ClientRetryTest, PersistentTransientErrorsEndAsUnavailableAfterTheLastAttempt) {
  LoopbackServer server([](httplib::Server& s) {
    s.Put(".*", [](const httplib::Request&, httplib::Response& response) {
      response.status = 503;
      response.set_content(ErrorXml("ServiceUnavailable"), "application/xml");
    });
  });
  std::unique_ptr<S3Client> client = MakeClient(server, 3);
  Result<std::string> etag = client->Put("k", "body");
  ASSERT_FALSE(etag.ok());
  EXPECT_EQ(etag.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(etag.status().message().find("3 attempts failed"), std::string::npos);
  EXPECT_NE(etag.status().message().find("ServiceUnavailable"), std::string::npos);
  EXPECT_NE(etag.status().message().find("s3://bucket/k"), std::string::npos);
  EXPECT_EQ(client->requests_sent(), 3);
}

TEST(S3ClientRetryTest, CredentialAndMissingObjectErrorsAreNotRetried) {
  LoopbackServer server([](httplib::Server& s) {
    s.Get("/bucket/denied", [](const httplib::Request&, httplib::Response& response) {
      response.status = 403;
      response.set_content(ErrorXml("SignatureDoesNotMatch"), "application/xml");
    });
    s.Get("/bucket/missing", [](const httplib::Request&, httplib::Response& response) {
      response.status = 404;
      response.set_content(ErrorXml("NoSuchKey"), "application/xml");
    });
  });
  std::unique_ptr<S3Client> client = MakeClient(server);
  Result<std::string> denied = client->Get("denied");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_EQ(denied.status().message().find(kSecret), std::string::npos);
  EXPECT_EQ(denied.status().message().find("AKIAIOSFODNN7EXAMPLE"), std::string::npos);
  Result<std::string> missing = client->Get("missing");
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(client->requests_sent(), 2);
  EXPECT_EQ(client->retries(), 0);
}

TEST(S3ClientRetryTest, RequestsCarryTheSignedHeadersAndTheEncodedQuery) {
  std::mutex mutex;
  std::vector<httplib::Request> seen;
  LoopbackServer server([&](httplib::Server& s) {
    s.Put(".*", [&](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex);
      seen.push_back(request);
      response.set_header("ETag", "\"abc\"");
    });
    s.Get("/bucket", [&](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex);
      seen.push_back(request);
      response.set_content("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>",
                           "application/xml");
    });
  });
  std::unique_ptr<S3Client> client = MakeClient(server);
  Result<std::string> etag = client->Put("daily/BRK-B.parquet", "payload");
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_EQ(*etag, "abc");
  ASSERT_TRUE(client->List("a/b c/").ok());

  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 2u);
  const httplib::Request& put = seen[0];
  EXPECT_EQ(put.get_header_value("x-amz-content-sha256"), Sha256Hex("payload"));
  EXPECT_EQ(put.get_header_value("x-amz-security-token"), "session-token-value");
  EXPECT_EQ(put.get_header_value("Content-Type"), "application/octet-stream");
  const std::string authorization = put.get_header_value("Authorization");
  EXPECT_EQ(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/", 0), 0u)
      << authorization;
  EXPECT_NE(authorization.find("x-amz-security-token"), std::string::npos);
  EXPECT_EQ(authorization.find(kSecret), std::string::npos);
  EXPECT_EQ(put.body, "payload");
  // The listing's query went out sorted and encoded, as it was signed.
  const httplib::Request& list = seen[1];
  EXPECT_EQ(list.get_param_value("prefix"), "a/b c/");
  EXPECT_EQ(list.get_param_value("list-type"), "2");
  EXPECT_NE(list.target.find("?list-type=2&prefix=a%2Fb%20c%2F"), std::string::npos) << list.target;
}

TEST(S3ClientRetryTest, AFailedMultipartUploadIsAborted) {
  std::mutex mutex;
  std::vector<std::string> seen;  // "METHOD query" of every request.
  auto record = [&](const httplib::Request& request) {
    std::string query;
    for (const auto& [name, value] : request.params) query += name + "=" + value + "&";
    std::lock_guard lock(mutex);
    seen.push_back(request.method + " " + query);
  };
  LoopbackServer server([&](httplib::Server& s) {
    s.Post("/bucket/big", [&](const httplib::Request& request, httplib::Response& response) {
      record(request);
      response.set_content(
          "<InitiateMultipartUploadResult><UploadId>upload-7</UploadId>"
          "</InitiateMultipartUploadResult>",
          "application/xml");
    });
    s.Put("/bucket/big", [&](const httplib::Request& request, httplib::Response& response) {
      record(request);
      response.status = 403;
      response.set_content(ErrorXml("AccessDenied"), "application/xml");
    });
    s.Delete("/bucket/big", [&](const httplib::Request& request, httplib::Response& response) {
      record(request);
      response.status = 204;
    });
  });
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() /
      ("s3_client_retry_test_" + std::to_string(::getpid()) + ".bin");
  {
    std::ofstream out(file, std::ios::binary);
    out << std::string(6 << 20, 'x');
  }
  S3ClientOptions options;
  options.settings.credentials = {"AKIAIOSFODNN7EXAMPLE", kSecret, ""};
  options.settings.region = "us-east-1";
  options.settings.endpoint = "http://127.0.0.1:" + std::to_string(server.port());
  options.settings.path_style = true;
  options.bucket = "bucket";
  options.multipart_threshold = 1 << 20;
  Result<std::unique_ptr<S3Client>> client = S3Client::Create(options);
  ASSERT_TRUE(client.ok());
  Result<std::string> etag = (*client)->PutFile("big", file);
  std::filesystem::remove(file);
  ASSERT_FALSE(etag.ok());
  EXPECT_EQ(etag.status().code(), ErrorCode::kPermissionDenied) << etag.status().message();
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], "POST uploads=&");
  EXPECT_EQ(seen[1], "PUT partNumber=1&uploadId=upload-7&");
  EXPECT_EQ(seen[2], "DELETE uploadId=upload-7&");
}

}  // namespace
}  // namespace tickerflow::storage
