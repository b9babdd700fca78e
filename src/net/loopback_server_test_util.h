// A cpp-httplib server on 127.0.0.1 and a free port, for the HTTP tests only: started by the
// constructor, stopped by the destructor.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace tickerflow::net {

class LoopbackServer {
 public:
  /// `setup` registers the handlers; `threads` serve requests at once.
  explicit LoopbackServer(const std::function<void(httplib::Server&)>& setup, size_t threads = 8) {
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_keep_alive_max_count(1000);
    setup(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  /// "http://127.0.0.1:<port><path>".
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace tickerflow::net
