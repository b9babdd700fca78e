// tickerflow on S3, against a real S3-compatible server (s3rver, from the npm registry) on a
// free loopback port: the pipeline end to end on s3://bucket/prefix compared with a run on a
// local directory, `query` on s3://, listings of more than 1,000 keys, multipart uploads,
// ranges, the cache, the lock, the errors a user meets, and a run killed during its uploads.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "process_runner.h"
#include "s3rver_server.h"
#include "serve_server.h"
#include "storage/s3_client.h"
#include "storage/s3_config.h"
#include "storage/s3_store.h"
#include "table/database.h"
#include "table/parquet.h"
#include "table/table.h"

namespace tickerflow {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using tickerflow::testing::ProgramResult;
using tickerflow::testing::RunningProgram;
using tickerflow::testing::RunProgram;
using tickerflow::testing::S3rverServer;
using tickerflow::testing::ServeProgram;

constexpr std::string_view kBucket = "tickerflow";
// s3rver's one account.
constexpr std::string_view kAccessKey = "S3RVER";
constexpr std::string_view kSecretKey = "S3RVER";

class S3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_s3_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    server_ = std::make_unique<S3rverServer>(dir_ / "s3rver",
                                             std::vector<std::string>{std::string(kBucket)});
    ASSERT_TRUE(server_->ok()) << server_->error();
    // The AWS way, as a user would set it; nothing else from the test's environment.
    ::setenv("AWS_ACCESS_KEY_ID", std::string(kAccessKey).c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", std::string(kSecretKey).c_str(), 1);
    ::setenv("AWS_REGION", "us-east-1", 1);
    for (const char* name : {"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL",
                             "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION"}) {
      ::unsetenv(name);
    }
    database_ = std::make_unique<table::Database>(table::Database::Open().value());
    connection_ = std::make_unique<table::Connection>(database_->Connect().value());
  }

  void TearDown() override {
    connection_.reset();
    database_.reset();
    server_.reset();
    fs::remove_all(dir_);
  }

  ProgramResult Run(const std::vector<std::string>& args) {
    return RunProgram(args, dir_ / fmt::format("capture-{}", runs_++));
  }

  // The flags every command on the test server takes.
  std::vector<std::string> StoreFlags(std::string_view cache = "cache") const {
    return {"--s3-endpoint", server_->endpoint(), "--cache-dir", (dir_ / cache).string()};
  }

  std::vector<std::string> PipelineArgs(const std::string& data, std::string_view as_of,
                                        int universe, int years, bool s3) const {
    std::vector<std::string> args = {"run",
                                     "--source",
                                     "simulated",
                                     "--data",
                                     data,
                                     "--universe",
                                     std::to_string(universe),
                                     "--years",
                                     std::to_string(years),
                                     "--seed",
                                     "7",
                                     "--as-of",
                                     std::string(as_of),
                                     "--workers",
                                     "2"};
    if (s3) {
      for (std::string& flag : StoreFlags()) args.push_back(std::move(flag));
    }
    return args;
  }

  ProgramResult RunPipeline(const std::string& data, std::string_view as_of, int universe = 200,
                            int years = 3) {
    return Run(PipelineArgs(data, as_of, universe, years, data.starts_with("s3://")));
  }

  storage::S3Settings Settings() const {
    storage::S3Settings settings;
    settings.credentials = {std::string(kAccessKey), std::string(kSecretKey), ""};
    settings.credentials_source = "the test";
    settings.region = "us-east-1";
    settings.endpoint = server_->endpoint();
    settings.path_style = true;
    return settings;
  }

  std::unique_ptr<storage::S3Client> Client(storage::S3ClientOptions options = {}) const {
    options.settings = Settings();
    options.bucket = std::string(kBucket);
    Result<std::unique_ptr<storage::S3Client>> client = storage::S3Client::Create(options);
    EXPECT_TRUE(client.ok()) << client.status().message();
    return client.ok() ? std::move(*client) : nullptr;
  }

