#include "net/http_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/ascii.h"
#include "common/log.h"
#include "net/curl_internal.h"
#include "net/redact.h"

namespace tickerflow::net {
namespace internal {

void EnsureCurlGlobalInit() {
  // A function-local static: initialised once, thread-safely; cleaned up at exit.
  struct Global {
    Global() : code(curl_global_init(CURL_GLOBAL_DEFAULT)) {}
    ~Global() {
      if (code == CURLE_OK) curl_global_cleanup();
    }
    Global(const Global&) = delete;
    Global& operator=(const Global&) = delete;
    CURLcode code;
  };
  static const Global kGlobal;
}

CurlEasy::CurlEasy() {
  EnsureCurlGlobalInit();
  handle_ = curl_easy_init();
}

CurlMulti::CurlMulti() {
  EnsureCurlGlobalInit();
  handle_ = curl_multi_init();
}

}  // namespace internal

namespace {

using internal::CurlEasy;
using internal::CurlMulti;
using internal::CurlSlist;

// The longest a poll waits without news: bounds how late a shutdown is noticed should a
// wakeup ever be lost.
constexpr int kPollMilliseconds = 1000;

// One request on its way: the easy handle and everything its callbacks write into.
struct Transfer {
  HttpRequest request;
  HttpClient::Callback done;
  std::string redacted_url;
  CurlEasy easy;
  CurlSlist headers;
  HttpResponse response;
  int64_t max_body_bytes = 0;
  bool body_too_large = false;
  char error[CURL_ERROR_SIZE] = {};
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (static_cast<int64_t>(transfer->response.body.size() + bytes) > transfer->max_body_bytes) {
    transfer->body_too_large = true;
    return 0;  // libcurl aborts the transfer with CURLE_WRITE_ERROR.
  }
  transfer->response.body.append(data, bytes);
  return bytes;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  const std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    // A new response (after a 100 Continue, say): forget the headers of the previous one.
    transfer->response.retry_after.reset();
    transfer->response.headers.clear();
    return bytes;
  }
  if (const size_t colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
    std::string name(Trim(line.substr(0, colon)));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    transfer->response.headers.emplace_back(std::move(name),
                                            std::string(Trim(line.substr(colon + 1))));
  }
  if (constexpr std::string_view kRetryAfter = "retry-after:";
      StartsWithIgnoringCase(line, kRetryAfter)) {
    const std::string_view value = Trim(line.substr(kRetryAfter.size()));
    int64_t seconds = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (error == std::errc() && end == value.data() + value.size() && seconds >= 0) {
      transfer->response.retry_after = std::chrono::seconds(seconds);
    }
  }
  return bytes;
}

// The error for a transfer that ended without a complete response.
Status TransferError(const Transfer& transfer, CURLcode code) {
  ErrorCode error_code = ErrorCode::kUnavailable;
  std::string what;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      what = "timed out";
      break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      error_code = ErrorCode::kInvalidArgument;
      what = "the URL cannot be requested; check the base URL";
      break;
    case CURLE_OUT_OF_MEMORY:
      error_code = ErrorCode::kInternal;
      what = "libcurl is out of memory";
      break;
    case CURLE_WRITE_ERROR:
      if (transfer.body_too_large) {
        what = fmt::format("the response is larger than {} bytes", transfer.max_body_bytes);
        break;
      }
      [[fallthrough]];
    default:
      // Refused, reset, truncated, TLS failures, unresolved hosts: worth another try.
      what = "no complete response";
      break;
  }
  // libcurl's own words, which may quote the URL: redacted like everything else.
  const std::string detail = transfer.error[0] != '\0' ? transfer.error : curl_easy_strerror(code);
  return Status::Error(error_code,
                       fmt::format("{}: {} ({})", transfer.redacted_url, what, RedactUrl(detail)));
}

void Deliver(Transfer& transfer, Result<HttpResponse> result) {
  // The top of a callback on the event-loop thread: whatever escapes is reported, and the
  // loop goes on for the other transfers.
  try {
    transfer.done(std::move(result));
  } catch (const std::exception& error) {
    TF_LOG_ERROR("http: the callback for {} threw: {}", transfer.redacted_url, error.what());
  } catch (...) {
    TF_LOG_ERROR("http: the callback for {} threw an unknown exception", transfer.redacted_url);
  }
}

}  // namespace

