// An open file descriptor, closed on destruction: RAII for the POSIX calls that the standard
// streams do not cover (O_EXCL, fsync, pread, flock).
//
//   UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
//   if (!fd.valid()) return IoError("open", path, errno);
//   ::pread(fd.get(), buffer, size, offset);
#pragma once

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace tickerflow {

/// Owns a file descriptor. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Gives up ownership (to fdopendir, which closes it with the DIR).
  int Release() { return std::exchange(fd_, -1); }
  /// Closes now and reports close()'s own failure (an errno value, 0 for success), which for a
  /// written file can be the first sign of a write error (NFS, quotas).
  int Close() {
    const int result = ::close(std::exchange(fd_, -1));
    return result == 0 ? 0 : errno;
  }

 private:
  void Reset() {
    // close() errors on a descriptor we only read or already flushed carry no information.
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
};

}  // namespace tickerflow
