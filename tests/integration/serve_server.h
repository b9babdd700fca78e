// A `tickerflow serve` started for a test on a free loopback port (--port 0; the port is read
// from its first line), stopped with SIGTERM when destroyed.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "process_runner.h"

namespace tickerflow::testing {

class ServeProgram {
 public:
  ServeProgram(const std::vector<std::string>& args, const std::filesystem::path& capture)
      : capture_(capture), program_(args, capture) {
    for (int i = 0; i < 500 && port_ == 0; ++i) {
      const std::string out = ReadFileText(capture_ / "stdout");
      const size_t at = out.find("listening on http://127.0.0.1:");
      if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
        port_ = std::atoi(out.c_str() + at + std::string("listening on http://127.0.0.1:").size());
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
  int port() const { return port_; }
  ProgramResult Stop() { return program_.Terminate(); }
  std::string err() const { return ReadFileText(capture_ / "stderr"); }

 private:
  std::filesystem::path capture_;
  RunningProgram program_;
  int port_ = 0;
};

}  // namespace tickerflow::testing