class HttpClient::Impl {
 public:
  Impl(const HttpClientOptions& options, CurlMulti multi)
      : options_(options), multi_(std::move(multi)) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ~Impl() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    curl_multi_wakeup(multi_.get());
    if (thread_.joinable()) thread_.join();
  }

  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }

  void Enqueue(std::unique_ptr<Transfer> transfer) {
    transfer->max_body_bytes = options_.max_body_bytes;
    {
      std::lock_guard lock(mutex_);
      if (!stopping_) {
        queued_.push_back(std::move(transfer));
        transfer = nullptr;
      }
    }
    if (transfer != nullptr) {
      Deliver(*transfer, Status::Error(ErrorCode::kUnavailable,
                                       fmt::format("{}: the HTTP client is shutting down",
                                                   transfer->redacted_url)));
      return;
    }
    curl_multi_wakeup(multi_.get());
  }

  int64_t completed() const { return completed_.load(); }
  int64_t connections_opened() const { return connections_opened_.load(); }

 private:
  void Loop() {
    while (true) {
      std::deque<std::unique_ptr<Transfer>> to_start;
      {
        std::lock_guard lock(mutex_);
        if (stopping_) break;
        while (!queued_.empty() &&
               static_cast<int>(running_.size() + to_start.size()) < options_.max_in_flight) {
          to_start.push_back(std::move(queued_.front()));
          queued_.pop_front();
        }
      }
      for (std::unique_ptr<Transfer>& transfer : to_start) StartTransfer(std::move(transfer));

      int still_running = 0;
      curl_multi_perform(multi_.get(), &still_running);
      bool finished_any = false;
      int left = 0;
      while (CURLMsg* message = curl_multi_info_read(multi_.get(), &left)) {
        if (message->msg != CURLMSG_DONE) continue;
        Finish(message->easy_handle, message->data.result);
        finished_any = true;
      }
      // A finished transfer frees a slot for a queued one: go round at once.
      if (!finished_any) curl_multi_poll(multi_.get(), nullptr, 0, kPollMilliseconds, nullptr);
    }
    FailEverything();
  }

  void StartTransfer(std::unique_ptr<Transfer> transfer) {
    if (Status status = Configure(*transfer); !status.ok()) {
      Deliver(*transfer, status);
      return;
    }
    CURL* easy = transfer->easy.get();
    if (const CURLMcode code = curl_multi_add_handle(multi_.get(), easy); code != CURLM_OK) {
      Deliver(*transfer,
              Status::Error(ErrorCode::kInternal,
                            fmt::format("{}: libcurl refused the transfer: {}",
                                        transfer->redacted_url, curl_multi_strerror(code))));
      return;
    }
    running_.emplace(easy, std::move(transfer));
  }

  Status Configure(Transfer& transfer) {
    CURL* easy = transfer.easy.get();
    if (easy == nullptr) {
      return Status::Error(ErrorCode::kInternal, "libcurl could not create a transfer");
    }
    std::vector<std::string> lines;
    for (const auto& [name, value] : transfer.request.headers) {
      lines.push_back(fmt::format("{}: {}", name, value));
    }
    if (transfer.request.method == "PUT" || transfer.request.method == "POST") {
      // libcurl would announce a form (application/x-www-form-urlencoded) and, above 1 MB,
      // wait for a 100 Continue; a body is just bytes here, sent at once.
      const bool has_type = std::any_of(
          transfer.request.headers.begin(), transfer.request.headers.end(),
          [](const auto& header) { return StartsWithIgnoringCase(header.first, "content-type"); });
      if (!has_type) lines.emplace_back("Content-Type: application/octet-stream");
      lines.emplace_back("Expect:");
    }
    for (const std::string& line : lines) {
      if (!transfer.headers.Append(line.c_str())) {
        return Status::Error(ErrorCode::kInternal, "libcurl is out of memory");
      }
    }
    const std::chrono::milliseconds total =
        transfer.request.timeout.value_or(options_.total_timeout);
    bool ok = true;
    auto set = [&](CURLoption option, auto value) {
      ok = ok && curl_easy_setopt(easy, option, value) == CURLE_OK;
    };
    set(CURLOPT_URL, transfer.request.url.c_str());
    const std::string& method = transfer.request.method;
    if (method == "GET") {
      set(CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      set(CURLOPT_NOBODY, 1L);
    } else if (method == "PUT" || method == "POST") {
      // The body from memory; the Transfer owns the request, so the pointer outlives it.
      set(CURLOPT_POSTFIELDS, transfer.request.body.data());
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(transfer.request.body.size()));
      set(CURLOPT_CUSTOMREQUEST, method.c_str());
    } else if (method == "DELETE") {
      set(CURLOPT_CUSTOMREQUEST, method.c_str());
    } else {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("{}: unsupported HTTP method", transfer.redacted_url));
    }
    set(CURLOPT_NOSIGNAL, 1L);  // Threads: no SIGALRM for DNS timeouts.
    // gzip only: offered brotli, some servers (cpp-httplib among them) compress at brotli's
    // slowest level, 30x slower than gzip per response; FMP's JSON gains little from it.
    set(CURLOPT_ACCEPT_ENCODING, "gzip");
    set(CURLOPT_FOLLOWLOCATION, 0L);
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
    set(CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(options_.low_speed_bytes));
    set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
    set(CURLOPT_USERAGENT, options_.user_agent.c_str());
    set(CURLOPT_WRITEFUNCTION, &WriteBody);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
    set(CURLOPT_HEADERFUNCTION, &ReadHeader);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
    set(CURLOPT_ERRORBUFFER, transfer.error);
    if (transfer.headers.get() != nullptr) set(CURLOPT_HTTPHEADER, transfer.headers.get());
    if (!ok) {
      return Status::Error(ErrorCode::kInternal,
                           fmt::format("{}: libcurl rejected an option", transfer.redacted_url));
    }
    return Status::Ok();
  }

  void Finish(CURL* easy, CURLcode code) {
    const auto found = running_.find(easy);
    if (found == running_.end()) return;
    std::unique_ptr<Transfer> transfer = std::move(found->second);
    running_.erase(found);
    curl_multi_remove_handle(multi_.get(), easy);

    long connects = 0;  // NOLINT(google-runtime-int): libcurl's type.
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
    connections_opened_ += connects;
    ++completed_;
    if (code != CURLE_OK) {
      Deliver(*transfer, TransferError(*transfer, code));
      return;
    }
    long status = 0;  // NOLINT(google-runtime-int): libcurl's type.
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    const char* content_type = nullptr;
    curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &content_type);
    transfer->response.status = static_cast<int>(status);
    if (content_type != nullptr) transfer->response.content_type = content_type;
    HttpResponse response = std::move(transfer->response);
    Deliver(*transfer, std::move(response));
  }

  void FailEverything() {
    std::deque<std::unique_ptr<Transfer>> queued;
    {
      std::lock_guard lock(mutex_);
      queued.swap(queued_);
    }
    for (auto& [easy, transfer] : running_) {
      curl_multi_remove_handle(multi_.get(), easy);
      queued.push_back(std::move(transfer));
    }
    running_.clear();
    for (std::unique_ptr<Transfer>& transfer : queued) {
      Deliver(*transfer, Status::Error(ErrorCode::kUnavailable,
                                       fmt::format("{}: the HTTP client was shut down",
                                                   transfer->redacted_url)));
    }
  }

  const HttpClientOptions options_;
  CurlMulti multi_;
  std::mutex mutex_;  // Guards queued_ and stopping_.
  std::deque<std::unique_ptr<Transfer>> queued_;
  bool stopping_ = false;
  std::atomic<int64_t> completed_{0};
  std::atomic<int64_t> connections_opened_{0};
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> running_;  // Event-loop thread only.
  std::thread thread_;
};