  std::unique_ptr<storage::S3Store> Store(std::string_view prefix, std::string_view cache) const {
    storage::S3StoreOptions options;
    options.location = {std::string(kBucket), std::string(prefix)};
    options.settings = Settings();
    options.cache_dir = dir_ / cache;
    Result<std::unique_ptr<storage::S3Store>> store = storage::S3Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Every object under `prefix` downloaded into `target`, keyed without the prefix.
  std::set<std::string> Download(std::string_view prefix, const fs::path& target) {
    std::unique_ptr<storage::S3Client> client = Client();
    Result<std::vector<storage::S3Object>> objects = client->List(prefix);
    EXPECT_TRUE(objects.ok()) << objects.status().message();
    std::set<std::string> keys;
    if (!objects.ok()) return keys;
    for (const storage::S3Object& object : *objects) {
      const std::string key = object.key.substr(prefix.size());
      keys.insert(key);
      Result<std::string> bytes = client->Get(object.key);
      EXPECT_TRUE(bytes.ok()) << bytes.status().message();
      fs::create_directories((target / key).parent_path());
      std::ofstream(target / key, std::ios::binary) << *bytes;
    }
    return keys;
  }

  // The objects' keys of a local data directory, as the layout names them.
  static std::set<std::string> LocalKeys(const fs::path& data) {
    std::set<std::string> keys;
    for (const auto& entry : fs::recursive_directory_iterator(data)) {
      const std::string key = entry.path().lexically_relative(data).generic_string();
      if (entry.is_regular_file() && !key.starts_with(".") && key.find("/.") == std::string::npos) {
        keys.insert(key);
      }
    }
    return keys;
  }

  // Every Parquet file of `expected` equals the one of `actual` with the same key.
  void ExpectSameParquet(const fs::path& expected, const fs::path& actual,
                         const std::set<std::string>& keys) {
    size_t compared = 0;
    for (const std::string& key : keys) {
      if (!key.ends_with(".parquet") || key.starts_with("_runs/")) continue;
      Result<table::Table> want = table::ReadParquet(*connection_, expected / key);
      Result<table::Table> got = table::ReadParquet(*connection_, actual / key);
      ASSERT_TRUE(want.ok()) << key << ": " << want.status().message();
      ASSERT_TRUE(got.ok()) << key << ": " << got.status().message();
      EXPECT_TRUE(*want == *got) << key << " differs";
      ++compared;
    }
    EXPECT_GT(compared, 100u);
  }

  static std::string ReadText(const fs::path& path) { return testing::ReadFileText(path); }

  fs::path dir_;
  int runs_ = 0;
  std::unique_ptr<S3rverServer> server_;
  std::unique_ptr<table::Database> database_;
  std::unique_ptr<table::Connection> connection_;
};

// The layout of design.md §3, written out so that a change shows up here.
void ExpectDesignedLayout(const std::set<std::string>& keys, size_t runs) {
  static const std::regex kKey(
      R"(daily/[A-Z0-9][A-Z0-9.-]{0,11}\.parquet|fundamentals/(profiles|ratios_ttm|)"
      R"(key_metrics_ttm|scores|ratings|dcf)\.parquet|screener/screener\.(parquet|csv|json)|)"
      R"(universe\.parquet|_runs/[0-9A-Za-z_-]+\.json)");
  size_t run_summaries = 0;
  for (const std::string& key : keys) {
    EXPECT_TRUE(std::regex_match(key, kKey)) << "not in the layout: " << key;
    run_summaries += key.starts_with("_runs/") ? 1 : 0;
  }
  EXPECT_EQ(run_summaries, runs);
  for (const char* key :
       {"screener/screener.parquet", "screener/screener.csv", "screener/screener.json",
        "universe.parquet", "fundamentals/profiles.parquet", "fundamentals/dcf.parquet"}) {
    EXPECT_TRUE(keys.contains(key)) << key;
  }
}

TEST_F(S3Test, ThePipelineOnS3WritesWhatALocalRunWrites) {
  const std::string local = (dir_ / "local").string();
  const std::string remote = fmt::format("s3://{}/prod/data", kBucket);
  for (const std::string_view as_of : {"2025-06-02", "2025-06-09"}) {  // First run, update.
    const ProgramResult on_disk = RunPipeline(local, as_of);
    ASSERT_EQ(on_disk.exit_code, 0) << on_disk.err;
    const ProgramResult on_s3 = RunPipeline(remote, as_of);
    ASSERT_EQ(on_s3.exit_code, 0) << on_s3.err;
    EXPECT_THAT(on_s3.out, HasSubstr(fmt::format("summary: {}/_runs/", remote)));
  }

  const std::set<std::string> keys = Download("prod/data/", dir_ / "downloaded");
  ExpectDesignedLayout(keys, /*runs=*/2);
  std::set<std::string> local_keys = LocalKeys(local);
  std::set<std::string> local_runs;
  std::erase_if(local_keys, [](const std::string& key) { return key.starts_with("_runs/"); });
  std::set<std::string> remote_data = keys;
  std::erase_if(remote_data, [](const std::string& key) { return key.starts_with("_runs/"); });
  EXPECT_EQ(remote_data, local_keys);
  ExpectSameParquet(local, dir_ / "downloaded", local_keys);
  EXPECT_EQ(ReadText(dir_ / "downloaded" / "screener/screener.csv"),
            ReadText(fs::path(local) / "screener/screener.csv"));
  // Nothing else in the bucket: no lock left, no temporary objects.
  Result<std::vector<storage::S3Object>> everything = Client()->List("");
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->size(), keys.size());

