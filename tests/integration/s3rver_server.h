// An `s3rver` process for tests of the S3 storage code: s3rver 3.7.1 from the npm registry (an
// S3-compatible server in Node.js, installed into node_modules by `make deps`), started on a free
// loopback port (s3rver takes port 0 and prints where it listens), its data, stdout and stderr in
// a directory of the test's, the given buckets created at start, stopped with SIGTERM (SIGKILL if
// it lingers) when the helper goes out of scope.
//
// s3rver is not S3. What a client test must know:
//   * Credentials S3RVER / S3RVER. SigV4 signatures are NOT verified: only the access key id
//     (else 403 InvalidAccessKeyId), the presence of x-amz-content-sha256 (else 400
//     InvalidRequest; UNSIGNED-PAYLOAD is fine, the hash is not checked) and the request time
//     (x-amz-date or Date, within 15 minutes) are. Requests without Authorization are served.
//   * A PUT streams into the object's file in place: not atomic for readers or racing writers.
//   * Listings come in file-system walk order, which is S3's key order only when no key has a
//     character below '/' right after a prefix it shares with a "directory" ("a-b" vs "a/x");
//     otherwise pages by continuation token skip keys.
//   * No abort of multipart uploads (405); a completion naming a part never uploaded crashes it.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "process_runner.h"

namespace tickerflow::testing {

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
inline bool LoopbackPortAccepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool accepted = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return accepted;
}

/// A running s3rver on 127.0.0.1. Check ok() first; error() says why it is not running (with
/// the server's stderr when it got that far). Construct it on the thread that runs the test: the
/// server is killed when the thread that started it ends.
class S3rverServer {
 public:
  /// The only credentials s3rver knows (its hard-coded account). The secret is not checked.
  static constexpr std::string_view kAccessKeyId = "S3RVER";
  static constexpr std::string_view kSecretAccessKey = "S3RVER";
  /// s3rver's continuation tokens name this region; it ignores the region of a signature.
  static constexpr std::string_view kRegion = "us-east-1";
  /// Where `make deps` (npm ci) puts s3rver.
  static constexpr std::string_view kScript = TICKERFLOW_SOURCE_DIR "/node_modules/.bin/s3rver";

