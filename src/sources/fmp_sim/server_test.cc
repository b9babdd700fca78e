// The HTTP shell on a loopback port: delivery of what the responder decided (a body, a cut
// body, a stall that Stop() ends), the request log, and stopping. The answers themselves are
// tested through Responder in responder_test.cc.

#include "sources/fmp_sim/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

namespace tickerflow::sources::fmp_sim {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const MarketView& View() {
  static const std::unique_ptr<MarketView> kView = [] {
    SimulatedOptions options;
    options.seed = 3;
    options.universe = 40;
    options.as_of = Date::FromCivil(2025, 6, 2);
    return MarketView::Create(options, 2000).value();
  }();
  return *kView;
}

// A server on a free port, serving on its own thread until the fixture ends.
class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(ResponderOptions options) {
    std::string pattern = (fs::temp_directory_path() / "tickerflow_fmp_sim_server_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    responder_ = std::make_unique<Responder>(View(), std::move(options));
    HttpServerOptions server_options;
    server_options.request_log = (dir_ / "log.jsonl").string();
    Result<std::unique_ptr<HttpServer>> server = HttpServer::Bind(*responder_, server_options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    ASSERT_GT(server_->port(), 0);
    serving_ = std::thread([this] { served_ = server_->Serve(); });
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Stop();
      serving_.join();
      EXPECT_TRUE(served_.ok()) << served_.ToString();
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string Log() const {
    std::ifstream in(dir_ / "log.jsonl");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
  std::unique_ptr<Responder> responder_;
  std::unique_ptr<HttpServer> server_;
  std::thread serving_;
  Status served_ = Status::Ok();
};

TEST_F(HttpServerTest, DeliversStatusBodyAndContentTypeAndLogsWithoutTheKey) {
  ResponderOptions options;
  options.api_key = "k3y";
  StartServer(options);
  httplib::Client client("127.0.0.1", server_->port());
  httplib::Result ok = client.Get("/stable/dcf-bulk?apikey=k3y");
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, View().BulkCsv(FmpDataset::kDcf));
  EXPECT_EQ(ok->get_header_value("Content-Type"), "text/csv");
  httplib::Result denied = client.Get("/stable/dcf-bulk?apikey=nope");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(denied->get_header_value("Content-Type"), "application/json");
  const std::string log = Log();
  EXPECT_THAT(log, HasSubstr(R"("path":"/stable/dcf-bulk")"));
  EXPECT_THAT(log, HasSubstr(R"("status":401)"));
  EXPECT_THAT(log, Not(HasSubstr("k3y")));
  EXPECT_THAT(log, Not(HasSubstr("nope")));
}

TEST_F(HttpServerTest, FaultsAreDeliveredAsTheResponderDecides) {
  ResponderOptions options;
  options.fault_rate = 1.0;
  options.stall = std::chrono::seconds(60);
  StartServer(options);
  int truncated = 0, stalled = 0, other = 0;
  for (int i = 0; i < 30 && (truncated == 0 || stalled == 0); ++i) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(0, 300'000);
    const auto started = std::chrono::steady_clock::now();
    httplib::Result result = client.Get("/stable/ratios-ttm-bulk?apikey=x");
    const auto took = std::chrono::steady_clock::now() - started;
    if (result) {
      ++other;
      EXPECT_NE(result->body, View().BulkCsv(FmpDataset::kRatiosTtm));
    } else if (took >= std::chrono::milliseconds(300)) {
      ++stalled;
    } else {
      ++truncated;
    }
  }
  EXPECT_GT(truncated, 0);
  EXPECT_GT(stalled, 0);
  EXPECT_GT(other, 0);
  // TearDown's Stop() must end the 60-second stalls at once, or the test times out.
}

TEST_F(HttpServerTest, StopBeforeServeReturnsAtOnce) {
  Responder responder(View(), ResponderOptions{});
  Result<std::unique_ptr<HttpServer>> server = HttpServer::Bind(responder, HttpServerOptions{});
  ASSERT_TRUE(server.ok());
  (*server)->Stop();
  EXPECT_TRUE((*server)->Serve().ok());
}

TEST_F(HttpServerTest, BindingAPortInUseIsUnavailable) {
  Responder responder(View(), ResponderOptions{});
  Result<std::unique_ptr<HttpServer>> first = HttpServer::Bind(responder, HttpServerOptions{});
  ASSERT_TRUE(first.ok());
  HttpServerOptions same_port;
  same_port.port = (*first)->port();
  Result<std::unique_ptr<HttpServer>> second = HttpServer::Bind(responder, same_port);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  HttpServerOptions unwritable_log;
  unwritable_log.request_log = "/nonexistent-dir/fmp-sim/log.jsonl";
  Result<std::unique_ptr<HttpServer>> bad_log = HttpServer::Bind(responder, unwritable_log);
  ASSERT_FALSE(bad_log.ok());
  EXPECT_EQ(bad_log.status().code(), ErrorCode::kIoError);
}

}  // namespace
}  // namespace tickerflow::sources::fmp_sim
