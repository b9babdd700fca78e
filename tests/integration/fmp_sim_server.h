// A `tickerflow fmp-sim` process for end-to-end tests: started on a free loopback port (it
// prints where it listens), its request log and stderr in a directory of the test's, stopped
// with SIGTERM (or killed when the test ends early).
#pragma once

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process_runner.h"

namespace tickerflow::testing {

// A running `tickerflow fmp-sim`: started on a free port, stopped with SIGTERM.
class SimServer {
 public:
  SimServer(const std::filesystem::path& dir, const std::vector<std::string>& flags) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    const std::filesystem::path out = dir_ / "stdout";
    const std::filesystem::path err = dir_ / "stderr";
    std::vector<std::string> args = {std::string(kProgram), "fmp-sim",     "--port", "0",
                                     "--request-log",       log().string()};
    args.insert(args.end(), flags.begin(), flags.end());
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    if (pid_ <= 0) return;
    // The first line says where it listens. Generous: the machine may be busy.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = ReadFileText(out);
      const size_t newline = text.find('\n');
      if (newline != std::string::npos) {
        first_line_ = text.substr(0, newline);
        const size_t colon = first_line_.rfind(':');
        if (colon != std::string::npos) port_ = std::atoi(first_line_.c_str() + colon + 1);
        break;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // It died before listening.
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;
  ~SimServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  int port() const { return port_; }
  std::string base_url() const { return fmt::format("http://127.0.0.1:{}", port_); }
  const std::string& first_line() const { return first_line_; }
  std::filesystem::path log() const { return dir_ / "requests.jsonl"; }
  std::string err() const { return ReadFileText(dir_ / "stderr"); }

  // SIGTERM, then the exit status (-signal if killed; -1000 if it did not stop in time).
  int Terminate() {
    if (pid_ <= 0) return -2000;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1000;  // The destructor kills it.
  }

  // Every line of the request log.
  std::vector<nlohmann::json> LogLines() const {
    std::vector<nlohmann::json> lines;
    std::istringstream in(ReadFileText(log()));
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string first_line_;
};

}  // namespace tickerflow::testing
