#include "net/http_client.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/loopback_server_test_util.h"

namespace tickerflow::net {
namespace {

using std::chrono::milliseconds;

HttpRequest Req(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

constexpr char kSecret[] = "s3cr3t-KEY-0123";

std::unique_ptr<HttpClient> MakeClient(HttpClientOptions options = {}) {
  Result<std::unique_ptr<HttpClient>> client = HttpClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return std::move(client).value();
}

std::string Gzip(const std::string& text) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip wrapper rather than zlib's.
  EXPECT_EQ(deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, text.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));  // NOLINT
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());  // NOLINT
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// A port with nothing listening on it: bound by a server that is then stopped.
int ClosedPort() {
  int port = 0;
  {
    LoopbackServer server([](httplib::Server&) {});
    port = server.port();
  }
  return port;
}

TEST(HttpClientTest, ReturnsStatusContentTypeAndBody) {
  LoopbackServer server([](httplib::Server& s) {
    s.Get("/hello", [](const httplib::Request& request, httplib::Response& response) {
      response.set_content("hi " + request.get_param_value("name"), "text/plain");
    });
  });
  auto client = MakeClient();
  Result<HttpResponse> response = client->Get(Req(server.Url("/hello?name=x")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hi x");
  EXPECT_EQ(response->content_type, "text/plain");
  EXPECT_FALSE(response->retry_after.has_value());
}

// "\"<n>\"", an ETag.
std::string Quoted(size_t n) {
  std::string text(1, '"');
  text.append(std::to_string(n));
  text.push_back('"');
  return text;
}

TEST(HttpClientTest, SendsPutPostHeadAndDeleteWithBodiesAndReturnsEveryHeader) {
  LoopbackServer server([](httplib::Server& s) {
    auto echo = [](const httplib::Request& request, httplib::Response& response) {
      response.set_header("ETag", Quoted(request.body.size()));
      response.set_header("X-Method", request.method);
      response.set_header("X-Type", request.get_header_value("Content-Type"));
      response.set_header("X-Expect", request.get_header_value("Expect"));
      response.set_content(request.body, "application/octet-stream");
    };
    s.Put("/object", echo);
    s.Post("/object", echo);
    s.Delete("/object", echo);
    s.Get("/object", echo);
  });
  auto client = MakeClient();
  // A body of 2 MB with NULs: sent as is, without waiting for a 100 Continue.
  std::string body(2 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 31);
  HttpRequest put{.method = "PUT", .url = server.Url("/object"), .body = body};
  Result<HttpResponse> response = client->Send(put);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body == body);
  ASSERT_NE(response->Header("etag"), nullptr);
  EXPECT_EQ(*response->Header("etag"), Quoted(body.size()));
  EXPECT_EQ(*response->Header("x-method"), "PUT");
  EXPECT_EQ(*response->Header("x-type"), "application/octet-stream");
  EXPECT_EQ(*response->Header("x-expect"), "");
  EXPECT_EQ(response->Header("no-such-header"), nullptr);

  HttpRequest post{.method = "POST",
                   .url = server.Url("/object"),
                   .headers = {{"Content-Type", "application/xml"}},
                   .body = "<x/>"};
  response = client->Send(post);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(*response->Header("x-method"), "POST");
  EXPECT_EQ(*response->Header("x-type"), "application/xml");
  EXPECT_EQ(response->body, "<x/>");

  response = client->Send({.method = "HEAD", .url = server.Url("/object")});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "");
  EXPECT_EQ(*response->Header("x-method"), "HEAD");

  response = client->Send({.method = "DELETE", .url = server.Url("/object")});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(*response->Header("x-method"), "DELETE");

  Result<HttpResponse> bad = client->Send({.method = "BREW", .url = server.Url("/object")});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("BREW"), std::string::npos);
}

TEST(HttpClientTest, ErrorStatusesAreResponsesWithTheirHeaders) {
  LoopbackServer server([](httplib::Server& s) {
    s.Get("/limited", [](const httplib::Request&, httplib::Response& response) {
      response.status = 429;
      response.set_header("Retry-After", "7");
      response.set_content(R"({"Error Message":"Limit Reach ."})", "application/json");
    });
  });
  auto client = MakeClient();
  Result<HttpResponse> response = client->Get(Req(server.Url("/limited")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 429);
  ASSERT_TRUE(response->retry_after.has_value());
  EXPECT_EQ(*response->retry_after, std::chrono::seconds(7));
  EXPECT_EQ(response->body, R"({"Error Message":"Limit Reach ."})");

  Result<HttpResponse> missing = client->Get(Req(server.Url("/nothing-here")));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
}

TEST(HttpClientTest, ReusesOneKeepAliveConnectionForSequentialRequests) {
  std::mutex mutex;
  std::set<int> client_ports;
  LoopbackServer server([&](httplib::Server& s) {
    s.Get("/n", [&](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex);
      client_ports.insert(request.remote_port);
      response.set_content("ok", "text/plain");
    });
  });
  auto client = MakeClient();
  for (int i = 0; i < 20; ++i) {
    Result<HttpResponse> response = client->Get(Req(server.Url("/n")));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
  }
  EXPECT_EQ(client->connections_opened(), 1);
  EXPECT_EQ(client_ports.size(), 1u);
  EXPECT_EQ(client->completed(), 20);
}

