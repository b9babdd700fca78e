#include "server/event_loop_server.h"

#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/log.h"
#include "common/unique_fd.h"

namespace tickerflow::server {
namespace {

using Clock = std::chrono::steady_clock;

// epoll tags that are not connections (connection ids start above them).
constexpr uint64_t kListenTag = 0;
constexpr uint64_t kWakeTag = 1;
constexpr uint64_t kFirstConnectionId = 2;

// How often idle and slow connections are looked for.
constexpr auto kSweepInterval = std::chrono::milliseconds(200);
// Input read ahead (pipelined requests) while an answer is being made or sent.
constexpr size_t kMaxBufferedInput = size_t{1} << 20;
// After a final answer (413, a malformed request), how long the rest of what the client sends
// is read and dropped, so that closing does not reset the connection before it reads the answer.
constexpr auto kLingerTime = std::chrono::seconds(2);

// The handler threads: one FIFO queue, so requests are answered in the order they came.
class HandlerPool {
 public:
  explicit HandlerPool(size_t threads) {
    for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;
  ~HandlerPool() { Stop(); }

  void Submit(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    ready_.notify_one();
  }

  // Runs what is queued, then joins the threads.
  void Stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

 private:
  void Work() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;  // Guarded by mutex_.
  bool stopping_ = false;                    // Guarded by mutex_.
  std::vector<std::thread> threads_;
};

std::string HttpDate(std::chrono::system_clock::time_point now) {
  // RFC 9110 5.6.7's IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[40];
  const size_t length = std::strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return std::string(text, length);
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
  }
}

HttpAnswer HttpAnswer::Owned(int status, std::string content_type, std::string body) {
  auto storage = std::make_shared<const std::string>(std::move(body));
  HttpAnswer answer{.status = status, .content_type = std::move(content_type)};
  answer.body = *storage;
  answer.owner = std::move(storage);
  return answer;
}

namespace {

struct Connection {
  enum Phase { kReading, kHandling, kWriting, kLingering };

  UniqueFd fd;
  uint64_t id = 0;
  Phase phase = kReading;
  std::string input;  // Received and not yet parsed.
  // When the first byte of the request being read arrived: a head must be whole within the
  // I/O timeout of it, so a client that trickles a byte at a time is cut off too.
  std::optional<Clock::time_point> request_started;
  size_t body_to_skip = 0;     // Bytes of the last request's body still to drop.
  bool input_blocked = false;  // Reading paused with data maybe left in the socket.
  bool peer_closed = false;    // The client sent EOF.
  bool close_after = false;    // Close once the answer in progress is sent.
  bool head_only = false;      // HEAD: the answer's body is not sent.
  std::string head;            // The answer's status line and header fields.
  HttpAnswer answer;           // Its body.
  size_t written = 0;          // Bytes of head + body sent.
  Clock::time_point last_activity;
};

}  // namespace

struct EventLoopServer::Impl {
  // One event loop: its epoll set, its connections, and the answers handler threads finished
  // for them.
  struct Loop {
    Impl* server = nullptr;
    UniqueFd epoll;
    UniqueFd wake;  // eventfd: an answer is ready, or Stop() was called.
    std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections;
    uint64_t next_id = kFirstConnectionId;
    std::mutex finished_mutex;
    std::vector<std::pair<uint64_t, HttpAnswer>> finished;  // Guarded by finished_mutex.
    bool listening = true;
    // Out of file descriptors: accepting pauses until then; connections wait in the backlog.
    std::optional<Clock::time_point> accept_paused_until;
    std::string date;
    std::chrono::system_clock::time_point date_second{};

    void Wake() const {
      const uint64_t one = 1;
      [[maybe_unused]] const ssize_t ignored = ::write(wake.get(), &one, sizeof(one));
    }

    void Run();
    void Accept();
    void OnEvent(Connection& connection, uint32_t events);
    void ReadAvailable(Connection& connection);
    void Advance(Connection& connection);
    void Dispatch(Connection& connection, HttpRequest request);
    void Answer(Connection& connection, HttpAnswer answer);
    void Write(Connection& connection);
    void Finish(Connection& connection);
    void Close(uint64_t id);
    void DeliverFinished();
    void Sweep(Clock::time_point now, bool draining);
    const std::string& Date();
  };