  // `query` on s3:// gives what it gives on the local directory, from a cold cache and a warm one.
  const std::string sql =
      "SELECT count(*) AS files, sum(rows) AS rows, round(sum(total), 6) AS total FROM "
      "(SELECT symbol, count(*) AS rows, sum(close) AS total FROM daily GROUP BY symbol) "
      "JOIN screener USING (symbol)";
  const ProgramResult expected = Run({"query", "--data", local, "--format", "csv", sql});
  ASSERT_EQ(expected.exit_code, 0) << expected.err;
  for (const std::string_view cache : {"query-cache", "query-cache", "cache"}) {
    std::vector<std::string> args = {"query", "--data", remote, "--format", "csv", sql};
    for (std::string& flag : StoreFlags(cache)) args.push_back(std::move(flag));
    const ProgramResult actual = Run(args);
    ASSERT_EQ(actual.exit_code, 0) << actual.err;
    EXPECT_EQ(actual.out, expected.out) << "cache " << cache;
  }
  // Most of the 200 symbols have a file and a screener row (some are delisted or not yet listed).
  ASSERT_THAT(expected.out, ::testing::StartsWith("files,rows,total\n"));
  EXPECT_GT(std::stoi(expected.out.substr(expected.out.find('\n') + 1)), 150);
}

