// The S3 client's pure parts: error documents, the retry classification, ListObjectsV2 pages.
// The requests themselves are tested against a real S3 server (tests/integration/s3_test.cc).
#include "storage/s3_client.h"

#include <gtest/gtest.h>

namespace tickerflow::storage {
namespace {

TEST(S3ErrorTest, ParsesCodeMessageAndRegion) {
  const S3ErrorBody error = ParseS3Error(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Region>eu-west-1</Region><RequestId>4442587FB7D0A2F9</RequestId></Error>)");
  EXPECT_EQ(error.code, "PermanentRedirect");
  EXPECT_EQ(error.message,
            "The bucket you are attempting to access must be addressed using the specified "
            "endpoint.");
  EXPECT_EQ(error.region, "eu-west-1");
}

TEST(S3ErrorTest, NotAnErrorDocumentGivesEmptyFields) {
  EXPECT_EQ(ParseS3Error("").code, "");
  EXPECT_EQ(ParseS3Error("<html>503 Service Unavailable</html>").code, "");
  EXPECT_EQ(ParseS3Error("<ListBucketResult/>").code, "");
  EXPECT_EQ(ParseS3Error("<Error><Code>SlowDown</Code>").code, "");  // Truncated: not XML.
}

TEST(S3ErrorTest, TransientErrorsAreRetried) {
  for (const char* code : {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout"}) {
    EXPECT_EQ(ClassifyS3Error(503, code), ErrorAction::kRetry) << code;
    EXPECT_EQ(S3ErrorCode(503, code), ErrorCode::kUnavailable) << code;
  }
  // Any 5xx, even without a code (a proxy's HTML page), and 429.
  EXPECT_EQ(ClassifyS3Error(500, ""), ErrorAction::kRetry);
  EXPECT_EQ(ClassifyS3Error(502, "HTTP502"), ErrorAction::kRetry);
  EXPECT_EQ(ClassifyS3Error(429, ""), ErrorAction::kRetry);
}

TEST(S3ErrorTest, CredentialErrorsStopAndAreNotRetried) {
  for (const char* code : {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
                           "ExpiredToken", "InvalidToken"}) {
    EXPECT_EQ(ClassifyS3Error(403, code), ErrorAction::kStop) << code;
    EXPECT_EQ(S3ErrorCode(403, code), ErrorCode::kPermissionDenied) << code;
  }
  EXPECT_EQ(ClassifyS3Error(403, ""), ErrorAction::kStop);
}

TEST(S3ErrorTest, MissingThingsAreNotFound) {
  for (const char* code : {"NoSuchKey", "NoSuchBucket", "NoSuchUpload"}) {
    EXPECT_EQ(ClassifyS3Error(404, code), ErrorAction::kSkip) << code;
    EXPECT_EQ(S3ErrorCode(404, code), ErrorCode::kNotFound) << code;
  }
  EXPECT_EQ(S3ErrorCode(412, "PreconditionFailed"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(S3ErrorCode(301, "PermanentRedirect"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(S3ErrorCode(400, "InvalidArgument"), ErrorCode::kInvalidArgument);
}

TEST(ListObjectsV2Test, ParsesAPageWithAContinuationToken) {
  const Result<S3ListPage> page = ParseListObjectsV2(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>data/daily/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>data/daily/A.parquet</Key><LastModified>2026-11-25T21:00:00.000Z</LastModified>
    <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>1024</Size>
    <StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>data/daily/BRK-B.parquet</Key><ETag>"3858f62230ac3c915f300c664312c11f-2"</ETag>
    <Size>12345678901</Size></Contents>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>)");
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "data/daily/A.parquet");
  EXPECT_EQ(page->objects[0].size, 1024u);
  EXPECT_EQ(page->objects[0].etag, "9b2cf535f27731c974343645a3985328");
  EXPECT_EQ(page->objects[1].key, "data/daily/BRK-B.parquet");
  EXPECT_EQ(page->objects[1].size, 12345678901u);
  EXPECT_EQ(page->objects[1].etag, "3858f62230ac3c915f300c664312c11f-2");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(ListObjectsV2Test, LastAndEmptyPages) {
  const Result<S3ListPage> last = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>false</IsTruncated>"
      "<Contents><Key>k</Key><Size>0</Size><ETag>\"e\"</ETag></Contents></ListBucketResult>");
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->truncated);
  ASSERT_EQ(last->objects.size(), 1u);
  EXPECT_EQ(last->objects[0].size, 0u);

  const Result<S3ListPage> empty =
      ParseListObjectsV2("<ListBucketResult><KeyCount>0</KeyCount></ListBucketResult>");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->objects.empty());
  EXPECT_FALSE(empty->truncated);
}

TEST(ListObjectsV2Test, MalformedPagesAreCorruptData) {
  EXPECT_EQ(ParseListObjectsV2("not xml <").status().code(), ErrorCode::kCorruptData);
  EXPECT_EQ(ParseListObjectsV2("<Error><Code>x</Code></Error>").status().code(),
            ErrorCode::kCorruptData);
  // Truncated without a token would list the first page forever.
  EXPECT_EQ(ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated>"
                               "</ListBucketResult>")
                .status()
                .code(),
            ErrorCode::kCorruptData);
  EXPECT_EQ(ParseListObjectsV2("<ListBucketResult><Contents><Size>1</Size></Contents>"
                               "</ListBucketResult>")
                .status()
                .code(),
            ErrorCode::kCorruptData);
}

}  // namespace
}  // namespace tickerflow::storage