  EventLoopOptions options;
  HttpHandler handler;
  HttpErrorRenderer render_error;
  UniqueFd listener;
  int port = 0;
  std::vector<std::unique_ptr<Loop>> loops;
  std::unique_ptr<HandlerPool> pool;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> open_connections{0};
};

void EventLoopServer::Impl::Loop::Run() {
  std::array<epoll_event, 256> events{};
  Clock::time_point next_sweep = Clock::now() + kSweepInterval;
  std::optional<Clock::time_point> drain_deadline;
  while (true) {
    const int count = ::epoll_wait(epoll.get(), events.data(), static_cast<int>(events.size()),
                                   static_cast<int>(kSweepInterval.count()));
    if (count < 0 && errno != EINTR) {
      TF_LOG_ERROR("serve: epoll_wait failed: {}", std::strerror(errno));
      return;
    }
    for (int i = 0; i < count; ++i) {
      const uint64_t tag = events[static_cast<size_t>(i)].data.u64;
      if (tag == kListenTag) {
        Accept();
      } else if (tag == kWakeTag) {
        uint64_t value = 0;
        [[maybe_unused]] const ssize_t ignored = ::read(wake.get(), &value, sizeof(value));
        DeliverFinished();
      } else if (auto found = connections.find(tag); found != connections.end()) {
        OnEvent(*found->second, events[static_cast<size_t>(i)].events);
      }
    }
    const Clock::time_point now = Clock::now();
    if (server->stopping && !drain_deadline) {
      // Stop taking connections; let the answers in progress go out.
      if (listening) {
        ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, server->listener.get(), nullptr);
        listening = false;
        accept_paused_until.reset();
      }
      drain_deadline = now + server->options.io_timeout;
      next_sweep = now;
    }
    if (now >= next_sweep) {
      Sweep(now, drain_deadline.has_value());
      next_sweep = now + kSweepInterval;
    }
    if (drain_deadline && (connections.empty() || now >= *drain_deadline)) return;
  }
}

void EventLoopServer::Impl::Loop::Accept() {
  while (true) {
    const int fd =
        ::accept4(server->listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // The listening socket stays readable while connections wait in the backlog: stop
        // watching it for a moment rather than spin (Sweep watches it again).
        TF_LOG_WARN("serve: cannot accept connections for now: {} ({} open)", std::strerror(errno),
                    server->open_connections.load());
        ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, server->listener.get(), nullptr);
        accept_paused_until = Clock::now() + kSweepInterval;
      } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        TF_LOG_WARN("serve: accept failed: {}", std::strerror(errno));
      }
      return;
    }
    UniqueFd socket(fd);
    if (server->open_connections.load() >= server->options.max_connections) continue;
    // Answers go out at once: a head and body written apart must not wait for the client's
    // delayed ACK (Nagle's algorithm).
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    auto connection = std::make_unique<Connection>();
    connection->fd = std::move(socket);
    connection->id = next_id++;
    connection->last_activity = Clock::now();
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.u64 = connection->id;
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &event) != 0) continue;
    ++server->open_connections;
    connections.emplace(connection->id, std::move(connection));
  }
}

void EventLoopServer::Impl::Loop::OnEvent(Connection& connection, uint32_t events) {
  const uint64_t id = connection.id;
  if ((events & EPOLLERR) != 0) {
    Close(id);
    return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0) {
    ReadAvailable(connection);
    if (!connections.contains(id)) return;
  }
  if ((events & EPOLLOUT) != 0 && connection.phase == Connection::kWriting) {
    Write(connection);
    if (!connections.contains(id)) return;
  }
  if (connection.phase == Connection::kReading) Advance(connection);
}

void EventLoopServer::Impl::Loop::ReadAvailable(Connection& connection) {
  char buffer[65536];
  while (true) {
    if (connection.phase != Connection::kLingering &&
        connection.input.size() >= kMaxBufferedInput) {
      connection.input_blocked = true;
      return;
    }
    const ssize_t count = ::read(connection.fd.get(), buffer, sizeof(buffer));
    if (count > 0) {
      connection.last_activity = Clock::now();
      if (connection.phase != Connection::kLingering) {
        connection.input.append(buffer, static_cast<size_t>(count));
      }
      continue;
    }
    if (count < 0 && errno == EINTR) continue;
    if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      connection.input_blocked = false;
      return;
    }
    // EOF or a reset. A client may close its side after sending a request and still read the
    // answer; one that is lingering, or has nothing in progress, is done.
    connection.input_blocked = false;
    connection.peer_closed = true;
    if (count < 0 || connection.phase == Connection::kLingering ||
        (connection.phase == Connection::kReading && connection.input.empty())) {
      Close(connection.id);
    }
    return;
  }
}

