#include "server/event_loop_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"

namespace tickerflow::server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

// A client that speaks raw HTTP/1.1 over a loopback socket, so the test controls every byte.
class RawClient {
 public:
  explicit RawClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        ::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  }

  bool connected() const { return connected_; }

  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t count = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (count <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(count));
    }
  }

  // One answer: its head and, unless `head_only`, the Content-Length bytes of body after it.
  // Empty when the connection closes or nothing comes for 5 s.
  std::string ReadAnswer(bool head_only = false) {
    while (true) {
      const size_t head_end = pending_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::string head = pending_.substr(0, head_end + 4);
        size_t length = 0;
        const size_t at = head.find("Content-Length: ");
        if (at != std::string::npos) length = std::stoul(head.substr(at + 16));
        if (head_only) length = 0;
        if (pending_.size() >= head.size() + length) {
          std::string answer = pending_.substr(0, head.size() + length);
          pending_.erase(0, answer.size());
          return answer;
        }
      }
      if (!ReadSome()) return {};
    }
  }

  // Whether the server closes the connection within `limit`.
  bool ClosedWithin(std::chrono::milliseconds limit) {
    const Clock::time_point deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      pollfd ready{.fd = fd_.get(), .events = POLLIN, .revents = 0};
      if (::poll(&ready, 1, 50) == 1) {
        char buffer[4096];
        if (::recv(fd_.get(), buffer, sizeof(buffer), 0) <= 0) return true;
      }
    }
    return false;
  }

 private:
  bool ReadSome() {
    pollfd ready{.fd = fd_.get(), .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, 5000) != 1) return false;
    char buffer[65536];
    const ssize_t count = ::recv(fd_.get(), buffer, sizeof(buffer), 0);
    if (count <= 0) return false;
    pending_.append(buffer, static_cast<size_t>(count));
    return true;
  }

  UniqueFd fd_;
  bool connected_ = false;
  std::string pending_;
};

std::string BodyOf(const std::string& answer) { return answer.substr(answer.find("\r\n\r\n") + 4); }

// A server on a free loopback port, served on a thread, stopped at the end of the test.
class EventLoopServerTest : public ::testing::Test {
 protected:
  void Start(HttpHandler handler, EventLoopOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    if (options.io_timeout == std::chrono::seconds(5)) options.io_timeout = std::chrono::seconds(2);
    Result<std::unique_ptr<EventLoopServer>> bound =
        EventLoopServer::Bind(options, std::move(handler), [](int status, std::string_view reason) {
          return HttpAnswer::Owned(status, "application/json",
                                   "{\"error\":\"" + std::string(reason) + "\"}");
        });
    ASSERT_TRUE(bound.ok()) << bound.status().message();
    server_ = std::move(*bound);
    serving_ = std::async(std::launch::async, [this] { return server_->Serve(); });
  }

  void TearDown() override {
    if (!server_) return;
    server_->Stop();
    EXPECT_TRUE(serving_.get().ok());
  }

  // Answers "METHOD path name=value ..." for every request.
  static HttpAnswer Echo(const HttpRequest& request) {
    std::string text = request.method + " " + request.path;
    for (const auto& [name, value] : request.query) {
      text.append(" ").append(name).append("=").append(value);
    }
    HttpAnswer answer = HttpAnswer::Owned(200, "text/plain", text);
    answer.headers.emplace_back("X-Test", "yes");
    return answer;
  }

  std::unique_ptr<EventLoopServer> server_;
  std::future<Status> serving_;
};