  /// Starts `node <kScript>` with its data in `dir`/data (kept if it exists, so a second server
  /// on the same directory sees the first one's objects), stdout and stderr in `dir`, and the
  /// `buckets` created (no error if they exist). `flags` go to s3rver after the others.
  /// Waits (up to 60 s: the machine may be busy) until it accepts connections.
  S3rverServer(const std::filesystem::path& dir, const std::vector<std::string>& buckets,
               const std::vector<std::string>& flags = {})
      : dir_(dir) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir(), ec);
    if (ec) {
      error_ = fmt::format("cannot create {}: {}", data_dir().string(), ec.message());
      return;
    }
    if (!std::filesystem::exists(std::filesystem::path(kScript))) {
      error_ = fmt::format("s3rver is not installed ({} is missing): run `make deps`", kScript);
      return;
    }
    const std::string node = FindInPath("node");
    if (node.empty()) {
      error_ = "node is not on PATH: run `make deps`";
      return;
    }
    // --openssl-legacy-provider: s3rver makes its ListObjectsV2 continuation tokens with DES,
    // which OpenSSL 3 (Node 17 and later) only has in the legacy provider; without it every
    // truncated listing fails with 500 InternalError.
    std::vector<std::string> args = {node,
                                     "--openssl-legacy-provider",
                                     std::string(kScript),
                                     "--directory",
                                     data_dir().string(),
                                     "--address",
                                     "127.0.0.1",
                                     "--port",
                                     "0",
                                     "--silent"};
    for (const std::string& bucket : buckets) {
      args.insert(args.end(), {"--configure-bucket", bucket});
    }
    args.insert(args.end(), flags.begin(), flags.end());
    Spawn(args);
    if (pid_ <= 0) return;
    WaitUntilListening();
  }
  S3rverServer(const S3rverServer&) = delete;
  S3rverServer& operator=(const S3rverServer&) = delete;
  ~S3rverServer() { Stop(); }

  /// Whether it started and listens (false once stopped).
  bool ok() const { return error_.empty() && pid_ > 0 && port_ > 0; }
  /// Why the server is not running; empty while it is.
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  /// "http://127.0.0.1:PORT", for path-style addressing (http://127.0.0.1:PORT/bucket/key).
  std::string endpoint() const { return fmt::format("http://127.0.0.1:{}", port_); }
  /// s3rver's storage: <bucket>/<key dirs>/<last key part>._S3rver_object (+ .md5, metadata).
  std::filesystem::path data_dir() const { return dir_ / "data"; }
  std::string out() const { return ReadFileText(dir_ / "stdout"); }
  std::string err() const { return ReadFileText(dir_ / "stderr"); }

  /// SIGTERM, then SIGKILL after 5 s; reaps the process. The exit status, -signal if it died of
  /// one, or -2000 if it was not running. Idempotent; the destructor calls it.
  int Stop() {
    if (pid_ <= 0) return -2000;
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    bool reaped = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!reaped) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

 private:
  // The first executable `name` on PATH, or "".
  static std::string FindInPath(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
      const size_t colon = rest.find(':');
      const std::string_view entry = rest.substr(0, colon);
      const std::string candidate = fmt::format("{}/{}", entry.empty() ? "." : entry, name);
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      if (colon == std::string_view::npos) return "";
      rest.remove_prefix(colon + 1);
    }
  }

  // fork + execve rather than posix_spawn: the child asks to be SIGKILLed when this thread
  // ends (PR_SET_PDEATHSIG), so a test program that crashes or is killed by CTest's timeout
  // leaves no server behind. The child only makes async-signal-safe calls.
  void Spawn(std::vector<std::string>& args) {
    const std::string out = (dir_ / "stdout").string();
    const std::string err = (dir_ / "stderr").string();
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // The parent died before prctl.
      const int in_fd = ::open("/dev/null", O_RDONLY);
      const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(126);
      ::dup2(in_fd, 0);
      ::dup2(out_fd, 1);
      ::dup2(err_fd, 2);
      ::close_range(3, ~0U, 0);  // Nothing of the test's (sockets, files) goes to the server.
      ::execve(argv[0], argv.data(), environ);
      ::_exit(127);
    }
    if (pid_ < 0) error_ = fmt::format("fork failed: {}", std::strerror(errno));
  }

  // s3rver prints "S3rver listening on 127.0.0.1:PORT" once it listens.
  void WaitUntilListening() {
    constexpr std::string_view kListening = "S3rver listening on ";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = out();
      const size_t at = text.find(kListening);
      const size_t newline = at == std::string::npos ? at : text.find('\n', at);
      if (newline != std::string::npos) {
        const std::string line = text.substr(at, newline - at);
        port_ = std::atoi(line.c_str() + line.rfind(':') + 1);
        if (port_ <= 0) {
          Fail(fmt::format("s3rver printed no port: \"{}\"", line));
          return;
        }
        while (std::chrono::steady_clock::now() < deadline) {
          if (LoopbackPortAccepts(port_)) return;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        Fail(fmt::format("s3rver said it listens on port {} but refuses connections", port_));
        return;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        error_ = fmt::format("s3rver exited ({}) before listening; stderr:\n{}",
                             WIFEXITED(status) ? fmt::format("status {}", WEXITSTATUS(status))
                                               : fmt::format("signal {}", WTERMSIG(status)),
                             err());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Fail("s3rver did not start listening within 60 s");
  }

  // Stops the server and records why it is no good.
  void Fail(const std::string& why) {
    Stop();
    port_ = 0;
    error_ = fmt::format("{}; stderr:\n{}", why, err());
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string error_;
};

}  // namespace tickerflow::testing