TEST(HttpClientTest, AsksForCompressionAndDecompressesGzip) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "symbol,date,open\nAAPL,2025-06-02,201.7\n";
  const std::string compressed = Gzip(text);
  ASSERT_LT(compressed.size(), text.size() / 10);
  std::string accept_encoding;
  LoopbackServer server([&](httplib::Server& s) {
    s.Get("/bulk", [&](const httplib::Request& request, httplib::Response& response) {
      accept_encoding = request.get_header_value("Accept-Encoding");
      response.set_header("Content-Encoding", "gzip");
      // A type cpp-httplib does not compress again on its own.
      response.set_content(compressed, "application/octet-stream");
    });
  });
  auto client = MakeClient();
  Result<HttpResponse> response = client->Get(Req(server.Url("/bulk")));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_NE(accept_encoding.find("gzip"), std::string::npos) << accept_encoding;
  EXPECT_EQ(response->body, text);
}

TEST(HttpClientTest, AStalledResponseTimesOutAsUnavailableWithoutTheKey) {
  LoopbackServer server([](httplib::Server& s) {
    s.Get("/stall", [](const httplib::Request&, httplib::Response& response) {
      std::this_thread::sleep_for(milliseconds(700));
      response.set_content("late", "text/plain");
    });
  });
  HttpClientOptions options;
  options.total_timeout = milliseconds(150);
  auto client = MakeClient(options);
  const auto begin = std::chrono::steady_clock::now();
  Result<HttpResponse> response =
      client->Get(Req(server.Url(std::string("/stall?symbol=A&apikey=") + kSecret)));
  ASSERT_FALSE(response.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - begin, milliseconds(650));
  EXPECT_EQ(response.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(response.status().message().find(kSecret), std::string::npos)
      << response.status().message();
  EXPECT_NE(response.status().message().find("apikey=REDACTED"), std::string::npos)
      << response.status().message();
}

TEST(HttpClientTest, APerRequestTimeoutOverridesTheDefault) {
  LoopbackServer server([](httplib::Server& s) {
    s.Get("/slow", [](const httplib::Request&, httplib::Response& response) {
      std::this_thread::sleep_for(milliseconds(300));
      response.set_content("done", "text/plain");
    });
  });
  HttpClientOptions options;
  options.total_timeout = milliseconds(100);
  auto client = MakeClient(options);
  Result<HttpResponse> response =
      client->Get({.url = server.Url("/slow"), .headers = {}, .timeout = milliseconds(5000)});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "done");
}

TEST(HttpClientTest, ARefusedConnectionIsUnavailableWithoutTheKey) {
  const int port = ClosedPort();
  auto client = MakeClient();
  Result<HttpResponse> response =
      client->Get(Req("http://127.0.0.1:" + std::to_string(port) + "/x?apikey=" + kSecret));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(response.status().message().find(kSecret), std::string::npos)
      << response.status().message();
}

TEST(HttpClientTest, AMalformedUrlIsInvalidArgument) {
  auto client = MakeClient();
  Result<HttpResponse> response = client->Get(Req("ftp://127.0.0.1/x"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), ErrorCode::kInvalidArgument);
}

TEST(HttpClientTest, ManyThreadsHaveTheirRequestsInFlightAtOnce) {
  // Each handler waits until 16 requests are inside handlers at the same time (or gives up
  // after 5 s): only a client that really runs them concurrently reaches 16.
  constexpr int kThreads = 48;
  constexpr int kWanted = 16;
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  int most_inside = 0;
  LoopbackServer server(
      [&](httplib::Server& s) {
        s.Get("/wait", [&](const httplib::Request& request, httplib::Response& response) {
          std::unique_lock lock(mutex);
          ++inside;
          most_inside = std::max(most_inside, inside);
          changed.notify_all();
          changed.wait_for(lock, std::chrono::seconds(5), [&] { return most_inside >= kWanted; });
          --inside;
          response.set_content(request.get_param_value("i"), "text/plain");
        });
      },
      /*threads=*/64);
  auto client = MakeClient();
  std::vector<std::thread> threads;
  std::atomic<int> correct{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Result<HttpResponse> response = client->Get(Req(server.Url("/wait?i=" + std::to_string(i))));
      if (response.ok() && response->body == std::to_string(i)) correct.fetch_add(1);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(correct.load(), kThreads);
  EXPECT_GE(most_inside, kWanted);
}

TEST(HttpClientTest, GetAsyncCallsBackOnceWithTheResponse) {
  LoopbackServer server([](httplib::Server& s) {
    s.Get("/a", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("async", "text/plain");
    });
  });
  auto client = MakeClient();
  std::promise<std::string> body;
  client->GetAsync(Req(server.Url("/a")), [&](Result<HttpResponse> response) {
    body.set_value(response.ok() ? response->body : response.status().ToString());
  });
  EXPECT_EQ(body.get_future().get(), "async");
}

TEST(HttpClientTest, DestroyingTheClientFailsTransfersStillRunning) {
  LoopbackServer server([](httplib::Server& s) {
    s.Get("/stall", [](const httplib::Request&, httplib::Response& response) {
      std::this_thread::sleep_for(milliseconds(500));
      response.set_content("late", "text/plain");
    });
  });
  std::promise<ErrorCode> code;
  {
    auto client = MakeClient();
    client->GetAsync(Req(server.Url("/stall")), [&](Result<HttpResponse> response) {
      code.set_value(response.ok() ? ErrorCode::kInternal : response.status().code());
    });
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(code.get_future().get(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace tickerflow::net
