// RAII over libcurl's handles, for http_client.cc. Not a public header.
#pragma once

#include <curl/curl.h>

#include <utility>

namespace tickerflow::net::internal {

/// curl_global_init, exactly once per process, before the first handle; the cleanup runs at
/// exit. Every handle type below calls it, so nobody can forget.
void EnsureCurlGlobalInit();

/// One easy handle (a transfer).
class CurlEasy {
 public:
  CurlEasy();  ///< curl_easy_init; get() is nullptr if libcurl is out of memory.
  ~CurlEasy() {
    if (handle_ != nullptr) curl_easy_cleanup(handle_);
  }
  CurlEasy(CurlEasy&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  CurlEasy& operator=(CurlEasy&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;

  CURL* get() const { return handle_; }

 private:
  CURL* handle_ = nullptr;
};

/// One multi handle (many transfers on one thread, one connection cache).
class CurlMulti {
 public:
  CurlMulti();  ///< curl_multi_init; get() is nullptr if libcurl is out of memory.
  ~CurlMulti() {
    if (handle_ != nullptr) curl_multi_cleanup(handle_);
  }
  CurlMulti(CurlMulti&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  CurlMulti& operator=(CurlMulti&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  CURLM* get() const { return handle_; }

 private:
  CURLM* handle_ = nullptr;
};

/// A list of header lines.
class CurlSlist {
 public:
  CurlSlist() = default;
  ~CurlSlist() {
    if (list_ != nullptr) curl_slist_free_all(list_);
  }
  CurlSlist(CurlSlist&& other) noexcept : list_(std::exchange(other.list_, nullptr)) {}
  CurlSlist& operator=(CurlSlist&& other) noexcept {
    std::swap(list_, other.list_);
    return *this;
  }
  CurlSlist(const CurlSlist&) = delete;
  CurlSlist& operator=(const CurlSlist&) = delete;

  /// Appends a line; false if libcurl is out of memory (the list is unchanged).
  bool Append(const char* line) {
    curl_slist* grown = curl_slist_append(list_, line);
    if (grown == nullptr) return false;
    list_ = grown;
    return true;
  }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

}  // namespace tickerflow::net::internal
