// Runs the built tickerflow program for end-to-end tests: arguments in, exit status and
// captured output back. Output goes through files, so a large output cannot fill a pipe and
// block the child.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX's name.

namespace tickerflow::testing {

inline constexpr std::string_view kProgram = TICKERFLOW_BINARY_DIR "/tickerflow";

/// What a finished run of the program left.
struct ProgramResult {
  int exit_code = -1;  ///< The exit status, or -signal when the program was killed.
  std::string out;
  std::string err;
};

inline std::string ReadFileText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A started program; Wait() or Kill() it.
class RunningProgram {
 public:
  RunningProgram(const std::vector<std::string>& args, const std::filesystem::path& capture_dir)
      : out_path_(capture_dir / "stdout"), err_path_(capture_dir / "stderr") {
    std::filesystem::create_directories(capture_dir);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    std::vector<std::string> storage = {std::string(kProgram)};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  RunningProgram(const RunningProgram&) = delete;
  RunningProgram& operator=(const RunningProgram&) = delete;
  ~RunningProgram() {
    if (pid_ > 0) Kill();
  }

  bool started() const { return pid_ > 0; }

  /// Waits for the program to end.
  ProgramResult Wait() {
    ProgramResult result;
    if (pid_ <= 0) return result;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
    }
    pid_ = -1;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    result.out = ReadFileText(out_path_);
    result.err = ReadFileText(err_path_);
    return result;
  }

  /// SIGTERM, as a service manager stops a service, then waits for the program to end.
  ProgramResult Terminate() {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
    return Wait();
  }

  /// SIGKILL, as a crash or `kill -9` would, then reaps the program.
  ProgramResult Kill() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    return Wait();
  }

 private:
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
  pid_t pid_ = -1;
};

/// Runs the program to completion.
inline ProgramResult RunProgram(const std::vector<std::string>& args,
                                const std::filesystem::path& capture_dir) {
  RunningProgram program(args, capture_dir);
  return program.Wait();
}

}  // namespace tickerflow::testing