// Reading: drops the rest of the last body, then parses the next request if it has arrived.
void EventLoopServer::Impl::Loop::Advance(Connection& connection) {
  if (connection.body_to_skip > 0) {
    const size_t skipped = std::min(connection.body_to_skip, connection.input.size());
    connection.input.erase(0, skipped);
    connection.body_to_skip -= skipped;
    if (connection.body_to_skip > 0) {
      if (connection.peer_closed) Close(connection.id);
      return;
    }
  }
  if (connection.input.empty()) {
    if (connection.peer_closed) Close(connection.id);
    return;
  }
  HttpRequest request;
  const HeadParse parsed = ParseRequestHead(connection.input, server->options.head_limits, request);
  if (parsed.state == HeadParse::kIncomplete) {
    if (connection.peer_closed) {
      Close(connection.id);
    } else if (!connection.request_started) {
      connection.request_started = Clock::now();
    }
    return;
  }
  connection.request_started.reset();
  if (parsed.state == HeadParse::kInvalid) {
    connection.close_after = true;
    connection.head_only = false;  // Whatever the request before this one was.
    Answer(connection, server->render_error(parsed.status, parsed.reason));
    return;
  }
  connection.input.erase(0, parsed.head_bytes);
  connection.head_only = request.method == "HEAD";
  if (!request.keep_alive || connection.peer_closed || server->stopping) {
    connection.close_after = true;
  }
  if (request.content_length > server->options.max_body_bytes) {
    connection.close_after = true;
    Answer(connection, server->render_error(413, "the request is too large"));
    return;
  }
  if (request.chunked_body) {
    // The API takes no body, and a chunked one's end is not looked for: answer, then close.
    connection.close_after = true;
  }
  connection.body_to_skip = request.content_length;
  const size_t skipped = std::min(connection.body_to_skip, connection.input.size());
  connection.input.erase(0, skipped);
  connection.body_to_skip -= skipped;
  Dispatch(connection, std::move(request));
}

void EventLoopServer::Impl::Loop::Dispatch(Connection& connection, HttpRequest request) {
  connection.phase = Connection::kHandling;
  server->pool->Submit([this, id = connection.id, request = std::move(request)] {
    HttpAnswer answer;
    try {
      answer = server->handler(request);
    } catch (const std::exception& error) {
      TF_LOG_ERROR("serve: a handler failed: {}", error.what());
      answer = server->render_error(500, "the server failed to answer; see its log");
    }
    {
      std::lock_guard lock(finished_mutex);
      finished.emplace_back(id, std::move(answer));
    }
    Wake();
  });
}

void EventLoopServer::Impl::Loop::DeliverFinished() {
  std::vector<std::pair<uint64_t, HttpAnswer>> ready;
  {
    std::lock_guard lock(finished_mutex);
    ready.swap(finished);
  }
  for (auto& [id, answer] : ready) {
    const auto found = connections.find(id);
    // The client may have gone while its answer was made.
    if (found == connections.end() || found->second->phase != Connection::kHandling) continue;
    Answer(*found->second, std::move(answer));
  }
}

const std::string& EventLoopServer::Impl::Loop::Date() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (now != date_second) {
    date = HttpDate(now);
    date_second = now;
  }
  return date;
}

void EventLoopServer::Impl::Loop::Answer(Connection& connection, HttpAnswer answer) {
  if (server->stopping) connection.close_after = true;
  std::string& head = connection.head;
  head.clear();
  fmt::format_to(std::back_inserter(head), "HTTP/1.1 {} {}\r\nDate: {}\r\n", answer.status,
                 ReasonPhrase(answer.status), Date());
  // 204 and 304 have no body, and no length (RFC 9110 8.6: a 304's would be the 200's).
  if (answer.status == 204 || answer.status == 304) {
    answer.body = {};
  } else {
    fmt::format_to(std::back_inserter(head), "Content-Length: {}\r\n", answer.body.size());
  }
  if (!answer.content_type.empty()) {
    fmt::format_to(std::back_inserter(head), "Content-Type: {}\r\n", answer.content_type);
  }
  for (const auto& [name, value] : answer.headers) {
    fmt::format_to(std::back_inserter(head), "{}: {}\r\n", name, value);
  }
  if (connection.close_after) head += "Connection: close\r\n";
  head += "\r\n";
  if (connection.head_only) answer.body = {};
  connection.answer = std::move(answer);
  connection.written = 0;
  connection.phase = Connection::kWriting;
  connection.last_activity = Clock::now();
  Write(connection);
}

