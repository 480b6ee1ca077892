#include "net/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include "util/text.h"

namespace engram::net {
namespace {

using std::chrono::milliseconds;

// libcurl's global state (OpenSSL, the resolver) must be set up once before any handle exists
// and torn down at exit, or LeakSanitizer reports OpenSSL's allocations. A function-local
// static gives both: thread-safe construction on first use, destruction after every HttpClient
// that was created before it finished (static destructors run in reverse order).
class CurlGlobal {
 public:
  CurlGlobal() : code_(curl_global_init(CURL_GLOBAL_DEFAULT)) {}
  ~CurlGlobal() {
    if (code_ == CURLE_OK) curl_global_cleanup();
  }
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
  bool ok() const { return code_ == CURLE_OK; }

 private:
  CURLcode code_;
};

bool EnsureCurlGlobal() {
  static const CurlGlobal global;
  return global.ok();
}

struct CurlUrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlPtr = std::unique_ptr<CURLU, CurlUrlDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// One part of a parsed URL, "" when absent.
std::string UrlPart(CURLU* u, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(u, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::string out(value);
  curl_free(value);
  return out;
}

std::string Prefix(const HttpRequest& request) {
  return request.method + " " + DescribeUrl(request.url) + ": ";
}

std::string AttemptsSuffix(int attempts) {
  return attempts > 1 ? " after " + std::to_string(attempts) + " attempts" : "";
}

bool IsTokenChar(unsigned char c) {
  return std::isalnum(c) || (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

// Header values are checked so a stray CR/LF cannot inject headers; the message names the
// header's position, never its value.
Status ValidateHeaders(const HttpHeaders& headers) {
  for (size_t i = 0; i < headers.size(); ++i) {
    const auto& [name, value] = headers[i];
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return Status::InvalidArgument("request header " + std::to_string(i) +
                                     " has an invalid name");
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Status::InvalidArgument("request header '" + name + "' contains a line break or NUL");
    }
  }
  return Status::Ok();
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// What the libcurl callbacks fill in during one exchange.
struct Exchange {
  HttpResponse response;
  size_t max_bytes = 0;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (ex->response.body.size() + n > ex->max_bytes) {
    ex->too_large = true;
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  ex->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  const std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new status line: what came before belonged to an interim response (100 Continue) or a
    // proxy's CONNECT reply; only the final response's headers are reported.
    ex->response.headers.clear();
  } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
    ex->response.headers.emplace_back(ToLower(util::TrimWhitespace(line.substr(0, colon))),
                                      std::string(util::TrimWhitespace(line.substr(colon + 1))));
  }
  return n;
}

// Transport failures worth another attempt: the next one may find the server up, the network
// back or the load lower. TLS and protocol errors will fail the same way again.
bool IsRetryableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool IsRetryableHttpStatus(int status) {
  return status == 408 || status == 429 || status >= 500;
}

milliseconds Backoff(const RetryPolicy& policy, int retry) {
  double base =
      static_cast<double>(policy.initial_backoff.count()) * std::pow(policy.multiplier, retry - 1);
  base = std::min(base, static_cast<double>(policy.max_backoff.count()));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(base / 2, base);
  return milliseconds(static_cast<int64_t>(jitter(rng)));
}

// The wait a response asks for: OpenAI's retry-after-ms (finer) or the standard Retry-After.
std::optional<milliseconds> RequestedWait(const HttpResponse& response) {
  if (auto ms = response.Header("retry-after-ms")) {
    const std::string_view v = util::TrimWhitespace(*ms);
    double value = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
    if (ec == std::errc() && end == v.data() + v.size() && value >= 0 && value < 1e12) {
      return milliseconds(static_cast<int64_t>(value));
    }
  }
  if (auto value = response.Header("retry-after")) {
    return ParseRetryAfter(*value, std::time(nullptr));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> HttpResponse::Header(std::string_view name) const {
  const std::string lower = ToLower(name);
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (ToLower(it->first) == lower) return std::string_view(it->second);
  }
  return std::nullopt;
}

bool IsLoopbackHost(std::string_view host) {
  if (ToLower(host) == "localhost") return true;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string h(host);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  return inet_pton(AF_INET6, h.c_str(), &v6) == 1 &&
         std::memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0;
}

std::optional<UrlParts> ParseUrl(const std::string& url) {
  UrlPtr u(curl_url());
  // Flags 0: a scheme is required, so "example.com/x" is not guessed to be http.
  if (u == nullptr || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  UrlParts parts{ToLower(UrlPart(u.get(), CURLUPART_SCHEME)), UrlPart(u.get(), CURLUPART_HOST),
                 UrlPart(u.get(), CURLUPART_PORT), UrlPart(u.get(), CURLUPART_PATH)};
  return parts;
}

Status CheckUrl(const std::string& url, const HttpOptions& options) {
  const auto parts = ParseUrl(url);
  if (!parts) return Status::InvalidArgument("not a valid absolute URL");
  if (parts->scheme != "https" && parts->scheme != "http") {
    return Status::InvalidArgument("unsupported URL scheme '" + parts->scheme +
                                   "' (only http and https)");
  }
  if (parts->scheme == "http" && !IsLoopbackHost(parts->host) && !options.allow_insecure_http) {
    return Status::InvalidArgument("refusing plain http:// to non-loopback host " + parts->host +
                                   ": use https:// (or explicitly allow insecure http)");
  }
  return Status::Ok();
}

std::string DescribeUrl(const std::string& url) {
  const auto parts = ParseUrl(url);
  if (!parts) return "(invalid URL)";
  return parts->host + (parts->port.empty() ? "" : ":" + parts->port) + parts->path;
}

std::optional<milliseconds> ParseRetryAfter(std::string_view value, std::time_t now) {
  value = util::TrimWhitespace(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    // Anything beyond a day is as good as forever; clamping avoids overflow on silly values.
    constexpr int64_t kMaxSeconds = 86'400;
    int64_t seconds = kMaxSeconds;
    if (value.size() < 10) std::from_chars(value.data(), value.data() + value.size(), seconds);
    return milliseconds(std::min(seconds, kMaxSeconds) * 1000);
  }
  const std::string date(value);
  const std::time_t when = curl_getdate(date.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return milliseconds(std::max<int64_t>(0, static_cast<int64_t>(when - now)) * 1000);
}

Status HttpStatusToStatus(const HttpRequest& request, int http_status, int attempts) {
  if (http_status >= 200 && http_status < 300) return Status::Ok();
  const std::string msg =
      Prefix(request) + "HTTP " + std::to_string(http_status) + AttemptsSuffix(attempts);
  if (http_status == 401 || http_status == 403) {
    return Status::PermissionDenied(msg + " (check the API key)");
  }
  if (IsRetryableHttpStatus(http_status)) return Status::Unavailable(msg);
  if (http_status >= 300 && http_status < 400) {
    return Status::InvalidArgument(msg + " (redirects are not followed; check the URL)");
  }
  return Status::InvalidArgument(msg);
}

// Idle libcurl easy handles. A handle keeps its connections open after a call, so taking one
// from here lets the next call skip the TCP and TLS handshakes.
class HttpClient::HandlePool {
 public:
  HandlePool() = default;
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;
  ~HandlePool() {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  // An idle handle or a new one, with default options; nullptr when libcurl cannot allocate.
  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* h) {
    // Drops every option, so no idle handle points into a finished call's request or buffers,
    // but keeps the live connections.
    curl_easy_reset(h);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (idle_.size() < kMaxIdle) {
        idle_.push_back(h);
        return;
      }
    }
    curl_easy_cleanup(h);
  }

 private:
  static constexpr size_t kMaxIdle = 8;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

HttpClient::HttpClient(HttpOptions options)
    : options_(options), pool_(std::make_unique<HandlePool>()) {
  EnsureCurlGlobal();
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Post(std::string url, HttpHeaders headers, std::string body,
                                      milliseconds timeout) const {
  return Send(HttpRequest{"POST", std::move(url), std::move(headers), std::move(body), timeout});
}

Result<HttpResponse> HttpClient::Get(std::string url, HttpHeaders headers,
                                     milliseconds timeout) const {
  return Send(HttpRequest{"GET", std::move(url), std::move(headers), "", timeout});
}

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) const {
  bool retryable = false;
  return SendOnce(request, &retryable);
}

Result<HttpResponse> HttpClient::SendOnce(const HttpRequest& request, bool* retryable) const {
  *retryable = false;
  if (request.method != "GET" && request.method != "POST") {
    return Status::InvalidArgument("unsupported HTTP method '" + request.method + "'");
  }
  ENGRAM_RETURN_IF_ERROR(CheckUrl(request.url, options_));
  const bool loopback = IsLoopbackHost(ParseUrl(request.url)->host);
  ENGRAM_RETURN_IF_ERROR(ValidateHeaders(request.headers));
  if (!EnsureCurlGlobal()) return Status::Internal("libcurl failed to initialise");

  SlistPtr header_list;
  for (const auto& [name, value] : request.headers) {
    const std::string line = name + ": " + value;
    curl_slist* next = curl_slist_append(header_list.get(), line.c_str());
    if (next == nullptr) return Status::Internal("out of memory building request headers");
    header_list.release();  // now owned by `next`, the head of the same list
    header_list.reset(next);
  }
  // libcurl adds "Expect: 100-continue" to large POSTs and then waits for the server's go-ahead,
  // which costs a round trip (or a full second with servers that never send it).
  curl_slist* next = curl_slist_append(header_list.get(), "Expect:");
  if (next == nullptr) return Status::Internal("out of memory building request headers");
  header_list.release();
  header_list.reset(next);

  CURL* h = pool_->Acquire();
  if (h == nullptr) return Status::Internal("libcurl failed to create a handle");
  const milliseconds timeout = request.timeout.count() > 0 ? request.timeout : options_.timeout;
  Exchange ex;
  ex.max_bytes = options_.max_response_bytes;

  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  // Signals cannot be used for timeouts when several threads run transfers.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(options_.connect_timeout, timeout).count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options_.max_response_bytes));
  // A proxy from the environment must not see traffic meant for this machine.
  if (loopback) curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // any encoding libcurl can decode
  curl_easy_setopt(h, CURLOPT_USERAGENT, "engram/0.1");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  if (request.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);

  const CURLcode code = curl_easy_perform(h);
  long http_status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http_status);
  pool_->Release(h);

  if (ex.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return Status::TooLarge(Prefix(request) + "response exceeds " +
                            std::to_string(options_.max_response_bytes) + " bytes");
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    *retryable = true;
    return Status::Unavailable(Prefix(request) + "timed out after " +
                               std::to_string(timeout.count()) + " ms");
  }
  if (code != CURLE_OK) {
    *retryable = IsRetryableCurlError(code);
    return Status::Unavailable(Prefix(request) + curl_easy_strerror(code));
  }
  ex.response.status = static_cast<int>(http_status);
  return std::move(ex.response);
}

Result<HttpResponse> HttpClient::SendWithRetry(const HttpRequest& request,
                                               const RetryPolicy& policy) const {
  int attempts = 0;
  ENGRAM_ASSIGN_OR_RETURN(HttpResponse response, SendRetrying(request, policy, &attempts));
  if (response.status >= 200 && response.status < 300) return response;
  return HttpStatusToStatus(request, response.status, attempts);
}

Result<HttpResponse> HttpClient::SendRetrying(const HttpRequest& request, const RetryPolicy& policy,
                                              int* attempts) const {
  const int max_attempts = std::max(1, policy.max_attempts);
  for (int attempt = 1;; ++attempt) {
    if (attempts) *attempts = attempt;
    bool retryable = false;
    Result<HttpResponse> result = SendOnce(request, &retryable);
    std::optional<milliseconds> wait;
    if (!result.ok()) {
      if (!retryable || max_attempts == 1) return result;
      if (attempt == max_attempts) {
        return Status::Unavailable(result.status().message() + AttemptsSuffix(attempt));
      }
    } else {
      const int status = result->status;
      if (status >= 200 && status < 300) return result;
      if (!IsRetryableHttpStatus(status) || attempt == max_attempts) return result;
      wait = RequestedWait(*result);
    }
    const milliseconds delay =
        wait ? std::min(*wait, policy.max_retry_after) : Backoff(policy, attempt);
    if (policy.sleep) {
      policy.sleep(delay);
    } else {
      std::this_thread::sleep_for(delay);
    }
  }
}

}  // namespace engram::net