// `tickerflow serve` on s3:// answers what it answers on the local directory of the same run,
// and picks up the next run on S3 without a restart.
TEST_F(S3Test, ServeAnswersFromS3AsFromALocalDirectory) {
  const std::string local = (dir_ / "local").string();
  const std::string remote = fmt::format("s3://{}/prod/data", kBucket);
  ASSERT_EQ(RunPipeline(local, "2025-06-02", 60, 2).exit_code, 0);
  ASSERT_EQ(RunPipeline(remote, "2025-06-02", 60, 2).exit_code, 0);
  fs::create_directories(dir_ / "web");
  std::ofstream(dir_ / "web" / "index.html") << "<!doctype html>";
  const auto serve = [this](const std::string& data, std::string_view name) {
    std::vector<std::string> args = {
        "serve",     "--data", data, "--port", "0", "--web-root", (dir_ / "web").string(),
        "--refresh", "0.2"};
    for (std::string& flag : StoreFlags("serve-cache")) args.push_back(std::move(flag));
    return std::make_unique<ServeProgram>(args, dir_ / name);
  };
  const std::unique_ptr<ServeProgram> on_disk = serve(local, "serve-local");
  const std::unique_ptr<ServeProgram> on_s3 = serve(remote, "serve-s3");
  ASSERT_GT(on_disk->port(), 0) << on_disk->err();
  ASSERT_GT(on_s3->port(), 0) << on_s3->err();
  const auto get = [](const ServeProgram& server, const std::string& path) {
    httplib::Client client("127.0.0.1", server.port());
    httplib::Result result = client.Get(path);
    return result ? std::pair{result->status, result->body} : std::pair{-1, std::string()};
  };
  const std::pair<int, std::string> first = get(*on_disk, "/api/screener?columns=symbol&limit=1");
  ASSERT_EQ(first.first, 200) << first.second;
  const std::string symbol =
      first.second.substr(first.second.find("\"rows\":[[\"") + 10,
                          first.second.find("\"]]") - first.second.find("\"rows\":[[\"") - 10);
  for (const std::string& path :
       {std::string("/api/screener?sector=Energy,Utilities&rsi_max=60&sort=market_cap&order=desc"),
        std::string("/api/screener?format=csv&columns=symbol,close,golden_cross"),
        fmt::format("/api/symbols/{}/bars", symbol),
        fmt::format("/api/symbols/{}/bars?from=2025-01-01&columns=close,rsi", symbol)}) {
    const auto expected = get(*on_disk, path);
    ASSERT_EQ(expected.first, 200) << path << " " << expected.second;
    EXPECT_EQ(get(*on_s3, path), expected) << path;
  }
  EXPECT_EQ(get(*on_s3, "/api/symbols/NOSUCH/bars").first, 404);

  ASSERT_EQ(RunPipeline(remote, "2025-06-09", 60, 2).exit_code, 0);
  std::string meta;
  for (int i = 0; i < 100 && meta.find("\"as_of\":\"2025-06-09\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    meta = get(*on_s3, "/api/meta").second;
  }
  EXPECT_THAT(meta, HasSubstr("\"as_of\":\"2025-06-09\""));
  EXPECT_EQ(on_s3->Stop().exit_code, 0);
}

TEST_F(S3Test, AKilledRunRestartedFinishesWithCompleteData) {
  const std::string reference = (dir_ / "reference").string();
  ASSERT_EQ(RunPipeline(reference, "2025-06-02", 400, 10).exit_code, 0);

  const std::string remote = fmt::format("s3://{}/killed", kBucket);
  std::unique_ptr<storage::S3Client> client = Client();
  ProgramResult killed;
  size_t uploaded = 0;
  {
    RunningProgram program(PipelineArgs(remote, "2025-06-02", 400, 10, true),
                           dir_ / "capture-killed");
    ASSERT_TRUE(program.started());
    // Kill it in the middle of process_files' uploads: some files there, most not.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
    while (std::chrono::steady_clock::now() < deadline) {
      Result<std::vector<storage::S3Object>> objects = client->List("killed/daily/");
      if (objects.ok() && objects->size() >= 60) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    killed = program.Kill();
  }
  ASSERT_EQ(killed.exit_code, -SIGKILL) << "the run ended before it could be killed";
  uploaded = client->List("killed/daily/")->size();
  EXPECT_GT(uploaded, 0u);
  EXPECT_LT(uploaded, 380u);
  EXPECT_EQ(client->Head("killed/screener/screener.parquet").status().code(), ErrorCode::kNotFound);
  // The killed run's lock is still there; its process is gone, so the next run takes it over.
  EXPECT_TRUE(client->Head("killed/.tickerflow-lock").ok());

  const ProgramResult rerun = RunPipeline(remote, "2025-06-02", 400, 10);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_THAT(rerun.err, HasSubstr("taking over the stale lock"));
  std::set<std::string> keys = Download("killed/", dir_ / "downloaded");
  EXPECT_FALSE(keys.contains(".tickerflow-lock"));
  std::set<std::string> expected = LocalKeys(reference);
  std::erase_if(keys, [](const std::string& key) { return key.starts_with("_runs/"); });
  std::erase_if(expected, [](const std::string& key) { return key.starts_with("_runs/"); });
  EXPECT_EQ(keys, expected);
  ExpectSameParquet(reference, dir_ / "downloaded", expected);
}

TEST_F(S3Test, ListsMoreThanAThousandKeysInOrder) {
  std::unique_ptr<storage::S3Store> store = Store("listing", "cache");
  ASSERT_NE(store, nullptr);
  constexpr int kObjects = 1234;
  std::vector<std::thread> writers;
  writers.reserve(8);
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < kObjects; i += 8) {
        if (!store->Put(fmt::format("many/{:05}.json", i), std::to_string(i)).ok()) ++failures;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(store->Put("other/x.json", "{}").ok());

  Result<std::vector<storage::ObjectInfo>> listed = store->List("many/");
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  ASSERT_EQ(listed->size(), static_cast<size_t>(kObjects));
  for (int i = 0; i < kObjects; ++i) {
    EXPECT_EQ((*listed)[i].key, fmt::format("many/{:05}.json", i));
    EXPECT_EQ((*listed)[i].size, std::to_string(i).size());
  }
  EXPECT_EQ(store->List("")->size(), static_cast<size_t>(kObjects + 1));
  // Small pages: many continuation tokens.
  Result<std::vector<storage::S3Object>> paged = Client()->List("listing/many/00", 97);
  ASSERT_TRUE(paged.ok()) << paged.status().message();
  EXPECT_EQ(paged->size(), 1000u);
  EXPECT_EQ(paged->back().key, "listing/many/00999.json");
}

TEST_F(S3Test, MultipartUploadsRangesHeadAndDelete) {
  storage::S3ClientOptions options;
  options.multipart_threshold = uint64_t{6} << 20;
  options.part_size = uint64_t{5} << 20;
  std::unique_ptr<storage::S3Client> client = Client(options);
  ASSERT_NE(client, nullptr);
  std::string bytes(12 * 1024 * 1024 + 123, '\0');
  std::mt19937_64 random(42);
  for (char& c : bytes) c = static_cast<char>(random());
  const fs::path file = dir_ / "big.bin";
  std::ofstream(file, std::ios::binary) << bytes;

  const int64_t before = client->requests_sent();
  Result<std::string> etag = client->PutFile("big/object.bin", file);
  ASSERT_TRUE(etag.ok()) << etag.status().message();
  EXPECT_FALSE(etag->empty());
  // Create, three parts, complete.
  EXPECT_EQ(client->requests_sent() - before, 5);
  Result<std::string> back = client->Get("big/object.bin");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(*back == bytes);

  Result<storage::S3ObjectHead> head = client->Head("big/object.bin");
  ASSERT_TRUE(head.ok()) << head.status().message();
  EXPECT_EQ(head->size, bytes.size());
  EXPECT_EQ(head->etag, *etag);
  const uint64_t middle = uint64_t{5} << 20;
  Result<std::string> range = client->GetRange("big/object.bin", middle - 3, middle + 3);
  ASSERT_TRUE(range.ok()) << range.status().message();
  EXPECT_EQ(*range, bytes.substr(middle - 3, 7));

  // A small file goes in one PUT, keys with characters that need encoding included.
  std::ofstream(dir_ / "small.txt") << "small";
  ASSERT_TRUE(client->PutFile("odd keys/a+b=c d/é.txt", dir_ / "small.txt").ok());
  EXPECT_EQ(client->Get("odd keys/a+b=c d/é.txt").value(), "small");
  ASSERT_EQ(client->List("odd keys/a+b=c d/").value().size(), 1u);

  ASSERT_TRUE(client->Delete("big/object.bin").ok());
  EXPECT_EQ(client->Get("big/object.bin").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(client->Head("big/object.bin").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(client->Delete("big/object.bin").ok());  // Gone already: still OK.
}

TEST_F(S3Test, TheCacheDownloadsOnlyWhatChanged) {
  std::unique_ptr<storage::S3Store> writer = Store("cached", "cache-a");
  ASSERT_NE(writer, nullptr);
  {
    Result<storage::StagedObject> staged = writer->Stage("daily/A.parquet");
    ASSERT_TRUE(staged.ok());
    std::ofstream(staged->local_path(), std::ios::binary) << "version 1";
    ASSERT_TRUE(writer->Commit(std::move(*staged)).ok());
  }
  // What a store wrote itself is read from its cache.
  Result<fs::path> path = writer->ReadablePath("daily/A.parquet");
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ(ReadText(*path), "version 1");
  EXPECT_EQ(writer->downloads(), 0);

  // Another store (another machine) with a cold cache downloads once, then asks S3 whether
  // its copy is current (304) instead of downloading again.
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<storage::S3Store> reader = Store("cached", "cache-b");
    Result<fs::path> copy = reader->ReadablePath("daily/A.parquet");
    ASSERT_TRUE(copy.ok()) << copy.status().message();
    EXPECT_EQ(ReadText(*copy), "version 1");
    EXPECT_EQ(reader->downloads(), round == 0 ? 1 : 0) << "round " << round;
  }

  // The object changes: a reader that lists sees the new ETag and downloads the new bytes.
  std::unique_ptr<storage::S3Store> reader = Store("cached", "cache-b");
  ASSERT_TRUE(reader->List("daily/").ok());
  ASSERT_TRUE(writer->Put("daily/A.parquet", "version 2").ok());
  ASSERT_TRUE(reader->List("daily/").ok());
  Result<fs::path> fresh = reader->ReadablePath("daily/A.parquet");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(ReadText(*fresh), "version 2");
  EXPECT_EQ(reader->downloads(), 1);

  // Deleted objects leave the mirror; missing ones are kNotFound.
  ASSERT_TRUE(writer->Put("daily/B.parquet", "b").ok());
  Result<fs::path> mirror = reader->LocalMirror("daily/");
  ASSERT_TRUE(mirror.ok()) << mirror.status().message();
  EXPECT_EQ(ReadText(*mirror / "daily/B.parquet"), "b");
  ASSERT_TRUE(writer->Remove("daily/B.parquet").ok());
  ASSERT_TRUE(reader->LocalMirror("daily/").ok());
  EXPECT_FALSE(fs::exists(*mirror / "daily/B.parquet"));
  EXPECT_TRUE(fs::exists(*mirror / "daily/A.parquet"));
  EXPECT_EQ(reader->ReadablePath("daily/B.parquet").status().code(), ErrorCode::kNotFound);
}

TEST_F(S3Test, OneRunAtATimeAndStaleLocksAreTakenOver) {
  std::unique_ptr<storage::S3Store> first = Store("locked", "cache-a");
  std::unique_ptr<storage::S3Store> second = Store("locked", "cache-b");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  {
    Result<storage::StoreLock> held = first->Lock("tickerflow run first");
    ASSERT_TRUE(held.ok()) << held.status().message();
    Result<storage::StoreLock> refused = second->Lock("tickerflow run second");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), ErrorCode::kFailedPrecondition);
    EXPECT_THAT(refused.status().message(), HasSubstr("tickerflow run first"));
    EXPECT_THAT(refused.status().message(), HasSubstr(std::to_string(::getpid())));
    // The lock is no object of the store's.
    EXPECT_TRUE(first->List("")->empty());
  }
  // Released: the other can take it.
  {
    Result<storage::StoreLock> taken = second->Lock("tickerflow run second");
    ASSERT_TRUE(taken.ok()) << taken.status().message();
  }
  // A lock left by a process that died on this host is stale.
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  ASSERT_TRUE(Client()
                  ->Put("locked/.tickerflow-lock",
                        fmt::format(R"({{"host":"{}","pid":{},"started":1,"heartbeat":{},)"
                                    R"("description":"killed","token":"x"}})",
                                    host, dead,
                                    std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count()))
                  .ok());
  Result<storage::StoreLock> taken_over = first->Lock("tickerflow run third");
  EXPECT_TRUE(taken_over.ok()) << taken_over.status().message();
}

TEST_F(S3Test, WrongKeyMissingBucketAndUnreachableEndpointFailClearly) {
  const std::string remote = fmt::format("s3://{}/data", kBucket);
  {
    ::setenv("AWS_ACCESS_KEY_ID", "AKIDNOTKNOWN", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-value", 1);
    const ProgramResult result = RunPipeline(remote, "2025-06-02", 20);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_THAT(result.err, HasSubstr("InvalidAccessKeyId"));
    EXPECT_THAT(result.err, HasSubstr("AWS_ACCESS_KEY_ID"));
    EXPECT_THAT(result.err + result.out, Not(HasSubstr("AKIDNOTKNOWN")));
    EXPECT_THAT(result.err + result.out, Not(HasSubstr("not-the-secret-value")));
    ::setenv("AWS_ACCESS_KEY_ID", std::string(kAccessKey).c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", std::string(kSecretKey).c_str(), 1);
  }
  {
    const ProgramResult result = RunPipeline("s3://no-such-bucket/data", "2025-06-02", 20);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_THAT(result.err, HasSubstr("NoSuchBucket"));
    EXPECT_THAT(result.err, HasSubstr("'no-such-bucket' does not exist"));
    std::vector<std::string> args = {"query", "--data", "s3://no-such-bucket/data", "SELECT 1"};
    for (std::string& flag : StoreFlags()) args.push_back(std::move(flag));
    const ProgramResult query = Run(args);
    EXPECT_EQ(query.exit_code, 1);
    EXPECT_THAT(query.err, HasSubstr("NoSuchBucket"));
  }
  {
    const ProgramResult result = RunPipeline("s3://Bad_Bucket/x", "2025-06-02", 20);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_THAT(result.err, HasSubstr("s3://BUCKET"));
  }
  {
    // A port nobody listens on: the server's, once it is stopped.
    const std::string endpoint = server_->endpoint();
    server_.reset();
    std::vector<std::string> args = PipelineArgs(remote, "2025-06-02", 20, 3, false);
    for (const std::string& flag : {std::string("--s3-endpoint"), endpoint}) args.push_back(flag);
    const ProgramResult result = Run(args);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_THAT(result.err, HasSubstr(fmt::format("cannot open {}", remote)));
    EXPECT_THAT(result.err, HasSubstr("attempts failed"));
  }
}

}  // namespace
}  // namespace tickerflow