void EventLoopServer::Impl::Loop::Write(Connection& connection) {
  const std::string_view body = connection.answer.body;
  const size_t total = connection.head.size() + body.size();
  while (connection.written < total) {
    std::array<iovec, 2> parts{};
    int used = 0;
    if (connection.written < connection.head.size()) {
      parts[0] = {connection.head.data() + connection.written,
                  connection.head.size() - connection.written};
      parts[1] = {const_cast<char*>(body.data()), body.size()};
      used = body.empty() ? 1 : 2;
    } else {
      const size_t offset = connection.written - connection.head.size();
      // iovec takes non-const bases; sendmsg only reads them.
      parts[0] = {const_cast<char*>(body.data() + offset), body.size() - offset};
      used = 1;
    }
    // sendmsg rather than writev for MSG_NOSIGNAL: a client gone mid-answer is an EPIPE to
    // handle, not a SIGPIPE that ends the process.
    msghdr message{};
    message.msg_iov = parts.data();
    message.msg_iovlen = static_cast<size_t>(used);
    const ssize_t count = ::sendmsg(connection.fd.get(), &message, MSG_NOSIGNAL);
    if (count > 0) {
      connection.written += static_cast<size_t>(count);
      connection.last_activity = Clock::now();
      continue;
    }
    if (count < 0 && errno == EINTR) continue;
    if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // EPOLLOUT resumes.
    Close(connection.id);
    return;
  }
  Finish(connection);
}

// The answer is sent: close, linger, or go on with the next request.
void EventLoopServer::Impl::Loop::Finish(Connection& connection) {
  connection.answer = HttpAnswer{};
  connection.head.clear();
  if (connection.close_after) {
    if (connection.peer_closed) {
      Close(connection.id);
      return;
    }
    ::shutdown(connection.fd.get(), SHUT_WR);
    connection.phase = Connection::kLingering;
    connection.input.clear();
    connection.last_activity = Clock::now();
    ReadAvailable(connection);
    return;
  }
  connection.phase = Connection::kReading;
  if (connection.input_blocked) {
    ReadAvailable(connection);
    if (!connections.contains(connection.id)) return;
  }
  Advance(connection);
}

void EventLoopServer::Impl::Loop::Close(uint64_t id) {
  if (connections.erase(id) > 0) --server->open_connections;
}

void EventLoopServer::Impl::Loop::Sweep(Clock::time_point now, bool draining) {
  std::vector<uint64_t> expired;
  for (const auto& [id, connection] : connections) {
    const auto idle = now - connection->last_activity;
    switch (connection->phase) {
      case Connection::kReading:
        // A stopping server closes connections between requests at once.
        if (idle >= server->options.io_timeout ||
            (connection->request_started &&
             now - *connection->request_started >= server->options.io_timeout) ||
            (draining && connection->input.empty() && connection->body_to_skip == 0)) {
          expired.push_back(id);
        }
        break;
      case Connection::kWriting:
        if (idle >= server->options.io_timeout) expired.push_back(id);
        break;
      case Connection::kLingering:
        if (idle >= std::min<Clock::duration>(kLingerTime, server->options.io_timeout)) {
          expired.push_back(id);
        }
        break;
      case Connection::kHandling:
        break;  // The handler's time is not the client's fault.
    }
  }
  for (const uint64_t id : expired) Close(id);
  if (accept_paused_until && now >= *accept_paused_until && !draining) {
    accept_paused_until.reset();
    epoll_event listen{};
    listen.events = EPOLLIN | EPOLLEXCLUSIVE;
    listen.data.u64 = kListenTag;
    ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, server->listener.get(), &listen);
  }
}

EventLoopServer::EventLoopServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// The handler pool is destroyed before the loops (member order), so a handler still running
// finishes before the loop it reports to goes.
EventLoopServer::~EventLoopServer() = default;