Result<std::unique_ptr<HttpClient>> HttpClient::Create(const HttpClientOptions& options) {
  CurlMulti multi;
  if (multi.get() == nullptr) {
    return Status::Error(ErrorCode::kInternal, "libcurl could not be initialised");
  }
  curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS,
                    static_cast<long>(options.max_idle_connections));
  auto impl = std::make_unique<Impl>(options, std::move(multi));
  impl->Start();
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpClient::~HttpClient() = default;

void HttpClient::SendAsync(HttpRequest request, Callback done) {
  auto transfer = std::make_unique<Transfer>();
  transfer->redacted_url = fmt::format("{} {}", request.method, RedactUrl(request.url));
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  impl_->Enqueue(std::move(transfer));
}

void HttpClient::GetAsync(HttpRequest request, Callback done) {
  request.method = "GET";
  SendAsync(std::move(request), std::move(done));
}

Result<HttpResponse> HttpClient::Get(const HttpRequest& request) {
  HttpRequest get = request;
  get.method = "GET";
  return Send(get);
}

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  std::promise<Result<HttpResponse>> promise;
  std::future<Result<HttpResponse>> future = promise.get_future();
  SendAsync(request,
            [&promise](Result<HttpResponse> result) { promise.set_value(std::move(result)); });
  return future.get();
}

int64_t HttpClient::completed() const { return impl_->completed(); }
int64_t HttpClient::connections_opened() const { return impl_->connections_opened(); }

}  // namespace tickerflow::net
