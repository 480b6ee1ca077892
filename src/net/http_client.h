// A small synchronous HTTP/1.1 client over libcurl, for calls to model providers (embeddings,
// LLMs) and other JSON services.
//
// Safety rules, enforced before any connection is made:
//  - only http:// and https:// URLs; https always verifies the server certificate and host name;
//  - plain http:// only to loopback hosts (127.0.0.0/8, localhost, [::1]) unless
//    HttpOptions::allow_insecure_http is set, so a key is never sent in clear text by accident;
//  - redirects are not followed (they could carry the Authorization header to another host);
//  - responses larger than HttpOptions::max_response_bytes are refused (TooLarge).
// Error messages name the method, host and path of the URL and the HTTP status, never header
// values (API keys), query strings or bodies.
//
// HttpClient::Send makes one attempt and returns any HTTP status as a response;
// HttpClient::SendWithRetry adds a RetryPolicy and turns non-2xx statuses into a Status.
#pragma once

#include <chrono>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engram/status.h"

namespace engram::net {

// Header (name, value) pairs in order. Names are compared case-insensitively.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // "GET" or "POST"
  std::string url;
  HttpHeaders headers;
  std::string body;  // sent as-is for POST; set a Content-Type header to match
  // Limit for the whole exchange; zero means HttpOptions::timeout.
  std::chrono::milliseconds timeout{0};
};

struct HttpResponse {
  int status = 0;
  // Headers of the final response, names lower-cased, in the order received.
  HttpHeaders headers;
  std::string body;

  // Value of the last header called `name` (any case), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};  // default limit for a whole exchange
  size_t max_response_bytes = size_t{64} << 20;
  // Allows plain http:// to non-loopback hosts (e.g. a model server on the LAN). Off by default.
  bool allow_insecure_http = false;
};

// When and how often HttpClient::SendWithRetry tries again.
struct RetryPolicy {
  int max_attempts = 4;  // including the first; 1 disables retries
  // Backoff before retry n (n = 1, 2, ...) is initial_backoff * multiplier^(n-1), capped at
  // max_backoff, then drawn uniformly from [half of it, all of it] so that clients that failed
  // together do not retry together.
  std::chrono::milliseconds initial_backoff{500};
  double multiplier = 2.0;
  std::chrono::milliseconds max_backoff{20'000};
  // A server's Retry-After (or retry-after-ms) replaces the backoff, up to this much.
  std::chrono::milliseconds max_retry_after{60'000};
  // How to wait; std::this_thread::sleep_for when empty. Tests inject a recorder.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Thread-safe: Send may be called from several threads at once. Keeps a few idle libcurl
// handles so that consecutive calls reuse connections (one TLS handshake per host, not per call).
class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One attempt. Any HTTP status is a successful Result (inspect response.status). Errors:
  // InvalidArgument for a refused URL, method or header (nothing is sent); Unavailable when
  // the host cannot be reached, TLS fails or the exchange times out; TooLarge when the
  // response exceeds max_response_bytes.
  Result<HttpResponse> Send(const HttpRequest& request) const;

  Result<HttpResponse> Post(std::string url, HttpHeaders headers, std::string body,
                            std::chrono::milliseconds timeout = {}) const;
  Result<HttpResponse> Get(std::string url, HttpHeaders headers,
                           std::chrono::milliseconds timeout = {}) const;

  // Sends `request`, retrying connection failures, timeouts, 408, 429 and 5xx as `policy` says.
  // Returns the first 2xx response. Otherwise the Status of the last attempt: Unavailable for
  // unreachable hosts, timeouts, 408/429/5xx; PermissionDenied for 401/403; InvalidArgument for
  // other 4xx and unexpected statuses (1xx, 3xx); Send's other errors as they are.
  Result<HttpResponse> SendWithRetry(const HttpRequest& request, const RetryPolicy& policy) const;
  // The same retries, but the last response is returned whatever its status (a non-retryable
  // one, or the last attempt's), for callers that read an error's body: model providers explain
  // their errors there. Transport failures are errors as in SendWithRetry. `*attempts`, when
  // given, is how many attempts were made.
  Result<HttpResponse> SendRetrying(const HttpRequest& request, const RetryPolicy& policy,
                                    int* attempts = nullptr) const;

  const HttpOptions& options() const { return options_; }

 private:
  class HandlePool;
  // Send, also telling whether a failure is worth another attempt.
  Result<HttpResponse> SendOnce(const HttpRequest& request, bool* retryable) const;

  HttpOptions options_;
  std::unique_ptr<HandlePool> pool_;
};

// The Status an HTTP status maps to, as SendWithRetry reports it (OK for 2xx). `attempts` > 1
// is mentioned in the message.
Status HttpStatusToStatus(const HttpRequest& request, int http_status, int attempts = 1);

// Wait a Retry-After value asks for: delay-seconds ("120") or an HTTP-date, relative to `now`.
// nullopt when it does not parse; a date in the past gives zero.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, std::time_t now);

struct UrlParts {
  std::string scheme;  // lower case
  std::string host;    // IPv6 literals keep their brackets
  std::string port;    // only when the URL names one
  std::string path;
};
// nullopt unless `url` is an absolute URL (a scheme is required).
std::optional<UrlParts> ParseUrl(const std::string& url);

// OK when the client may request `url` under `options`: http or https, and plain http only to
// a loopback host unless options.allow_insecure_http. InvalidArgument otherwise. Send checks
// this itself; callers use it to reject a bad configuration early.
Status CheckUrl(const std::string& url, const HttpOptions& options);

// True for hosts that can only mean this machine: localhost, 127.0.0.0/8 and ::1 (with or
// without brackets). Names that merely resolve to loopback do not count.
bool IsLoopbackHost(std::string_view host);

// "host[:port]/path" of a URL, without user info, query or fragment: what error messages name.
// "(invalid URL)" when it does not parse.
std::string DescribeUrl(const std::string& url);

}  // namespace engram::net