TEST_F(EventLoopServerTest, AnswersKeepAliveAndPipelinedRequestsInOrder) {
  Start(Echo);
  RawClient client(server_->port());
  ASSERT_TRUE(client.connected());
  client.Send("GET /a?x=1%202 HTTP/1.1\r\nHost: t\r\n\r\n");
  const std::string first = client.ReadAnswer();
  EXPECT_THAT(first, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(first, HasSubstr("Content-Type: text/plain\r\n"));
  EXPECT_THAT(first, HasSubstr("Content-Length: 12\r\n"));
  EXPECT_THAT(first, HasSubstr("X-Test: yes\r\n"));
  EXPECT_THAT(first, HasSubstr(" GMT\r\n"));  // Date
  EXPECT_THAT(first, Not(HasSubstr("Connection: close")));
  EXPECT_EQ(BodyOf(first), "GET /a x=1 2");
  // Three requests in one write come back as three answers, in order, on the same connection.
  client.Send(
      "GET /b HTTP/1.1\r\n\r\nGET /c?y HTTP/1.1\r\n\r\nHEAD /d HTTP/1.1\r\nConnection: "
      "close\r\n\r\n");
  EXPECT_EQ(BodyOf(client.ReadAnswer()), "GET /b");
  EXPECT_EQ(BodyOf(client.ReadAnswer()), "GET /c y=");
  // HEAD: the length of the body it would have, no body, and the close it asked for.
  const std::string head = client.ReadAnswer(/*head_only=*/true);
  EXPECT_THAT(head, HasSubstr("Content-Length: 7\r\n"));
  EXPECT_THAT(head, HasSubstr("Connection: close\r\n"));
  EXPECT_EQ(BodyOf(head), "");
  EXPECT_TRUE(client.ClosedWithin(std::chrono::seconds(3)));
}

TEST_F(EventLoopServerTest, NotModifiedAnswersHaveNoLengthAndNoBody) {
  Start([](const HttpRequest& request) {
    HttpAnswer answer = HttpAnswer::Owned(request.path == "/same" ? 304 : 200, "", "unsent");
    answer.headers.emplace_back("ETag", "W/\"1\"");
    return answer;
  });
  RawClient client(server_->port());
  client.Send("GET /same HTTP/1.1\r\n\r\nGET /new HTTP/1.1\r\n\r\n");
  const std::string not_modified = client.ReadAnswer();
  EXPECT_THAT(not_modified, StartsWith("HTTP/1.1 304 Not Modified\r\n"));
  EXPECT_THAT(not_modified, Not(HasSubstr("Content-Length")));
  EXPECT_THAT(not_modified, Not(HasSubstr("Content-Type")));
  EXPECT_THAT(not_modified, HasSubstr("ETag: W/\"1\"\r\n"));
  // Nothing follows the 304's head: the next answer starts right after it.
  const std::string next = client.ReadAnswer();
  EXPECT_THAT(next, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(BodyOf(next), "unsent");
}

TEST_F(EventLoopServerTest, BodiesAreSkippedAndLargeOnesRefused) {
  Start(Echo, EventLoopOptions{.max_body_bytes = 100});
  RawClient client(server_->port());
  // A body within the limit is read and dropped; the next request on the connection is whole.
  client.Send(
      "POST /p HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789GET /after HTTP/1.1\r\n\r\n");
  EXPECT_EQ(BodyOf(client.ReadAnswer()), "POST /p");
  EXPECT_EQ(BodyOf(client.ReadAnswer()), "GET /after");
  // One over it answers 413 and closes, after reading what the client still sends (so the
  // client reads the answer rather than a reset).
  RawClient large(server_->port());
  large.Send("POST /p HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n" + std::string(200'000, 'x'));
  const std::string refused = large.ReadAnswer();
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 413 Content Too Large\r\n"));
  EXPECT_THAT(refused, HasSubstr("Connection: close\r\n"));
  EXPECT_EQ(BodyOf(refused), "{\"error\":\"the request is too large\"}");
  EXPECT_TRUE(large.ClosedWithin(std::chrono::seconds(5)));
}

TEST_F(EventLoopServerTest, MalformedRequestsGetTheErrorRenderersAnswer) {
  Start(Echo);
  RawClient client(server_->port());
  client.Send("GET /x HTTP/3\r\n\r\n");
  const std::string answer = client.ReadAnswer();
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 505 HTTP Version Not Supported\r\n"));
  EXPECT_THAT(BodyOf(answer), HasSubstr("HTTP/1.0 and HTTP/1.1"));
  EXPECT_TRUE(client.ClosedWithin(std::chrono::seconds(5)));
  // After a HEAD, a malformed request's error still has its body.
  RawClient after_head(server_->port());
  after_head.Send("HEAD /h HTTP/1.1\r\n\r\nGET /x HTTP/3\r\n\r\n");
  EXPECT_EQ(BodyOf(after_head.ReadAnswer(/*head_only=*/true)), "");
  EXPECT_THAT(BodyOf(after_head.ReadAnswer()), HasSubstr("HTTP/1.0 and HTTP/1.1"));
  RawClient long_url(server_->port());
  long_url.Send("GET /?q=" + std::string(20'000, 'a') + " HTTP/1.1\r\n\r\n");
  EXPECT_THAT(long_url.ReadAnswer(), StartsWith("HTTP/1.1 414 URI Too Long\r\n"));
}

TEST_F(EventLoopServerTest, IdleAndSlowClientsAreCutOff) {
  Start(Echo, EventLoopOptions{.io_timeout = std::chrono::milliseconds(300)});
  RawClient idle(server_->port());
  RawClient half(server_->port());
  half.Send("GET /never-finished HTTP/1.1\r\nHost:");
  const Clock::time_point start = Clock::now();
  EXPECT_TRUE(idle.ClosedWithin(std::chrono::seconds(3)));
  EXPECT_TRUE(half.ClosedWithin(std::chrono::seconds(3)));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(250));
  // A client that sends a byte of its head every 100 ms is never idle for 300 ms, but its
  // head is not whole 300 ms after it began: cut off too.
  RawClient trickle(server_->port());
  const std::string head = "GET /slowly HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(100, 'f');
  bool cut_off = false;
  const Clock::time_point began = Clock::now();
  for (size_t i = 0; i < head.size() && !cut_off; ++i) {
    trickle.Send(head.substr(i, 1));
    cut_off = trickle.ClosedWithin(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(cut_off);
  EXPECT_LT(Clock::now() - began, std::chrono::seconds(2));
  // And the server still answers.
  RawClient patient(server_->port());
  patient.Send("GET /ok HTTP/1.1\r\n\r\n");
  EXPECT_EQ(BodyOf(patient.ReadAnswer()), "GET /ok");
}

TEST_F(EventLoopServerTest, SlowHandlersAreNotCutOffAndLargeBodiesGoOutWhole) {
  const std::string large(8 << 20, 'z');
  Start(
      [&large](const HttpRequest& request) {
        if (request.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(600));
        HttpAnswer answer{.status = 200, .content_type = "application/octet-stream"};
        answer.body = large;  // Shared, not copied.
        return answer;
      },
      EventLoopOptions{.io_timeout = std::chrono::milliseconds(300)});
  RawClient client(server_->port());
  client.Send("GET /slow HTTP/1.1\r\n\r\nGET /again HTTP/1.1\r\n\r\n");
  for (int i = 0; i < 2; ++i) {
    const std::string answer = client.ReadAnswer();
    ASSERT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n")) << i;
    EXPECT_EQ(BodyOf(answer), large) << i;
  }
}

TEST_F(EventLoopServerTest, ManyConnectionsAtOnceAreAllAnswered) {
  Start(Echo, EventLoopOptions{.io_threads = 2, .handler_threads = 3});
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 300; ++i) {
    clients.push_back(std::make_unique<RawClient>(server_->port()));
    ASSERT_TRUE(clients.back()->connected());
  }
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < clients.size(); ++i) {
      clients[i]->Send("GET /c?i=" + std::to_string(i) + " HTTP/1.1\r\n\r\n");
    }
    for (size_t i = 0; i < clients.size(); ++i) {
      EXPECT_EQ(BodyOf(clients[i]->ReadAnswer()), "GET /c i=" + std::to_string(i));
    }
  }
}

TEST_F(EventLoopServerTest, HandlerExceptionsAnswer500) {
  Start([](const HttpRequest& /*request*/) -> HttpAnswer { throw std::runtime_error("boom"); });
  RawClient client(server_->port());
  client.Send("GET / HTTP/1.1\r\n\r\n");
  const std::string answer = client.ReadAnswer();
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 500 Internal Server Error\r\n"));
  EXPECT_THAT(BodyOf(answer), HasSubstr("see its log"));
}

TEST_F(EventLoopServerTest, StopLetsTheAnswerInProgressGoOut) {
  std::atomic<bool> entered{false};
  Start([&entered](const HttpRequest& request) {
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return Echo(request);
  });
  const int port = server_->port();
  RawClient busy(port);
  RawClient idle(port);
  busy.Send("GET /busy HTTP/1.1\r\n\r\n");
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  server_->Stop();
  const std::string answer = busy.ReadAnswer();
  EXPECT_EQ(BodyOf(answer), "GET /busy");
  EXPECT_THAT(answer, HasSubstr("Connection: close\r\n"));
  EXPECT_TRUE(idle.ClosedWithin(std::chrono::seconds(3)));
  EXPECT_TRUE(serving_.get().ok());
  server_.reset();
  // Nothing listens any more.
  EXPECT_FALSE(RawClient(port).connected());
}

TEST(EventLoopServerBindTest, APortInUseIsAClearError) {
  auto first = EventLoopServer::Bind(
      EventLoopOptions{.host = "127.0.0.1", .port = 0},
      [](const HttpRequest&) { return HttpAnswer::Owned(200, "text/plain", ""); },
      [](int status, std::string_view) { return HttpAnswer::Owned(status, "text/plain", ""); });
  ASSERT_TRUE(first.ok());
  auto second = EventLoopServer::Bind(
      EventLoopOptions{.host = "127.0.0.1", .port = (*first)->port()},
      [](const HttpRequest&) { return HttpAnswer::Owned(200, "text/plain", ""); },
      [](int status, std::string_view) { return HttpAnswer::Owned(status, "text/plain", ""); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("the port is in use"));
  EXPECT_THAT(second.status().message(), HasSubstr("--port"));
}

}  // namespace
}  // namespace tickerflow::server