Result<std::unique_ptr<EventLoopServer>> EventLoopServer::Bind(EventLoopOptions options,
                                                               HttpHandler handler,
                                                               HttpErrorRenderer render_error) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  impl->render_error = std::move(render_error);
  const EventLoopOptions& settings = impl->options;

  const auto cannot_listen = [&](std::string_view why) {
    return Status::Error(ErrorCode::kUnavailable,
                         fmt::format("cannot listen on {}:{} ({}); choose another address with "
                                     "--host or port with --port",
                                     settings.host, settings.port, why));
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  const std::string port_text = std::to_string(settings.port);
  if (const int error = ::getaddrinfo(settings.host.c_str(), port_text.c_str(), &hints, &addresses);
      error != 0) {
    return cannot_listen(::gai_strerror(error));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(addresses, &::freeaddrinfo);
  std::string why = "no address to bind";
  for (const addrinfo* address = addresses; address != nullptr; address = address->ai_next) {
    UniqueFd socket(::socket(address->ai_family,
                             address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                             address->ai_protocol));
    if (!socket.valid()) {
      why = std::strerror(errno);
      continue;
    }
    // SO_REUSEADDR only: a restarted server binds over connections in TIME_WAIT. Not
    // SO_REUSEPORT, which would let a second server take half the connections.
    const int yes = 1;
    ::setsockopt(socket.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(socket.get(), address->ai_addr, address->ai_addrlen) != 0 ||
        ::listen(socket.get(), 1024) != 0) {
      why = errno == EADDRINUSE ? "the port is in use" : std::strerror(errno);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof(bound);
    ::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&bound), &length);
    impl->port = bound.ss_family == AF_INET6
                     ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                     : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    impl->listener = std::move(socket);
    break;
  }
  if (!impl->listener.valid()) return cannot_listen(why);
  // Connections are file descriptors: keep some for the store's files, DuckDB and S3.
  rlimit descriptors{};
  if (::getrlimit(RLIMIT_NOFILE, &descriptors) == 0 && descriptors.rlim_cur != RLIM_INFINITY) {
    const size_t budget = descriptors.rlim_cur > 256 ? descriptors.rlim_cur - 128 : 128;
    impl->options.max_connections = std::min(impl->options.max_connections, budget);
  }

  for (size_t i = 0; i < std::max<size_t>(1, settings.io_threads); ++i) {
    auto loop = std::make_unique<Impl::Loop>();
    loop->server = impl.get();
    loop->epoll = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    loop->wake = UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!loop->epoll.valid() || !loop->wake.valid()) {
      return Status::Error(ErrorCode::kUnavailable,
                           fmt::format("cannot make an event loop: {}", std::strerror(errno)));
    }
    epoll_event wake{};
    wake.events = EPOLLIN;
    wake.data.u64 = kWakeTag;
    // Every loop waits on the one listening socket; EPOLLEXCLUSIVE wakes one of them per
    // connection instead of all.
    epoll_event listen{};
    listen.events = EPOLLIN | EPOLLEXCLUSIVE;
    listen.data.u64 = kListenTag;
    if (::epoll_ctl(loop->epoll.get(), EPOLL_CTL_ADD, loop->wake.get(), &wake) != 0 ||
        ::epoll_ctl(loop->epoll.get(), EPOLL_CTL_ADD, impl->listener.get(), &listen) != 0) {
      return Status::Error(ErrorCode::kUnavailable,
                           fmt::format("cannot make an event loop: {}", std::strerror(errno)));
    }
    impl->loops.push_back(std::move(loop));
  }
  return std::unique_ptr<EventLoopServer>(new EventLoopServer(std::move(impl)));
}

int EventLoopServer::port() const { return impl_->port; }

Status EventLoopServer::Serve() {
  impl_->pool = std::make_unique<HandlerPool>(std::max<size_t>(1, impl_->options.handler_threads));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl_->loops.size(); ++i) {
    threads.emplace_back([loop = impl_->loops[i].get()] { loop->Run(); });
  }
  impl_->loops.front()->Run();
  for (std::thread& thread : threads) thread.join();
  // Handlers still running finish; their answers have nowhere to go.
  impl_->pool->Stop();
  return Status::Ok();
}

void EventLoopServer::Stop() {
  impl_->stopping = true;
  for (const auto& loop : impl_->loops) loop->Wake();
}

}  // namespace tickerflow::server
